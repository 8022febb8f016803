package faultserver

import "slices"

// keepNewest bounds an observation log: once it holds twice limit records
// it keeps the newest limit in a fresh slice (amortised O(1) per record;
// readers take the newest limit anyway), so the old array is released.
func keepNewest[T any](recs []T, limit int) []T {
	if limit <= 0 || len(recs) < 2*limit {
		return recs
	}
	return slices.Clone(recs[len(recs)-limit:])
}
