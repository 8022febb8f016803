package client

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"
)

// TestBackoffPhasedExactSchedule replays JitterPhased with a seeded source and
// compares against values computed by hand from the same draws: full jitter
// below the cap, [0, Cap) at the first attempt at the cap, [Cap*7/8, Cap)
// after it.
func TestBackoffPhasedExactSchedule(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	for _, tc := range []struct {
		name string
		b    Backoff
		// un-jittered d(n), and the index of the first attempt at the cap
		base     []float64
		firstCap int
	}{
		// defaults: 250, 500, 1000, 2000, 4000, 8000, then 10000 capped from attempt 7
		{"defaults", Backoff{Jitter: JitterPhased}, []float64{250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000}, 6},
		// 50, 100, 200, 400, 800: d(5) equals the cap exactly, so attempt 5 draws the phase
		{"storm", Backoff{Base: 50 * time.Millisecond, Cap: 800 * time.Millisecond, Jitter: JitterPhased}, []float64{50, 100, 200, 400, 800, 800, 800, 800}, 4},
		// Base == Cap: attempt 1 is the first at the cap
		{"base=cap", Backoff{Base: time.Second, Cap: time.Second, Jitter: JitterPhased}, []float64{1000, 1000, 1000, 1000}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := seeded()
			draws := make([]float64, len(tc.base))
			for i := range draws {
				draws[i] = r.Float64()
			}
			r = seeded()
			var prev time.Duration
			for i, d := range tc.base {
				var want float64
				switch {
				case i < tc.firstCap:
					want = d * draws[i]
				case i == tc.firstCap:
					want = d * draws[i]
				default:
					want = d*7/8 + d/8*draws[i]
				}
				got := tc.b.Delay(i+1, prev, r)
				if diff := got - ms(want); diff < -time.Microsecond || diff > time.Microsecond {
					t.Fatalf("attempt %d: got %v, want %v", i+1, got, ms(want))
				}
				prev = got
			}
			// nil rnd: the un-jittered delay, like every mode.
			if got := tc.b.Delay(len(tc.base), 0, nil); got != ms(tc.base[len(tc.base)-1]) {
				t.Fatalf("nil rnd: got %v, want %v", got, ms(tc.base[len(tc.base)-1]))
			}
		})
	}
}

// TestBackoffPhasedBounds: 10,000 draws per attempt class stay in their
// documented interval and spread over it (so a constant cannot pass).
func TestBackoffPhasedBounds(t *testing.T) {
	b := Backoff{Jitter: JitterPhased} // defaults: cap reached at attempt 7
	capD := 10 * time.Second
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		attempt int
		lo, hi  time.Duration
	}{
		{1, 0, 250 * time.Millisecond},
		{6, 0, 8 * time.Second},
		{7, 0, capD},
		{8, capD * 7 / 8, capD},
		{1 << 30, capD * 7 / 8, capD},
	} {
		lo, hi := c.hi, c.lo
		for range 10000 {
			d := b.Delay(c.attempt, 0, r)
			if d < c.lo || d >= c.hi {
				t.Fatalf("attempt %d: %v outside [%v, %v)", c.attempt, d, c.lo, c.hi)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if span := c.hi - c.lo; hi-lo < span*99/100 {
			t.Errorf("attempt %d: draws span [%v, %v], want nearly all of [%v, %v)", c.attempt, lo, hi, c.lo, c.hi)
		}
	}
	if b.Max() != capD {
		t.Errorf("Max() = %v, want the cap %v", b.Max(), capD)
	}
	if err := b.validate(); err != nil {
		t.Errorf("validate: %v", err)
	}
	if err := (Backoff{Jitter: JitterPhased + 1}).validate(); err == nil {
		t.Error("validate accepted a mode past JitterPhased")
	}
}

// TestJitterPhasedName: the scenario name round-trips.
func TestJitterPhasedName(t *testing.T) {
	var j JitterMode
	if err := j.UnmarshalText([]byte(" Phased ")); err != nil || j != JitterPhased {
		t.Fatalf("UnmarshalText(phased) = %v, %v", j, err)
	}
	if b, err := JitterPhased.MarshalText(); err != nil || string(b) != "phased" || JitterPhased.String() != "phased" {
		t.Fatalf("MarshalText = %q, %v; String = %q", b, err, JitterPhased.String())
	}
}

// residuals runs n real clients (the supervisor, seeded per client) in a
// synctest bubble against a server that refuses every dial, as during an
// outage that began when they started, and returns for each client the time
// from back (the server's return) to its first dial at or after it: when it
// would have come back.
func residuals(t *testing.T, n int, b Backoff, back time.Duration) []time.Duration {
	t.Helper()
	out := make([]time.Duration, n)
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var mu sync.Mutex
		next := make([]time.Duration, n)
		for i := range next {
			next[i] = -1
		}
		clients := make([]*Client, n)
		for i := range n {
			dial := func(context.Context, string, http.Header) (*websocket.Conn, *http.Response, error) {
				if at := time.Since(start); at >= back {
					mu.Lock()
					if next[i] < 0 {
						next[i] = at - back
					}
					mu.Unlock()
				}
				return nil, nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
			}
			c, err := New("ws://127.0.0.1:1/", Config{Backoff: b, rnd: rand.New(rand.NewPCG(11, uint64(i))), dial: dial})
			if err != nil {
				t.Fatal(err)
			}
			clients[i] = c
		}
		// Every client dials at least once more within a cap of the return.
		time.Sleep(back + b.Max() + time.Millisecond)
		for _, c := range clients {
			_ = c.Close(t.Context())
		}
		synctest.Wait()
		for i, d := range next {
			if d < 0 {
				t.Fatalf("client %d did not dial within %v of the return", i, b.Max())
			}
			out[i] = d
		}
	})
	return out
}

