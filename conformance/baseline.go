package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
)

// ErrBaseline is wrapped by every baseline mismatch.
var ErrBaseline = errors.New("conformance: baseline mismatch")

// Baseline is the expected grade of each case for one client, kept in the
// repository so CI fails when a grade changes either way. An entry may list
// alternatives, "OK|FAILED", for a behaviour that is itself a matter of
// chance (a frame in flight at the instant of a restart is lost or not).
type Baseline struct {
	Client   string           `json:"client"`
	Expected map[string]Grade `json:"expected"`
}

// LoadBaseline reads a baseline file.
func LoadBaseline(path string) (Baseline, error) {
	var b Baseline
	data, err := os.ReadFile(path)
	if err != nil {
		return b, fmt.Errorf("conformance: baseline: %w", err)
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return b, fmt.Errorf("conformance: baseline %s: %w", path, err)
	}
	return b, nil
}

// BaselineFrom records rep's grades.
func BaselineFrom(rep ClientReport) Baseline {
	b := Baseline{Client: rep.Client, Expected: map[string]Grade{}}
	for _, r := range rep.Results {
		b.Expected[r.Case] = r.Grade
	}
	return b
}

// Save writes b to path.
func (b Baseline) Save(path string) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// Compare lists every difference between rep and b: a regression (a case
// graded worse than expected, or FAILED with no entry) and a stale entry (a
// case now better than expected, or an entry for a case that does not
// exist). Cases not run are not compared. The error wraps ErrBaseline.
func (b Baseline) Compare(rep ClientReport) ([]string, error) {
	var diffs []string
	ran := map[string]bool{}
	for _, r := range rep.Results {
		ran[r.Case] = true
		want, ok := b.Expected[r.Case]
		switch {
		case !ok && r.Grade == Failed:
			diffs = append(diffs, fmt.Sprintf("regression: %s %s FAILED, not in the baseline: %s", rep.Client, r.Case, r.Detail))
		case !ok:
		case allowed(want, r.Grade):
		case rank(r.Grade) < worst(want):
			diffs = append(diffs, fmt.Sprintf("regression: %s %s %s, baseline %s: %s", rep.Client, r.Case, r.Grade, want, r.Detail))
		default:
			diffs = append(diffs, fmt.Sprintf("stale entry: %s %s now %s, baseline %s (update the baseline)", rep.Client, r.Case, r.Grade, want))
		}
	}
	for id := range b.Expected {
		if _, ok := CaseByID(id); !ok {
			diffs = append(diffs, fmt.Sprintf("stale entry: %s %s is not a case", rep.Client, id))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		return diffs, fmt.Errorf("%w: %d differences for %s", ErrBaseline, len(diffs), rep.Client)
	}
	return nil, nil
}

// rank orders grades, higher better; NON-STRICT and INFORMATIONAL rank
// equal-ish but distinct so a change still shows.
func rank(g Grade) int {
	switch g {
	case OK:
		return 4
	case Informational:
		return 3
	case NonStrict:
		return 2
	case Unimplemented:
		return 1
	}
	return 0
}

func alternatives(want Grade) []Grade {
	var out []Grade
	for _, g := range strings.Split(string(want), "|") {
		out = append(out, Grade(g))
	}
	return out
}

func allowed(want, got Grade) bool { return slices.Contains(alternatives(want), got) }

func worst(want Grade) int {
	w := rank(OK)
	for _, g := range alternatives(want) {
		w = min(w, rank(g))
	}
	return w
}
