package conformance

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// history builds handshake records at the given offsets (ms) with status.
func history(status int, offsets ...int) []faultserver.HandshakeRecord {
	var hs []faultserver.HandshakeRecord
	for _, m := range offsets {
		hs = append(hs, faultserver.HandshakeRecord{Time: t0.Add(ms(m)), Status: status})
	}
	return hs
}

func wantGrade(t *testing.T, got verdict, want Grade, substr string) {
	t.Helper()
	if got.Grade != want || !strings.Contains(got.Detail, substr) {
		t.Fatalf("got %s %q, want %s containing %q", got.Grade, got.Detail, want, substr)
	}
}

func TestGradeReconnect(t *testing.T) {
	wantGrade(t, gradeReconnect(history(101, 120), t0, time.Second), OK, "after 120ms")
	// Negative controls: rejected attempts are not a reconnect, nor a late one.
	wantGrade(t, gradeReconnect(history(503, 120, 300), t0, time.Second), Failed, "2 attempts seen")
	wantGrade(t, gradeReconnect(history(101, 1500), t0, time.Second), Failed, "1 attempts seen")
	wantGrade(t, gradeReconnect(nil, t0, time.Second), Failed, "0 attempts seen")
}

func TestGradeNotRetried(t *testing.T) {
	wantGrade(t, gradeNotRetried(history(401, 10), 1, 2*time.Second), OK, "1 attempts")
	wantGrade(t, gradeNotRetried(nil, 0, 2*time.Second), OK, "0 attempts")
	wantGrade(t, gradeNotRetried(history(401, 10, 300, 900), 1, 2*time.Second), NonStrict, "retried 2 times")
	wantGrade(t, gradeNotRetried(history(101, 10), 0, 2*time.Second), NonStrict, "retried 1 times")
	var hot []int
	for i := range 50 {
		hot = append(hot, i*10)
	}
	wantGrade(t, gradeNotRetried(history(401, hot...), 1, 2*time.Second), Failed, "retried 49 times")
	// Multiplying redials (recws after close 1008): 3/s at first, 34/s at the
	// end; a 2s mean of 21/s or 11/s straddled the bound, the peak does not.
	var ramp []int
	for i, n := range []int{2, 3, 5, 17} {
		for k := range n {
			ramp = append(ramp, i*500+k*500/n)
		}
	}
	wantGrade(t, gradeNotRetried(history(101, ramp...), 0, 2*time.Second), Failed, "up to 34/s: hot loop; attempts per 500ms: [2 3 5 17]")
	steady := []int{0, 100, 200, 300, 400, 500, 600, 700, 800, 900} // 10/s: retried, not a hot loop
	wantGrade(t, gradeNotRetried(history(401, steady...), 1, 2*time.Second), NonStrict, "retried 9 times")
}

func TestGradeRetryAfter(t *testing.T) {
	hs := append(history(503, 10), history(101, 1020)...)
	wantGrade(t, gradeRetryAfter(hs, t0, time.Second), OK, "waited 1.01s")
	early := append(history(503, 10), history(101, 410)...)
	wantGrade(t, gradeRetryAfter(early, t0, time.Second), NonStrict, "retried after 400ms")
	wantGrade(t, gradeRetryAfter(history(503, 10), t0, time.Second), Failed, "never retried")
	wantGrade(t, gradeRetryAfter(history(101, 10), t0, time.Second), Failed, "1 attempts")
}

