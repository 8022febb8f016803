package conformance

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Storm grading. Each client's first delay is measured from its own drop
// report to its next attempt at the server, so the time a loaded machine
// takes to wake N processes (over 100ms for 6 Node processes, seen) is not
// mistaken for jitter; the server's clock times both ends.
const (
	// stormAlpha is the clumping test's significance level.
	stormAlpha = 0.001
	// stormSims is the Monte Carlo sample size of the null distribution.
	stormSims = 20000
	// stormSeed fixes the simulation, so a grade depends only on the data.
	stormSeed = 0x5703
	// immediate is a first delay that is no delay: scheduling noise.
	immediate = 15 * time.Millisecond
)

// stormImmediate: a storm client asked for a 2s first delay whose first
// delays have a median under a tenth of it ignores the delay and redials at
// once; recws's measured 19ms at load average 17, whose noise is no jitter.
var stormImmediate = time.Duration(StormPolicy.InitialMS) * time.Millisecond / 10

// maxInWindow is the scan statistic: the most of xs within any window of
// width w.
func maxInWindow(xs []float64, w float64) int {
	s := slices.Clone(xs)
	slices.Sort(s)
	best, j := 0, 0
	for i := range s {
		for s[i]-s[j] > w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// clumpP is the chance that n independent delays with the least jitter 3.3
// accepts (uniform on [0.75, 1.25) of the median) put k or more within a
// window of a fifth of the median: the p-value of the scan statistic,
// estimated by a seeded Monte Carlo.
func clumpP(n, k int) float64 {
	key := [2]int{n, k}
	if p, ok := clumpCache.Load(key); ok {
		return p.(float64)
	}
	p := simulateClump(n, k)
	clumpCache.Store(key, p)
	return p
}

// clumpCache memoizes clumpP: the simulation is seeded, so a result never
// changes.
var clumpCache sync.Map

func simulateClump(n, k int) float64 {
	r := rand.New(rand.NewPCG(stormSeed, uint64(n)))
	xs := make([]float64, n)
	hits := 0
	for range stormSims {
		for i := range xs {
			xs[i] = 0.75 + 0.5*r.Float64()
		}
		if maxInWindow(xs, 0.2) >= k {
			hits++
		}
	}
	return float64(hits+1) / float64(stormSims+1)
}

// gradeStorm: n clients dropped at once must not come back together. The
// statistic is the most first delays within a window of a fifth of their
// median; the test asks how likely that many are by chance for independent
// delays jittered only +-25%. A fixed delay puts all n in one window
// (p < 1e-5 for n = 16), full jitter about a fifth of them.
func gradeStorm(delays []time.Duration, n int) verdict {
	if len(delays) < n {
		return v(Failed, "only %d of %d clients reconnected", len(delays), n)
	}
	m := median(delays)
	if m < stormImmediate {
		return v(NonStrict, "clumped: immediate reconnects (median first delay %v)", m.Round(time.Millisecond))
	}
	xs := make([]float64, len(delays))
	for i, d := range delays {
		xs[i] = float64(d) / float64(m)
	}
	k := maxInWindow(xs, 0.2)
	p := clumpP(len(xs), k)
	if p < stormAlpha {
		return v(NonStrict, "clumped: %d of %d first delays within %v (a fifth of the median %v), p=%.1g < %g by chance",
			k, n, (m / 5).Round(time.Millisecond), m.Round(time.Millisecond), p, stormAlpha)
	}
	return v(OK, "spread: at most %d of %d first delays within %v (a fifth of the median %v), p=%.2g by chance",
		k, n, (m / 5).Round(time.Millisecond), m.Round(time.Millisecond), p)
}