// uniformFit is how close residuals over [0, w) come to the uniform
// distribution: the KS distance D, and the most residuals in one of 8 equal
// bins over their mean (the benchmark's peak/mean at the storm's 800ms cap
// and 100ms bins).
func uniformFit(res []time.Duration, w time.Duration) (d, peakMean float64) {
	xs := make([]float64, len(res))
	for i, r := range res {
		xs[i] = float64(r) / float64(w)
	}
	slices.Sort(xs)
	bins := make([]int, 8)
	for i, x := range xs {
		n := float64(len(xs))
		d = math.Max(d, math.Max(math.Abs(float64(i+1)/n-math.Min(x, 1)), math.Abs(math.Min(x, 1)-float64(i)/n)))
		bins[min(int(x*8), 7)]++
	}
	return d, float64(slices.Max(bins)) / (float64(len(xs)) / 8)
}

// TestPhasedResidualUniform is the theory behind JitterPhased, on the real
// supervisor: after an outage longer than the time to reach the cap, each
// client's next dial after the server's return is uniform over [0, Cap).
// Tolerance: the 1/8 spread moves the residual's CDF from the uniform by at
// most 1/(1-1/16)*7/8 - 7/8 = 0.058 (the stationary limit); sampling adds
// 1.95/sqrt(n) (KS at alpha 0.001), so D <= 0.058 + 1.95/sqrt(n); and the
// fullest of 8 bins at most 1.3x the mean (expected 1.07, the last bin
// holding half as many, plus noise: at n = 4000 a bin's sd is 4.5% of its
// mean, so the fullest of 7 is near 1.07*1.09 = 1.17 and 1.3 is 5 sd
// above). Negative control: full jitter's
// residual is length-biased (density 2(1-t/W)/W, D = 0.25, peak/mean near
// 1.9) and must fail both; proportional (its cap delays spread past Cap,
// still in lockstep 3s in) must fail too.
func TestPhasedResidualUniform(t *testing.T) {
	const n = 4000
	back := 3 * time.Second
	storm := Backoff{Base: 50 * time.Millisecond, Cap: 800 * time.Millisecond, Multiplier: 2}
	tolD := 0.058 + 1.95/math.Sqrt(n)
	const tolPeak = 1.3
	for _, c := range []struct {
		mode JitterMode
		pass bool
	}{
		{JitterPhased, true},
		{JitterFull, false},
		{JitterProportional, false},
	} {
		t.Run(c.mode.String(), func(t *testing.T) {
			b := storm
			b.Jitter = c.mode
			res := residuals(t, n, b, back)
			d, pm := uniformFit(res, storm.Cap)
			late := 0
			for _, r := range res {
				if r >= storm.Cap {
					late++
				}
			}
			t.Logf("%s: D = %.4f (tolerance %.4f), peak/mean over 8 bins %.3f (tolerance %.2f), %d of %d back after the cap", c.mode, d, tolD, pm, tolPeak, late, n)
			fits := d <= tolD && pm <= tolPeak && late == 0
			if fits != c.pass {
				t.Errorf("%s: fits the uniform = %v, want %v", c.mode, fits, c.pass)
			}
		})
	}
}

// TestScheduleExactPhased: the real supervisor under synctest waits exactly
// the delays JitterPhased computes from the same seed: four below the cap,
// the phase, then two near the period.
func TestScheduleExactPhased(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec recorder
		b := Backoff{Base: 50 * time.Millisecond, Cap: 800 * time.Millisecond, Jitter: JitterPhased}
		c, err := New("ws://127.0.0.1:1/", Config{Backoff: b, MaxAttempts: 8, OnEvent: rec.add,
			rnd: rand.New(rand.NewPCG(3, 4)), dial: failDial(nil)})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WaitFor(t.Context(), StateFailed); err != nil {
			t.Fatal(err)
		}
		_ = c.Close(t.Context())
		r := rand.New(rand.NewPCG(3, 4))
		recon, conn := rec.to(StateReconnecting), rec.to(StateConnecting)
		if len(recon) != 7 || len(conn) != 7 {
			t.Fatalf("got %d reconnecting and %d connecting events, want 7 and 7", len(recon), len(conn))
		}
		for i, ev := range recon {
			u := r.Float64()
			d := min(800*time.Millisecond, 50*time.Millisecond<<i)
			var want time.Duration
			switch {
			case i < 4: // 50, 100, 200, 400ms: full jitter
				want = time.Duration(float64(d) * u)
			case i == 4: // the phase
				want = time.Duration(float64(d) * u)
			default:
				want = time.Duration(float64(d) * (7.0/8 + u/8))
			}
			if diff := ev.Delay - want; diff < -time.Microsecond || diff > time.Microsecond {
				t.Errorf("reconnect %d: delay %v, want %v", i+1, ev.Delay, want)
			}
			if gap := conn[i].Time.Sub(ev.Time); gap != ev.Delay {
				t.Errorf("reconnect %d: next dial after %v, want exactly the delay %v", i+1, gap, ev.Delay)
			}
		}
	})
}
