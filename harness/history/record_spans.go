package history

import (
	"slices"
	"sort"
)

// span is the closed index range [lo, hi].
type span struct{ lo, hi uint64 }

// spans is a set of message indices as sorted, disjoint, non-adjacent
// ranges: a stream delivered in order is one span, whatever its length, so
// the compact recorder's memory grows with exceptions (gaps, reorders), not
// with messages.
type spans []span

// add inserts x and reports whether it was new. Appending at the end (the
// in-order case) is O(1).
func (s *spans) add(x uint64) bool {
	v := *s
	n := len(v)
	if n > 0 {
		last := &v[n-1]
		switch {
		case x == last.hi+1:
			last.hi = x
			return true
		case x > last.hi+1:
			*s = append(v, span{x, x})
			return true
		}
	} else {
		*s = append(v, span{x, x})
		return true
	}
	// Out of order: find the first span ending at or after x-1.
	i := sort.Search(n, func(i int) bool { return v[i].hi+1 >= x })
	if i < n && v[i].lo <= x && x <= v[i].hi {
		return false
	}
	switch {
	case i < n && x+1 == v[i].lo && i > 0 && v[i-1].hi+1 == x: // joins two spans
		v[i-1].hi = v[i].hi
		*s = slices.Delete(v, i, i+1)
	case i < n && x+1 == v[i].lo:
		v[i].lo = x
	case i < n && v[i].hi+1 == x:
		v[i].hi = x
		if i+1 < n && v[i+1].lo == x+1 {
			v[i].hi = v[i+1].hi
			*s = slices.Delete(v, i+1, i+2)
		}
	default:
		*s = slices.Insert(v, i, span{x, x})
	}
	return true
}

// has reports whether x is in s.
func (s spans) has(x uint64) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i].hi >= x })
	return i < len(s) && s[i].lo <= x
}

// max is the largest index in s, 0 when empty.
func (s spans) max() uint64 {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1].hi
}

// count is how many indices s holds.
func (s spans) count() int {
	n := 0
	for _, x := range s {
		n += int(x.hi - x.lo + 1)
	}
	return n
}

// each calls f for every index in s in order until f returns false.
func (s spans) each(f func(uint64) bool) {
	for _, x := range s {
		for i := x.lo; ; i++ {
			if !f(i) {
				return
			}
			if i == x.hi {
				break
			}
		}
	}
}

// combine returns the indices for which keep, given membership in each of
// sets, is true: one sweep over the sets' boundaries, so set algebra on
// long in-order streams costs their exceptions, not their length.
func combine(keep func(in []bool) bool, sets ...spans) spans {
	var cuts []uint64
	for _, s := range sets {
		for _, x := range s {
			cuts = append(cuts, x.lo, x.hi+1)
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	in := make([]bool, len(sets))
	pos := make([]int, len(sets))
	var out spans
	for k := 0; k+1 < len(cuts); k++ {
		lo, hi := cuts[k], cuts[k+1]-1 // an elementary segment: membership is constant on it
		for j, s := range sets {
			for pos[j] < len(s) && s[pos[j]].hi < lo {
				pos[j]++
			}
			in[j] = pos[j] < len(s) && s[pos[j]].lo <= lo
		}
		if !keep(in) {
			continue
		}
		if n := len(out); n > 0 && out[n-1].hi+1 == lo {
			out[n-1].hi = hi
		} else {
			out = append(out, span{lo, hi})
		}
	}
	return out
}

// above returns the indices of s greater than x.
func (s spans) above(x uint64) spans {
	var out spans
	for _, v := range s {
		switch {
		case v.hi <= x:
		case v.lo > x:
			out = append(out, v)
		default:
			out = append(out, span{x + 1, v.hi})
		}
	}
	return out
}