func TestGradeHotLoop(t *testing.T) {
	growing := history(101, 0, 100, 300, 700, 1100, 1500, 1900)
	wantGrade(t, gradeHotLoop(growing, 2*time.Second, ms(100)), OK, "7 attempts, upper quartile of the gaps past the third 400ms")
	reset := history(101, 0, 100, 200, 300, 400, 500, 600, 700)
	wantGrade(t, gradeHotLoop(reset, 2*time.Second, ms(100)), NonStrict, "8 attempts in 2s, upper quartile of the gaps past the third 100ms")
	// Three 60ms stalls in a reset client's 20 100ms retries are not growth.
	var stalled []int
	at := 0
	for i := range 20 {
		stalled = append(stalled, at)
		at += 100
		if i%6 == 5 {
			at += 60
		}
	}
	wantGrade(t, gradeHotLoop(history(101, stalled...), 2*time.Second, ms(100)), NonStrict, "upper quartile of the gaps past the third 100ms")
	var hot []int
	for i := range 200 {
		hot = append(hot, i*5)
	}
	wantGrade(t, gradeHotLoop(history(101, hot...), 2*time.Second, ms(100)), Failed, "hot loop: 200 attempts")
	wantGrade(t, gradeHotLoop(history(101, 5), 2*time.Second, ms(100)), Failed, "stopped reconnecting")
}

// seeded draws n series of k delays from p (full jitter) with a fixed seed.
func seeded(p Policy, n, k int, seed uint64) backoffSeries {
	r := rand.New(rand.NewPCG(seed, 1))
	var b backoffSeries
	for range n {
		var s []time.Duration
		for i := 1; i <= k; i++ {
			d := float64(p.InitialMS)
			for range i - 1 {
				d *= p.Factor
			}
			d = min(d, float64(p.MaxMS))
			s = append(s, time.Duration(r.Float64()*d*float64(time.Millisecond)))
		}
		b = append(b, s)
	}
	return b
}

func constant(n, k int, d time.Duration) backoffSeries {
	var b backoffSeries
	for range n {
		s := make([]time.Duration, k)
		for i := range s {
			s[i] = d
		}
		b = append(b, s)
	}
	return b
}

func TestGradeBackoff(t *testing.T) {
	p := DefaultPolicy
	good := seeded(p, 3, 15, 7)
	wantGrade(t, gradeGrowth(good), OK, "grows")
	wantGrade(t, gradeCap(good, ms(p.MaxMS), true), OK, "within cap")
	wantGrade(t, gradeJitter(good, 0, "jitter", jitterBound), OK, "spread")
	wantGrade(t, gradeJitter(good, 3, "capped", jitterBound), OK, "spread")
	wantGrade(t, gradeKS(good, p, true), OK, "n=45")
	wantGrade(t, gradeKS(good, p, false), Unimplemented, "")

	// Negative controls: a fixed delay neither grows nor jitters, and fails KS.
	fixed := constant(3, 15, ms(100))
	wantGrade(t, gradeGrowth(fixed), NonStrict, "100ms -> 100ms")
	wantGrade(t, gradeJitter(fixed, 0, "jitter", jitterBound), NonStrict, "identical")
	wantGrade(t, gradeKS(fixed, p, true), Failed, "do not follow")
	wantGrade(t, gradeCap(constant(3, 5, ms(900)), ms(400), true), Failed, "median 900ms exceeds cap")
	// A stall in every series (one of the whole run) is tolerated.
	stalled := constant(4, 6, ms(400))
	for i := range stalled {
		stalled[i][3+i%2] = ms(1800)
	}
	wantGrade(t, gradeCap(stalled, ms(400), true), OK, "median 400ms within cap 400ms (<= 800ms; longest 1.8s)")
	// An uncapped factor-2 client: gaps 400, 800, 1600, 3200 against a cap of 800.
	uncapped := backoffSeries{{ms(400), ms(800), ms(1600)}, {ms(400), ms(800), ms(1600), ms(3200)}, {ms(400), ms(800), ms(1600)}}
	wantGrade(t, gradeCap(uncapped, ms(800), true), Failed, "median 1.6s exceeds cap 800ms")
	wantGrade(t, gradeCap(constant(3, 5, ms(900)), ms(400), false), Informational, "900ms")
	wantGrade(t, gradeCap(constant(3, 2, ms(100)), ms(400), true), Failed, "no delays observed past the cap")
	wantGrade(t, gradeGrowth(nil), Failed, "too few")
	// Immediate reconnects vary only by scheduling noise: not jitter.
	immediate := backoffSeries{{ms(1)}, {ms(3)}, {ms(2)}, {ms(5)}}
	wantGrade(t, gradeJitter(immediate, 0, "first delay", jitterBound), NonStrict, "MAD/median 0.000")
}

