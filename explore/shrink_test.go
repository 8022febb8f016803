package explore

import (
	"context"
	"testing"
	"time"
)

// fakeRun judges a plan without running it: it "loses" messages when the
// plan has a lossy step and at least one upstream publisher, and breaks
// nothing else. flaky makes every other run of a plan with more than one
// client pass, as a timing-dependent failure would.
func fakeRun(runs *int, flaky bool) func(context.Context, Plan) (Outcome, error) {
	return func(_ context.Context, p Plan) (Outcome, error) {
		*runs++
		lossy := false
		for _, st := range p.Timeline {
			lossy = lossy || st.Fault == "lossy"
		}
		if !lossy || p.Load.Up == 0 || (flaky && p.Load.Clients > 1 && *runs%2 == 0) {
			return Outcome{}, nil
		}
		return Outcome{Violations: []Violation{{Class: ClassLost, Detail: "fake"}}}, nil
	}
}

func lossyPlan() Plan {
	p := Plan{Name: "p", Seed: 9,
		Load: Generate(9, Bounds{}).Load,
		Timeline: []Step{
			{At: 500 * time.Millisecond, Fault: "drop"},
			{At: time.Second, Duration: time.Second, Fault: "lossy"},
			{At: 1500 * time.Millisecond, Duration: 800 * time.Millisecond, Fault: "latency", Attributes: map[string]any{"latency": 50 * time.Millisecond}},
		}}
	p.Load.Clients, p.Load.Channels, p.Load.Up, p.Load.Down, p.Load.MessageSize, p.Load.Duration = 4, 3, 8, 6, 1024, 6*time.Second
	p.SLOs = InvariantSLOs(p)
	return p
}

// TestShrinkToMinimal: the shrink keeps only what the failure needs: the
// lossy step, one client on one channel, the smallest upstream rate it
// tried, no downstream, a small payload, and a shorter run.
func TestShrinkToMinimal(t *testing.T) {
	runs := 0
	r := Shrink(context.Background(), lossyPlan(), ClassLost, ShrinkOptions{Runs: 2, MaxRuns: 200, run: fakeRun(&runs, false)})
	s := r.Shrunk
	if len(s.Timeline) != 1 || s.Timeline[0].Fault != "lossy" {
		t.Fatalf("timeline %+v, want the lossy step alone", s.Timeline)
	}
	if s.Load.Clients != 1 || s.Load.Channels != 1 || s.Load.Down != 0 || s.Load.MessageSize != 64 || s.Load.Up != 1 {
		t.Fatalf("load %+v, want 1 client, 1 channel, up 1 (8 halved to 1; 0 passes), down 0, 64 B", s.Load)
	}
	if s.Timeline[0].Duration != 130*time.Millisecond {
		t.Fatalf("lossy lasts %v, want 1s halved while at least 200ms: 500ms, 250ms, 130ms (%v)", s.Timeline[0].Duration, r.Changes)
	}
	if s.Load.Duration >= 6*time.Second || s.Load.Duration < s.Timeline[0].End()+1500*time.Millisecond {
		t.Fatalf("duration %v: want shorter than 6s, with 1.5s after the fault", s.Load.Duration)
	}
	if r.Runs != runs {
		t.Fatalf("Runs %d, counted %d", r.Runs, runs)
	}
	if _, err := s.Scenario("min.yaml"); err != nil {
		t.Fatalf("shrunk plan does not parse: %v", err)
	}
}

// TestShrinkRejectsFlakyCandidates: a candidate that fails in only one of
// its two runs is not taken, so the shrunk plan keeps all four clients.
func TestShrinkRejectsFlakyCandidates(t *testing.T) {
	runs := 0
	r := Shrink(context.Background(), lossyPlan(), ClassLost, ShrinkOptions{Runs: 2, MaxRuns: 200, run: fakeRun(&runs, true)})
	if r.Shrunk.Load.Clients != 4 {
		t.Fatalf("clients %d, want 4: every candidate with more than one client fails only 1 of 2 runs (changes %v)", r.Shrunk.Load.Clients, r.Changes)
	}
}

// TestShrinkBudget: MaxRuns bounds the runs spent.
func TestShrinkBudget(t *testing.T) {
	runs := 0
	r := Shrink(context.Background(), lossyPlan(), ClassLost, ShrinkOptions{Runs: 2, MaxRuns: 5, run: fakeRun(&runs, false)})
	if runs != 5 || r.Runs != 5 {
		t.Fatalf("%d runs, want 5", runs)
	}
}
