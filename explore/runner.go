package explore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/internal/report"
	"github.com/wschaos/wschaos/internal/scenario"
)

// Growth bounds a run may leave behind in this process, measured after a
// settle of up to settleWait once the run returned. Toxiproxy's link
// goroutines may linger a little (internal/leakcheck documents it), hence a
// margin rather than zero.
const (
	GoroutineBound = 64
	HeapBound      = 128 << 20
	settleWait     = 3 * time.Second
)

// Outcome is one run of a plan.
type Outcome struct {
	// Violations are the invariants the run broke; empty means it passed.
	Violations []Violation `json:"violations,omitempty"`
	// Inconclusive, when set, says why the run judged nothing (the harness's
	// own failure); Violations is then empty.
	Inconclusive string `json:"inconclusive,omitempty"`
	// FailedSLOs are the plan's SLOs that failed, as `wschaos run FILE`
	// would print them.
	FailedSLOs []string        `json:"failed_slos,omitempty"`
	Summary    harness.Summary `json:"summary"`
	Faults     int             `json:"faults"`
	Elapsed    time.Duration   `json:"elapsed"`
	// Hung is true when the harness did not return within its bound (see
	// [HangBound]): the run was abandoned, and is inconclusive.
	Hung bool `json:"hung,omitempty"`
}

// Seams for the hang test: the engine, the bound and the grace after cancel.
var (
	runHarness = harness.Run
	hangBound  = HangBound
	hangGrace  = 10 * time.Second
)

// errHung is returned by runBounded for a run abandoned past its bound.
var errHung = errors.New("harness hung")

// HangBound is how long a run of hp may take before explore abandons it:
// the connect timeout, the load, the drain and 30s of margin for
// setup, checks and teardown. A run past it is the harness's failure (seen:
// the embedded Toxiproxy's ToxicDelete blocking forever, Shopify/toxiproxy
// #558), never the system's.
func HangBound(hp harness.Plan) time.Duration {
	connect, drain := hp.ConnectTimeout, hp.Drain
	if connect == 0 {
		connect = 30 * time.Second
	}
	if drain == 0 {
		drain = hp.Client.WorstCaseRecovery() + 5*time.Second
	}
	return connect + hp.Load.Duration.D() + drain + 30*time.Second
}

// runBounded runs hp, giving up after HangBound: its context is cancelled
// then, and if the run still does not return within 10s it is abandoned
// (its goroutines leak; the process can go on).
func runBounded(ctx context.Context, hp harness.Plan, log *slog.Logger) (*harness.Result, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type ret struct {
		res *harness.Result
		err error
	}
	done := make(chan ret, 1)
	go func() {
		res, err := runHarness(rctx, hp, harness.RunOptions{Logger: log})
		done <- ret{res, err}
	}()
	bound := hangBound(hp)
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.res, r.err
	case <-timer.C:
	}
	cancel()
	select {
	case r := <-done:
		if r.err == nil {
			return r.res, nil
		}
	case <-time.After(hangGrace):
	}
	return nil, fmt.Errorf("%w: run %s did not return within %v", errHung, hp.Name, bound)
}

// Verdict is "pass", "fail: CLASS" or "inconclusive".
func (o Outcome) Verdict() string {
	switch {
	case o.Inconclusive != "":
		return "inconclusive"
	case len(o.Violations) > 0:
		return "fail: " + string(Primary(o.Violations))
	}
	return "pass"
}

// Failed reports whether the run broke an invariant.
func (o Outcome) Failed() bool { return len(o.Violations) > 0 }

// RunPlan runs p once the way `wschaos run FILE` runs a file: the plan is
// rendered as YAML, parsed by the scenario parser, turned into a harness
// plan with p.Seed and run on the embedded stack; its SLOs are evaluated by
// the report package and the result judged by [Check]. The error is for a
// plan that cannot run at all (it does not parse, the stack cannot start).
func RunPlan(ctx context.Context, p Plan, log *slog.Logger) (Outcome, error) {
	s, err := p.Scenario(p.Name + ".yaml")
	if err != nil {
		return Outcome{}, err
	}
	hp, err := s.Plan(p.Seed)
	if err != nil {
		return Outcome{}, fmt.Errorf("explore: plan %s: %w", p.Name, err)
	}
	g0, h0 := usage()
	start := time.Now()
	res, err := runBounded(ctx, hp, log)
	if errors.Is(err, errHung) {
		return Outcome{Inconclusive: err.Error(), Hung: true, Elapsed: time.Since(start)}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("explore: run %s: %w", p.Name, err)
	}
	o := Outcome{Summary: res.Summary, Faults: len(res.Faults), Elapsed: time.Since(start)}
	r := report.FromResult(report.RunInfo{Scenario: s, Seed: p.Seed, Toxiproxy: string(harness.ToxiproxyEmbedded)}, hp.Client, res)
	for _, x := range r.SLOs {
		if !x.Pass {
			o.FailedSLOs = append(o.FailedSLOs, fmt.Sprintf("%s (observed %s)", x.Name, x.ObservedText))
		}
	}
	if o.Inconclusive = inconclusive(res); o.Inconclusive != "" {
		return o, nil
	}
	o.Violations = Check(p, res)
	res = nil
	if v := growth(ctx, g0, h0); v != nil {
		o.Violations = append(o.Violations, v...)
	}
	return o, nil
}

func usage() (goroutines int, heap uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapAlloc
}

// growth waits up to settleWait for goroutines and heap to come back within
// bounds of what they were before the run.
func growth(ctx context.Context, g0 int, h0 uint64) []Violation {
	deadline := time.Now().Add(settleWait)
	for {
		g, h := usage()
		okG, okH := g <= g0+GoroutineBound, h <= h0+HeapBound
		if okG && okH {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			var out []Violation
			if !okG {
				out = append(out, Violation{Class: ClassGoroutines, Detail: fmt.Sprintf("%d goroutines after the run, %d before (bound +%d)", g, g0, GoroutineBound)})
			}
			if !okH {
				out = append(out, Violation{Class: ClassMemory, Detail: fmt.Sprintf("heap %d MiB after the run, %d MiB before (bound +%d MiB)", h>>20, h0>>20, HeapBound>>20)})
			}
			return out
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Replay reads a scenario file (a reproducer explore wrote, or any file
// that holds a plan's fields), parses it as `wschaos run FILE` does and runs
// it with [RunPlan].
func Replay(ctx context.Context, file string, log *slog.Logger) (Plan, Outcome, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return Plan{}, Outcome{}, fmt.Errorf("explore: failed to read %s: %w", file, err)
	}
	s, err := scenario.Parse(file, data)
	if err != nil {
		return Plan{}, Outcome{}, fmt.Errorf("explore: %w", err)
	}
	p := FromScenario(s)
	o, err := RunPlan(ctx, p, log)
	return p, o, err
}