func TestKSUniform(t *testing.T) {
	xs := make([]float64, 100)
	for i := range xs {
		xs[i] = (float64(i) + 0.5) / 100
	}
	if d, crit := ksUniform(xs); d > 0.0051 || crit < 0.16 || crit > 0.17 {
		t.Fatalf("evenly spread: D=%v crit=%v", d, crit)
	}
	for i := range xs {
		xs[i] /= 2 // all in [0, 0.5)
	}
	if d, _ := ksUniform(xs); d < 0.49 || d > 0.51 {
		t.Fatalf("squeezed: D=%v, want 0.5", d)
	}
}

func TestGradeDetect(t *testing.T) {
	wantGrade(t, gradeDetect(ms(600), true, ms(250)), OK, "600ms")
	wantGrade(t, gradeDetect(ms(2000), true, ms(250)), Failed, "bound 1.75s")
	wantGrade(t, gradeDetect(0, false, ms(250)), Failed, "not detected")
}

func TestReceivedCountsPerMessage(t *testing.T) {
	frames := []faultserver.FrameRecord{
		{Path: faultserver.EchoPath, Data: []byte("wsc-1")},
		{Path: faultserver.EchoPath, Data: []byte("wsc-2")},
		{Path: faultserver.EchoPath, Data: []byte("wsc-2")},
		// A session publish resent with the same seq is one message.
		{Path: faultserver.SessionPath, Data: []byte(`{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":"d3NjLTM="}}`)},
		{Path: faultserver.SessionPath, Data: []byte(`{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":"d3NjLTM="}}`)},
		{Path: faultserver.SessionPath, Data: []byte(`{"v":1,"type":"hello","body":{}}`)},
	}
	got := received(frames)
	if got["wsc-1"] != 1 || got["wsc-2"] != 2 || got["wsc-3"] != 1 || len(got) != 3 {
		t.Fatalf("received = %v", got)
	}
}

func TestBaselineCompare(t *testing.T) {
	rep := ClientReport{Client: "x", Results: []Result{{Case: "1.1", Grade: OK}, {Case: "1.2", Grade: Failed}, {Case: "1.3", Grade: OK}}}
	b := Baseline{Client: "x", Expected: map[string]Grade{"1.1": OK, "1.2": Failed, "1.3": OK}}
	if diffs, err := b.Compare(rep); err != nil || len(diffs) != 0 {
		t.Fatalf("matching baseline: %v %v", diffs, err)
	}
	b.Expected["1.1"] = Failed // now better: stale
	b.Expected["1.3"] = OK
	b.Expected["9.9"] = OK           // no such case: stale
	rep.Results[2].Grade = NonStrict // worse: regression
	diffs, err := b.Compare(rep)
	if err == nil || len(diffs) != 3 {
		t.Fatalf("diffs = %v, err = %v", diffs, err)
	}
	flaky := Baseline{Client: "x", Expected: map[string]Grade{"1.1": "OK|FAILED", "1.2": "OK|FAILED", "1.3": "OK|FAILED"}}
	if diffs, err := flaky.Compare(rep); err == nil || len(diffs) != 1 || !strings.HasPrefix(diffs[0], "stale entry: x 1.3 now NON-STRICT") {
		t.Fatalf("alternatives: %v %v", diffs, err) // NON-STRICT is better than FAILED: not a regression
	}
	want := []string{"regression: x 1.3 NON-STRICT", "stale entry: x 1.1 now OK", "stale entry: x 9.9 is not a case"}
	for i, w := range want {
		if !strings.HasPrefix(diffs[i], w) {
			t.Errorf("diff %d = %q, want prefix %q", i, diffs[i], w)
		}
	}
}
