package harness

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness/fault"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func sec(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// downs builds a client timing connected over [0, total) except the given
// [a, b) gaps (sorted, disjoint), spent reconnecting.
func downs(total float64, gaps ...[2]float64) ClientTiming {
	var ct ClientTiming
	at := 0.0
	for _, g := range gaps {
		if g[0] > at {
			ct.States = append(ct.States, StateSpan{State: "connected", Start: sec(at), End: sec(g[0])})
		}
		ct.States = append(ct.States, StateSpan{State: "reconnecting", Start: sec(g[0]), End: sec(g[1])})
		at = g[1]
	}
	if at < total {
		ct.States = append(ct.States, StateSpan{State: "connected", Start: sec(at), End: sec(total)})
	}
	return ct
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestUptimeCountsClientSeconds(t *testing.T) {
	res := &Result{Start: t0, End: sec(100)}
	res.Timing.Clients = []ClientTiming{downs(100, [2]float64{20, 30}), downs(100, [2]float64{50, 51}), downs(100), downs(100)}
	res.Timing.Recovery = []RecoverySample{{Reattached: 2 * time.Second}, {Reattached: 4 * time.Second}}
	u := ComputeUptimeBlocks(res, 10)
	if !near(u.Point, 389.0/400) || !near(u.Total, 389.0/400) || !near(u.ClientSeconds, 400) || !near(u.ConnectedClientSeconds, 389) {
		t.Fatalf("point %v total %v client-s %v connected %v; want 0.9725, 0.9725, 400, 389", u.Point, u.Total, u.ClientSeconds, u.ConnectedClientSeconds)
	}
	if u.Blocks != 10 || u.BlockSeconds != 10 {
		t.Errorf("blocks %d of %vs; want 10 of 10s", u.Blocks, u.BlockSeconds)
	}
	if !(u.Lower < u.Point && u.Point < u.Upper) {
		t.Errorf("interval [%v, %v] does not straddle %v", u.Lower, u.Upper, u.Point)
	}
	// Two recoveries over 400 client-seconds, 3 s mean: 1 - 2/400*3.
	if u.Recoveries != 2 || !near(u.FaultRate, 2.0/400) || u.MeanRecovery != 3*time.Second || !near(u.Projected, 1-6.0/400) {
		t.Errorf("projection: %d recoveries, rate %v, mean %v, projected %v", u.Recoveries, u.FaultRate, u.MeanRecovery, u.Projected)
	}
}

func TestUptimeExcludesOutages(t *testing.T) {
	res := &Result{Start: t0, End: sec(100)}
	// A 5 s restart at 20 s; both clients down 20..27, so 2 s past it.
	res.Faults = []FaultEntry{{Fault: &fault.Restart{}, Start: sec(20), End: sec(25)},
		{Fault: &fault.Latency{}, Start: sec(60), End: sec(70)}} // not an outage: counted
	res.Timing.Clients = []ClientTiming{downs(100, [2]float64{20, 27}), downs(100, [2]float64{20, 27})}
	u := ComputeUptimeBlocks(res, 20)
	if !near(u.Point, 93.0/95) || !near(u.Total, 93.0/100) || !near(u.ClientSeconds, 190) {
		t.Fatalf("point %v total %v client-s %v; want 93/95, 0.93, 190", u.Point, u.Total, u.ClientSeconds)
	}
	// The block wholly inside the restart (20..25) holds no measured time.
	if u.Blocks != 19 {
		t.Errorf("blocks with measured time = %d; want 19", u.Blocks)
	}
}

// TestUptimeIntervalGatesOnEvidence is the negative control for gating: two
// runs with the same point uptime above 99.9 %, one whose downtime is a
// single correlated event (every client down together) and one whose
// downtime is spread over many small independent blips. Only the second
// supports 99.9 % at 95 %.
func TestUptimeIntervalGatesOnEvidence(t *testing.T) {
	const n, total = 200, 1200.0
	one := &Result{Start: t0, End: sec(total)}
	for range n {
		one.Timing.Clients = append(one.Timing.Clients, downs(total, [2]float64{600, 600.6}))
	}
	spread := &Result{Start: t0, End: sec(total)}
	rng := rand.New(rand.NewPCG(1, 2))
	for range n {
		// 0.6 s down per client in total, in three 0.2 s blips at random times.
		var gaps [][2]float64
		for k := range 3 {
			a := float64(k)*400 + rng.Float64()*399
			gaps = append(gaps, [2]float64{a, a + 0.2})
		}
		spread.Timing.Clients = append(spread.Timing.Clients, downs(total, gaps...))
	}
	a, b := ComputeUptime(one), ComputeUptime(spread)
	if !near(a.Point, b.Point) || !near(a.Point, 1-0.6/total) {
		t.Fatalf("points %v and %v; want both %v", a.Point, b.Point, 1-0.6/total)
	}
	if a.Lower >= 0.999 {
		t.Errorf("one correlated outage: lower bound %v; want below 99.9%% (one event is no evidence)", a.Lower)
	}
	if b.Lower < 0.999 {
		t.Errorf("spread blips: lower bound %v; want at least 99.9%%", b.Lower)
	}
}

// TestUptimeIntervalCoverage checks, on seeded simulated soaks with known
// expected uptime, that the 95 % interval covers it about 95 % of the time,
// although a blip takes a random subset of clients down together.
func TestUptimeIntervalCoverage(t *testing.T) {
	const reps, clients, total = 300, 100, 600.0
	const blips, hit, down = 20, 0.1, 1.5 // blips per run, share of clients hit, seconds down
	want := 1 - blips*(total-down)/total*hit*down/total
	rng := rand.New(rand.NewPCG(7, 11))
	covered := 0
	for range reps {
		// Blips arrive as a Poisson process (so disjoint blocks are
		// independent, as batch means assumes); which clients each hits is
		// independent per blip.
		var times []float64
		for at := rng.ExpFloat64() * total / blips; at < total-down; at += rng.ExpFloat64() * total / blips {
			times = append(times, at)
		}
		res := &Result{Start: t0, End: sec(total)}
		for range clients {
			var gaps [][2]float64
			for _, at := range times {
				if rng.Float64() < hit && (len(gaps) == 0 || at > gaps[len(gaps)-1][1]) {
					gaps = append(gaps, [2]float64{at, at + down})
				}
			}
			res.Timing.Clients = append(res.Timing.Clients, downs(total, gaps...))
		}
		u := ComputeUptime(res)
		if u.Lower <= want && want <= u.Upper {
			covered++
		}
	}
	// Overlapping blips on one client are merged, so the true mean is a
	// hair above want; the band allows for that and for 300 reps' noise.
	frac := float64(covered) / reps
	t.Logf("coverage %.1f%% of %d runs", frac*100, reps)
	if frac < 0.88 || frac > 0.995 {
		t.Errorf("interval covered the expected uptime in %.1f%% of %d runs; want about 95%%", frac*100, reps)
	}
}

func TestUptimeUnmeasured(t *testing.T) {
	u := ComputeUptime(&Result{Start: t0, End: t0})
	if !math.IsNaN(u.Point) || !math.IsNaN(u.Lower) || !math.IsNaN(u.Projected) {
		t.Fatalf("empty run gave %+v; want NaN figures", u)
	}
	// A one-second run has one block: a point but no interval.
	res := &Result{Start: t0, End: sec(1.5)}
	res.Timing.Clients = []ClientTiming{downs(1.5)}
	u = ComputeUptime(res)
	if u.Point != 1 || !math.IsNaN(u.Lower) || u.Blocks != 1 {
		t.Fatalf("1.5 s run: point %v lower %v blocks %d; want 1, NaN, 1", u.Point, u.Lower, u.Blocks)
	}
}

// TestUptimeAgreesWithChecker: from the checker's own timelines (built from
// state records), the point figures equal the checker's mean uptimes.
func TestUptimeAgreesWithChecker(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const clients, total = 20, 60.0
	faults := []FaultEntry{{Step: 0, Fault: &fault.Restart{}, Start: sec(10), End: sec(13)}}
	var recs []Record
	for c := range clients {
		st := func(at float64, from, to string) {
			recs = append(recs, Record{Time: sec(at), Kind: RecState, Client: c, From: from, To: to})
		}
		st(0.01*float64(c), "connecting", "connected")
		// Down with the restart, back 0.2..2.2 s after it; one random blip.
		st(10, "connected", "reconnecting")
		st(13.2+2*rng.Float64(), "reconnecting", "connected")
		b := 20 + 30*rng.Float64()
		st(b, "connected", "reconnecting")
		st(b+rng.Float64(), "reconnecting", "connected")
	}
	rep := CheckTiming(TimingInput{Start: t0, End: sec(total), Clients: clients, Faults: faults}, recs)
	res := &Result{Start: t0, End: sec(total), Faults: faults, Timing: rep}
	u := ComputeUptime(res)
	if math.Abs(u.Point-rep.UptimeExclOutages) > 1e-9 || math.Abs(u.Total-rep.Uptime) > 1e-9 {
		t.Fatalf("point %v total %v; checker says %v and %v", u.Point, u.Total, rep.UptimeExclOutages, rep.Uptime)
	}
	if !(u.Lower < u.Point && u.Point < u.Upper) {
		t.Errorf("interval [%v, %v] does not straddle %v", u.Lower, u.Upper, u.Point)
	}
}
