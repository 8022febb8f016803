package explore

import (
	"fmt"
	"io"
	"strings"
)

// SideBySide writes the original and the shrunk plan's files in two columns,
// aligned line by line (a longest-common-subsequence alignment of the YAML),
// with a marker between them: "|" changed, "<" only in the original, ">"
// only in the shrunk plan. Then it lists the changes the shrink made.
func SideBySide(w io.Writer, r ShrinkResult) error {
	a, err := r.Original.YAML()
	if err != nil {
		return err
	}
	b, err := r.Shrunk.YAML()
	if err != nil {
		return err
	}
	left, right := strings.Split(strings.TrimRight(string(a), "\n"), "\n"), strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	width := 10
	for _, l := range left {
		width = max(width, min(len(l), 60))
	}
	fmt.Fprintf(w, "%-*s   %s\n", width, "original ("+r.Original.Name+")", "shrunk ("+r.Shrunk.Name+")")
	for _, row := range align(left, right) {
		mark := " "
		switch {
		case row.l == nil:
			mark = ">"
		case row.r == nil:
			mark = "<"
		case *row.l != *row.r:
			mark = "|"
		}
		fmt.Fprintf(w, "%-*s %s %s\n", width, deref(row.l), mark, deref(row.r))
	}
	fmt.Fprintf(w, "\nchanges (%d, %d runs):\n", len(r.Changes), r.Runs)
	for _, c := range r.Changes {
		fmt.Fprintf(w, "  - %s\n", c)
	}
	_, err = fmt.Fprintf(w, "faults %d -> %d, clients %d -> %d, duration %v -> %v\n",
		len(r.Original.Timeline), len(r.Shrunk.Timeline), r.Original.Load.Clients, r.Shrunk.Load.Clients,
		r.Original.Load.Duration, r.Shrunk.Load.Duration)
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type row struct{ l, r *string }

// align pairs the lines of a and b along their longest common subsequence;
// unmatched runs on both sides are paired up as changed lines.
func align(a, b []string) []row {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []row
	var da, db []*string
	flush := func() {
		for k := 0; k < max(len(da), len(db)); k++ {
			var r row
			if k < len(da) {
				r.l = da[k]
			}
			if k < len(db) {
				r.r = db[k]
			}
			out = append(out, r)
		}
		da, db = nil, nil
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			flush()
			out = append(out, row{&a[i], &b[j]})
			i, j = i+1, j+1
		case j >= m || (i < n && lcs[i+1][j] >= lcs[i][j+1]):
			da = append(da, &a[i])
			i++
		default:
			db = append(db, &b[j])
			j++
		}
	}
	flush()
	return out
}
