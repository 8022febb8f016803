package client

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func seeded() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// TestBackoffExactSchedules replays each jitter mode with a seeded source and
// compares against values computed by hand from the same draws.
func TestBackoffExactSchedules(t *testing.T) {
	draws := make([]float64, 10)
	r := seeded()
	for i := range draws {
		draws[i] = r.Float64()
	}
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	// un-jittered defaults: 250, 500, 1000, 2000, 4000, 8000, 10000 (capped), 10000, ...
	base := []float64{250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000}
	cases := []struct {
		mode JitterMode
		want func(i int, prev float64) float64
	}{
		{JitterNone, func(i int, _ float64) float64 { return base[i] }},
		{JitterProportional, func(i int, _ float64) float64 { return base[i] * (1 + 0.25*(2*draws[i]-1)) }},
		{JitterFull, func(i int, _ float64) float64 { return base[i] * draws[i] }},
		{JitterEqual, func(i int, _ float64) float64 { return base[i]/2 + draws[i]*base[i]/2 }},
		{JitterDecorrelated, func(i int, prev float64) float64 {
			if prev == 0 {
				prev = 250
			}
			hi := min(10000, prev*2)
			return 250 + draws[i]*(hi-250)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.mode.String(), func(t *testing.T) {
			b := Backoff{Jitter: tc.mode}
			r := seeded()
			var prev time.Duration
			var prevF float64
			for i := range draws {
				got := b.Delay(i+1, prev, r)
				want := tc.want(i, prevF)
				if d := got - ms(want); d < -time.Microsecond || d > time.Microsecond {
					t.Fatalf("attempt %d: got %v, want %v", i+1, got, ms(want))
				}
				prev, prevF = got, float64(got)/float64(time.Millisecond)
			}
		})
	}
}

// TestBackoffBounds draws 10,000 samples per mode and attempt class and checks
// every one lies within the documented interval, and that the samples do
// spread over it (so the check cannot pass with a constant).
func TestBackoffBounds(t *testing.T) {
	const n = 10000
	b := Backoff{} // defaults
	capD := 10 * time.Second
	type bound struct{ lo, hi time.Duration }
	for _, mode := range []JitterMode{JitterNone, JitterProportional, JitterFull, JitterEqual, JitterDecorrelated} {
		b.Jitter = mode
		r := rand.New(rand.NewPCG(7, uint64(mode)))
		for _, attempt := range []int{1, 3, 7, 40, 1 << 30} {
			d := min(capD, time.Duration(float64(250*time.Millisecond)*float64(uint64(1)<<min(attempt-1, 20))))
			var want bound
			switch mode {
			case JitterNone:
				want = bound{d, d}
			case JitterProportional:
				want = bound{d * 3 / 4, d * 5 / 4}
			case JitterFull:
				want = bound{0, d}
			case JitterEqual:
				want = bound{d / 2, d}
			case JitterDecorrelated:
				want = bound{250 * time.Millisecond, capD}
			}
			lo, hi := time.Duration(1<<62), time.Duration(-1)
			prev := time.Duration(0)
			for range n {
				got := b.Delay(attempt, prev, r)
				if got < want.lo || got > want.hi {
					t.Fatalf("%s attempt %d: %v outside [%v, %v]", mode, attempt, got, want.lo, want.hi)
				}
				lo, hi = min(lo, got), max(hi, got)
				if mode == JitterDecorrelated {
					prev = got
				}
			}
			// Spread: the observed range covers at least 90% of the interval.
			if span := want.hi - want.lo; span > 0 && hi-lo < span*9/10 {
				t.Errorf("%s attempt %d: samples span [%v, %v], want most of [%v, %v]", mode, attempt, lo, hi, want.lo, want.hi)
			}
		}
	}
	// Past the cap, proportional delays stay spread around it, not bunched.
	r := seeded()
	atCap := 0
	for range n {
		if (Backoff{}).Delay(50, 0, r) == capD {
			atCap++
		}
	}
	if atCap > n/100 {
		t.Fatalf("%d of %d capped proportional delays equal the cap exactly: not spread", atCap, n)
	}
}

func TestBackoffNilRandAndMax(t *testing.T) {
	for _, tc := range []struct {
		b    Backoff
		n    int
		want time.Duration
	}{
		{Backoff{}, 1, 250 * time.Millisecond},
		{Backoff{}, 0, 250 * time.Millisecond},
		{Backoff{Jitter: JitterFull}, 3, time.Second},
		{Backoff{Jitter: JitterDecorrelated}, 3, 500 * time.Millisecond},
		{Backoff{Base: time.Second, Multiplier: 3, Cap: time.Minute}, 4, 27 * time.Second},
		{Backoff{Base: time.Second, Multiplier: 1, Cap: time.Minute}, 100, time.Second},
	} {
		if got := tc.b.Delay(tc.n, 0, nil); got != tc.want {
			t.Errorf("%+v.Delay(%d, 0, nil) = %v, want %v", tc.b, tc.n, got, tc.want)
		}
	}
	if got := (Backoff{}).Max(); got != 12500*time.Millisecond {
		t.Errorf("default Max = %v, want 12.5s", got)
	}
	if got := (Backoff{Jitter: JitterEqual}).Max(); got != 10*time.Second {
		t.Errorf("equal Max = %v, want 10s", got)
	}
	if got := (Config{}).WorstCaseRecovery(); got != 22500*time.Millisecond || got > 30*time.Second {
		t.Errorf("default WorstCaseRecovery = %v, want 22.5s (<= 30s)", got)
	}
}

func TestBackoffValidate(t *testing.T) {
	for _, tc := range []struct {
		b    Backoff
		want string // "" = valid
	}{
		{Backoff{}, ""},
		{Backoff{Base: time.Second, Cap: time.Second, Multiplier: 1, Fraction: 1}, ""},
		{Backoff{Base: -1}, "Base"},
		{Backoff{Base: time.Minute}, "Cap"},
		{Backoff{Multiplier: 0.5}, "Multiplier"},
		{Backoff{Fraction: 1.5}, "Fraction"},
		{Backoff{Fraction: -0.1}, "Fraction"},
		{Backoff{Jitter: 99}, "Jitter"},
	} {
		err := tc.b.validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", tc.b, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want one naming %s", tc.b, err, tc.want)
		}
	}
}
