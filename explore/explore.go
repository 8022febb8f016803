package explore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options configure [Explore]. Zero fields take the defaults named.
type Options struct {
	// FirstSeed is the first seed tried (default 1); seeds follow it in
	// order, so a run is repeatable.
	FirstSeed uint64
	// Seeds is how many plans to try; 0 means until Budget runs out (then
	// Budget is required).
	Seeds int
	// Budget bounds the wall time: no plan starts when less than the
	// longest plan's duration is left, and shrinking stops at it. 0 means
	// no bound (then Seeds is required).
	Budget time.Duration
	// Bounds limit each plan (see [Bounds]).
	Bounds Bounds
	// StopAfter stops after this many failures (default 1: a reproducer is
	// what you want first).
	StopAfter int
	// NoShrink keeps failing plans as drawn.
	NoShrink bool
	// Shrink tunes shrinking; Deadline is set from Budget when zero.
	Shrink ShrinkOptions
	// OutDir, when set, receives seed-N.yaml (the failing plan), seed-N.min.yaml
	// (the shrunk reproducer), seed-N.diff.txt and summary.json.
	OutDir string
	// Progress, if set, is called after each plan and each shrink.
	Progress func(Event)
	// Logger receives the harness's logs (nil: none).
	Logger *slog.Logger
}

// Event is a progress report: a plan was run, or a failure was shrunk.
type Event struct {
	Seed    uint64 `json:"seed"`
	Plan    string `json:"plan"`
	Verdict string `json:"verdict"`
	// Detail says what failed, or for a shrink what it reduced.
	Detail string `json:"detail,omitempty"`
	// Shrunk is set for the event after a shrink.
	Shrunk *ShrinkResult `json:"-"`
}

// PlanResult is one explored plan in the summary.
type PlanResult struct {
	Seed    uint64      `json:"seed"`
	Plan    string      `json:"plan"`
	Verdict string      `json:"verdict"`
	Outcome Outcome     `json:"outcome"`
	Failure *FailureRef `json:"failure,omitempty"`
}

// FailureRef points at a failure's files and its shrink.
type FailureRef struct {
	Class      Class        `json:"class"`
	Violations []Violation  `json:"violations"`
	File       string       `json:"file,omitempty"`
	Reproducer string       `json:"reproducer,omitempty"`
	Shrink     *ShrinkStats `json:"shrink,omitempty"`
}

// ShrinkStats summarise a shrink for the JSON summary.
type ShrinkStats struct {
	Changes    []string `json:"changes"`
	Runs       int      `json:"runs"`
	FaultsFrom int      `json:"faults_from"`
	FaultsTo   int      `json:"faults_to"`
	// StillFails is the shrunk plan's last verdict.
	StillFails string `json:"still_fails"`
}

