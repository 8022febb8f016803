package stats

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
)

// schedule draws n delays from b the way the client does: attempts 1..8
// repeatedly, each with the previous delay.
func schedule(b client.Backoff, n int, seed uint64) (pits func(model client.Backoff) []float64) {
	rnd := rand.New(rand.NewPCG(seed, seed+1))
	type draw struct {
		attempt int
		prev, d time.Duration
	}
	var draws []draw
	var prev time.Duration
	for i := range n {
		attempt := i%8 + 1
		if attempt == 1 {
			prev = 0
		}
		d := b.Delay(attempt, prev, rnd)
		draws = append(draws, draw{attempt, prev, d})
		prev = d
	}
	return func(model client.Backoff) []float64 {
		u := make([]float64, len(draws))
		for i, dr := range draws {
			u[i] = BackoffDist(model, dr.attempt, dr.prev).PIT(dr.d)
		}
		return u
	}
}

// The client's Backoff.Delay must follow the distribution its documentation
// promises (this package's oracle), for every jitter mode.
func TestBackoffDelayMatchesDocumentedDistribution(t *testing.T) {
	base := client.Backoff{Base: 10 * time.Millisecond, Cap: 300 * time.Millisecond, Multiplier: 2}
	for _, mode := range []client.JitterMode{client.JitterFull, client.JitterEqual,
		client.JitterProportional, client.JitterDecorrelated, client.JitterPhased} {
		t.Run(mode.String(), func(t *testing.T) {
			b := base
			b.Jitter = mode
			u := schedule(b, 2000, 42)(b)
			if ks := KSOneSample(u, UniformCDF); ks.Reject(0.001) {
				t.Fatalf("%s delays do not fit their distribution: %v", mode, ks)
			}
		})
	}
}

// Negative controls: delays from one mode judged against another must fail.
func TestBackoffDistNegativeControls(t *testing.T) {
	base := client.Backoff{Base: 10 * time.Millisecond, Cap: 300 * time.Millisecond, Multiplier: 2}
	full, none, equal := base, base, base
	full.Jitter, none.Jitter, equal.Jitter = client.JitterFull, client.JitterNone, client.JitterEqual
	for name, tc := range map[string]struct{ drawn, model client.Backoff }{
		"none as full":  {none, full},
		"equal as full": {equal, full},
		"full as equal": {full, equal},
	} {
		u := schedule(tc.drawn, 400, 7)(tc.model)
		if ks := KSOneSample(u, UniformCDF); !ks.Reject(0.001) {
			t.Errorf("%s: not rejected: %v", name, ks)
		}
	}
}

func TestBackoffDistDefaultsAndSupport(t *testing.T) {
	d := BackoffDist(client.Backoff{}, 1, 0) // proportional ±25% of 250ms
	if d.Lo != 187500*time.Microsecond || d.Hi != 312500*time.Microsecond {
		t.Fatalf("default attempt 1 = %+v", d)
	}
	d = BackoffDist(client.Backoff{Jitter: client.JitterFull}, 40, 0)
	if d.Lo != 0 || d.Hi != 10*time.Second {
		t.Fatalf("full jitter at the cap = %+v", d)
	}
	if d.CDF(5*time.Second) != 0.5 || !d.Contains(10*time.Second, 0) || d.Contains(11*time.Second, time.Second/2) {
		t.Fatal("CDF/Contains wrong")
	}
	none := BackoffDist(client.Backoff{Jitter: client.JitterNone}, 2, 0)
	if none.CDF(499*time.Millisecond) != 0 || none.CDF(500*time.Millisecond) != 1 {
		t.Fatalf("point mass wrong: %+v", none)
	}
}
