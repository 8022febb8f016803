package explore

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// ShrinkOptions tune [Shrink]. Zero fields take the defaults named.
type ShrinkOptions struct {
	// Runs is how many times a candidate is run; it still fails only if
	// every run breaks the class (timing varies between runs). Default 2.
	Runs int
	// MaxRuns bounds the runs the whole shrink may spend. Default 40.
	MaxRuns int
	// Deadline, when set, stops shrinking at that time with the best plan
	// found so far.
	Deadline time.Time
	// Logger receives the harness's logs (nil: none).
	Logger *slog.Logger
	// OnCandidate, if set, is told each candidate's change and verdict.
	OnCandidate func(change string, stillFails bool)
	// run replaces RunPlan in tests of the shrinking logic.
	run func(context.Context, Plan) (Outcome, error)
}

// ShrinkResult is a shrink's outcome.
type ShrinkResult struct {
	Original Plan `json:"-"`
	Shrunk   Plan `json:"-"`
	// Class is the failure class kept while shrinking.
	Class Class `json:"class"`
	// Changes are the accepted reductions, in order.
	Changes []string `json:"changes"`
	// Runs is how many runs the shrink spent; Last is the last failing run
	// of the shrunk plan.
	Runs int     `json:"runs"`
	Last Outcome `json:"last"`
}

// candidate is one reduction of a plan.
type candidate struct {
	change string
	plan   Plan
}

// Shrink reduces p, which failed with class, to a smaller plan that still
// fails with class: greedy passes drop faults, shorten them, cut clients,
// channels, rates and payloads, and end the run earlier, keeping each change
// whose plan fails with class in every one of opts.Runs runs (same seed).
// It stops when a full pass changes nothing or a budget runs out.
func Shrink(ctx context.Context, p Plan, class Class, opts ShrinkOptions) ShrinkResult {
	if opts.Runs <= 0 {
		opts.Runs = 2
	}
	if opts.MaxRuns <= 0 {
		opts.MaxRuns = 40
	}
	run := opts.run
	if run == nil {
		run = func(ctx context.Context, q Plan) (Outcome, error) { return RunPlan(ctx, q, opts.Logger) }
	}
	res := ShrinkResult{Original: p.Clone(), Shrunk: p.Clone(), Class: class}
	out := func() bool {
		return ctx.Err() != nil || res.Runs >= opts.MaxRuns || (!opts.Deadline.IsZero() && time.Now().After(opts.Deadline))
	}
	fails := func(q Plan) (Outcome, bool) {
		var last Outcome
		for range opts.Runs {
			if out() {
				return last, false
			}
			o, err := run(ctx, q)
			res.Runs++
			if err != nil || !Has(o.Violations, class) {
				return o, false
			}
			last = o
		}
		return last, true
	}
	for changed := true; changed && !out(); {
		changed = false
		for _, c := range candidates(res.Shrunk) {
			if out() {
				break
			}
			if _, err := c.plan.Scenario("candidate.yaml"); err != nil {
				continue // breaks a timeline rule
			}
			o, ok := fails(c.plan)
			if opts.OnCandidate != nil {
				opts.OnCandidate(c.change, ok)
			}
			if ok {
				res.Shrunk, res.Last = c.plan, o
				res.Changes = append(res.Changes, c.change)
				changed = true
				break // re-derive candidates from the smaller plan
			}
		}
	}
	res.Shrunk.Name = p.Name + "-min"
	res.Shrunk.Description = fmt.Sprintf("%s; shrunk by wschaos explore (%s): %d changes", p.Description, class, len(res.Changes))
	return res
}

// candidates lists the reductions of p, biggest first: whole faults, then
// the run's end, the load, then fault lengths.
func candidates(p Plan) []candidate {
	var out []candidate
	with := func(change string, f func(q *Plan)) {
		q := p.Clone()
		f(&q)
		q.SLOs = InvariantSLOs(q)
		out = append(out, candidate{change, q})
	}
	for i := range p.Timeline {
		st := p.Timeline[i]
		with(fmt.Sprintf("drop fault %d (%s at %v)", i, st.Fault, st.At), func(q *Plan) {
			q.Timeline = append(q.Timeline[:i:i], q.Timeline[i+1:]...)
		})
	}
	l := p.Load
	// A shorter run first: every later candidate then runs faster.
	if end := earlierEnd(p); end < l.Duration {
		with(fmt.Sprintf("duration %v -> %v", l.Duration, end), func(q *Plan) { q.Load.Duration = end })
	}
	if l.Clients > 1 {
		with(fmt.Sprintf("clients %d -> %d", l.Clients, l.Clients/2), func(q *Plan) { q.Load.Clients /= 2 })
	}
	if l.Channels > 1 {
		with(fmt.Sprintf("channels %d -> 1", l.Channels), func(q *Plan) { q.Load.Channels = 1 })
	}
	if l.Up > 0 {
		with(fmt.Sprintf("publish up %g -> 0", l.Up), func(q *Plan) { q.Load.Up = 0 })
	}
	if l.Down > 0 {
		with(fmt.Sprintf("publish down %g -> 0", l.Down), func(q *Plan) { q.Load.Down = 0 })
	}
	if l.Up >= 2 {
		with(fmt.Sprintf("publish up %g -> %g", l.Up, roundRate(l.Up/2)), func(q *Plan) { q.Load.Up = roundRate(l.Up / 2) })
	}
	if l.Down >= 2 {
		with(fmt.Sprintf("publish down %g -> %g", l.Down, roundRate(l.Down/2)), func(q *Plan) { q.Load.Down = roundRate(l.Down / 2) })
	}
	if l.MessageSize > 64 {
		with(fmt.Sprintf("message_size %d -> 64", l.MessageSize), func(q *Plan) { q.Load.MessageSize = 64 })
	}
	for i, st := range p.Timeline {
		if st.Duration >= 200*time.Millisecond {
			d := (st.Duration / 2).Round(10 * time.Millisecond)
			with(fmt.Sprintf("fault %d (%s) duration %v -> %v", i, st.Fault, st.Duration, d), func(q *Plan) { q.Timeline[i].Duration = d })
		}
	}
	return out
}

// earlierEnd is the shortest run that still holds p's timeline and a second
// and a half of recovery after it, or at least a second: halfway between
// that and p's length, so shrinking converges on it.
func earlierEnd(p Plan) time.Duration {
	floor := time.Second
	for _, st := range p.Timeline {
		floor = max(floor, st.End()+1500*time.Millisecond)
	}
	if floor >= p.Load.Duration {
		return p.Load.Duration
	}
	end := floor + (p.Load.Duration-floor)/2
	if p.Load.Duration-end < 200*time.Millisecond {
		end = floor
	}
	return (end + 99*time.Millisecond).Truncate(100 * time.Millisecond) // up: never below the floor
}