// Summary is what an exploration covered and found; summary.json holds it.
type Summary struct {
	FirstSeed    uint64 `json:"first_seed"`
	Plans        int    `json:"plans"`
	Passed       int    `json:"passed"`
	Failed       int    `json:"failed"`
	Inconclusive int    `json:"inconclusive"`
	// Hung counts inconclusive runs the harness did not finish (abandoned).
	Hung     int           `json:"hung"`
	Faults   int           `json:"faults"`
	Messages int           `json:"messages"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	Results  []PlanResult  `json:"results"`
}

// ErrNoLimit is returned when neither Seeds nor Budget bounds the run.
var ErrNoLimit = errors.New("explore: set Seeds or Budget")

// Explore draws plans from consecutive seeds, runs each and checks the
// invariants; on a failure it shrinks the plan and writes the reproducer.
// The error is for an exploration that could not go on (ctx ended, a plan
// could not run, OutDir not writable); failures found are in the Summary.
func Explore(ctx context.Context, o Options) (Summary, error) {
	if o.Seeds <= 0 && o.Budget <= 0 {
		return Summary{}, ErrNoLimit
	}
	if o.FirstSeed == 0 {
		o.FirstSeed = 1
	}
	if o.StopAfter <= 0 {
		o.StopAfter = 1
	}
	b := o.Bounds.withDefaults()
	start := time.Now()
	var deadline time.Time
	if o.Budget > 0 {
		deadline = start.Add(o.Budget)
		if o.Shrink.Deadline.IsZero() {
			o.Shrink.Deadline = deadline
		}
	}
	if o.Shrink.Logger == nil {
		o.Shrink.Logger = o.Logger
	}
	if o.OutDir != "" {
		if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
			return Summary{}, fmt.Errorf("explore: failed to create the output directory: %w", err)
		}
	}
	sum := Summary{FirstSeed: o.FirstSeed}
	progress := func(e Event) {
		if o.Progress != nil {
			o.Progress(e)
		}
	}
	var err error
	for i := 0; o.Seeds <= 0 || i < o.Seeds; i++ {
		// A plan takes about its duration plus a few seconds of setup and drain.
		if !deadline.IsZero() && time.Until(deadline) < b.MaxDuration+5*time.Second {
			break
		}
		if err = ctx.Err(); err != nil {
			break
		}
		seed := o.FirstSeed + uint64(i)
		p := Generate(seed, b)
		out, rerr := RunPlan(ctx, p, o.Logger)
		if rerr != nil {
			err = rerr
			break
		}
		pr := PlanResult{Seed: seed, Plan: p.Summary(), Verdict: out.Verdict(), Outcome: out}
		sum.Plans++
		sum.Faults += out.Faults
		sum.Messages += out.Summary.Sent
		ev := Event{Seed: seed, Plan: pr.Plan, Verdict: pr.Verdict, Detail: out.Inconclusive}
		switch {
		case out.Failed():
			sum.Failed++
			ev.Detail = describe(out.Violations)
			progress(ev)
			ref, ferr := o.failure(ctx, p, out, progress)
			pr.Failure = ref
			sum.Results = append(sum.Results, pr)
			if ferr != nil {
				return sum, ferr
			}
			if sum.Failed >= o.StopAfter {
				sum.Elapsed = time.Since(start)
				return sum, o.writeSummary(&sum)
			}
			continue
		case out.Inconclusive != "":
			sum.Inconclusive++
			if out.Hung {
				sum.Hung++
			}
		default:
			sum.Passed++
		}
		progress(ev)
		sum.Results = append(sum.Results, pr)
	}
	sum.Elapsed = time.Since(start)
	if werr := o.writeSummary(&sum); werr != nil && err == nil {
		err = werr
	}
	return sum, err
}

// failure writes the failing plan, shrinks it and writes the reproducer.
func (o Options) failure(ctx context.Context, p Plan, out Outcome, progress func(Event)) (*FailureRef, error) {
	class := Primary(out.Violations)
	ref := &FailureRef{Class: class, Violations: out.Violations}
	base := fmt.Sprintf("seed-%d", p.Seed)
	if err := o.writePlan(base+".yaml", p, &ref.File); err != nil {
		return ref, err
	}
	if o.NoShrink {
		return ref, nil
	}
	sr := Shrink(ctx, p, class, o.Shrink)
	ref.Shrink = &ShrinkStats{Changes: sr.Changes, Runs: sr.Runs, FaultsFrom: len(p.Timeline), FaultsTo: len(sr.Shrunk.Timeline)}
	ref.Shrink.StillFails = sr.Last.Verdict()
	if len(sr.Changes) == 0 {
		ref.Shrink.StillFails = out.Verdict()
	}
	if err := o.writePlan(base+".min.yaml", sr.Shrunk, &ref.Reproducer); err != nil {
		return ref, err
	}
	var diff strings.Builder
	if err := SideBySide(&diff, sr); err != nil {
		return ref, err
	}
	if o.OutDir != "" {
		if err := os.WriteFile(filepath.Join(o.OutDir, base+".diff.txt"), []byte(diff.String()), 0o644); err != nil {
			return ref, fmt.Errorf("explore: failed to write the diff: %w", err)
		}
	}
	progress(Event{Seed: p.Seed, Plan: sr.Shrunk.Summary(), Verdict: "shrunk: " + string(class),
		Detail: diff.String(), Shrunk: &sr})
	return ref, nil
}

func (o Options) writePlan(name string, p Plan, path *string) error {
	if o.OutDir == "" {
		return nil
	}
	data, err := p.YAML()
	if err != nil {
		return err
	}
	*path = filepath.Join(o.OutDir, name)
	if err := os.WriteFile(*path, data, 0o644); err != nil {
		return fmt.Errorf("explore: failed to write %s: %w", name, err)
	}
	return nil
}

func (o Options) writeSummary(s *Summary) error {
	if o.OutDir == "" {
		return nil
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("explore: failed to encode the summary: %w", err)
	}
	if err := os.WriteFile(filepath.Join(o.OutDir, "summary.json"), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("explore: failed to write summary.json: %w", err)
	}
	return nil
}

func describe(vs []Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v.Class) + ": " + v.Detail
	}
	return strings.Join(parts, "; ")
}
