package shard

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ProblemKind is why a set of partials does not make one run. Each kind is
// an error, so errors.Is(err, shard.ErrMissing) works on a [*MergeError].
type ProblemKind string

func (k ProblemKind) Error() string { return string(k) }

// The problem kinds [Merge] reports.
const (
	ErrNoPartials    ProblemKind = "no partial results"
	ErrMissing       ProblemKind = "shard missing"
	ErrDuplicate     ProblemKind = "shard given more than once"
	ErrOtherRun      ProblemKind = "shard from another run"
	ErrOtherScenario ProblemKind = "shard from another scenario version"
	ErrOtherCount    ProblemKind = "shard with a different shard count"
	ErrOtherSeed     ProblemKind = "shard with a different run seed"
	ErrOtherClients  ProblemKind = "shard with a client range that does not fit the partition"
)

// Problem is one shard's defect. Shard is its index; Source is where it came
// from (a file name, as the caller passed it).
type Problem struct {
	Kind   ProblemKind
	Shard  int
	Source string
	Detail string
}

func (p Problem) String() string {
	s := fmt.Sprintf("shard %d: %s", p.Shard, p.Kind)
	if p.Source != "" {
		s += " (" + p.Source + ")"
	}
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// MergeError lists every problem found, not only the first, so one look
// at the gate's output says which pods to rerun.
type MergeError struct {
	Problems []Problem
}

func (e *MergeError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "cannot merge partial results: " + strings.Join(parts, "; ")
}

// Unwrap returns the kinds, for errors.Is.
func (e *MergeError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.Kind
	}
	return out
}

// Input is one partial and where it came from.
type Input struct {
	Source  string
	Partial *Partial
}

// Merged is the run's result over all shards.
type Merged struct {
	RunID    string
	Scenario ScenarioRef
	Meta     Meta
	Seed     uint64
	Count    int
	// Start is the coordinated start; End the last shard's end.
	Start, End time.Time
	// Total sums every shard; Shards is the per-shard breakdown, by index.
	Total  Totals
	Shards []Totals
	// Recovery and Latency are all shards' samples.
	Recovery *Sketch
	Latency  *Sketch
	// Faults and ServerEvents come from the shard that drove server faults
	// (shard 0); ServerEventCounts sums every shard's local fault server,
	// or is shard 0's alone against a shared target (Meta.TargetAdmin).
	Faults            []FaultRecord
	ServerEvents      []ServerEvent
	ServerEventCounts map[string]int64
	// Inconclusive names the shards (by index) whose harness failed: any
	// makes the merged run inconclusive, as one process's would be.
	Inconclusive []int
}

// Totals are the summed figures of one shard or of all.
type Totals struct {
	Shard             Spec
	Clients           Range
	Up, Down          Counters
	Recoveries        int64
	Unrecovered       int64
	FailedClients     int64
	ConnectedClients  int64
	Reconnects        int64
	Attempts          int64
	ContinuityLost    int64
	BackoffViolations int64
	ConnectedTime     time.Duration
	ObservedTime      time.Duration
	ConnectedTotal    time.Duration
	ObservedTotal     time.Duration
	Offered, Nominal  int64
	HarnessErrors     []string
	// Harness is the shard's harness side; over all shards, the offered
	// loads and unverified counts summed, the events each shard's (Detail
	// prefixed with the shard), inconclusive if any shard was.
	Harness Harness
}

// UptimeTotal is ConnectedTotal / ObservedTotal (1 when nothing was
// observed): uptime including injected outages.
func (t Totals) UptimeTotal() float64 {
	if t.ObservedTotal <= 0 {
		return 1
	}
	return float64(t.ConnectedTotal) / float64(t.ObservedTotal)
}

// Uptime is ConnectedTime / ObservedTime (1 when nothing was observed).
func (t Totals) Uptime() float64 {
	if t.ObservedTime <= 0 {
		return 1
	}
	return float64(t.ConnectedTime) / float64(t.ObservedTime)
}

func totalsOf(p *Partial) Totals {
	return Totals{
		Shard: p.Shard, Clients: p.Clients, Up: p.Up, Down: p.Down,
		Recoveries: p.Recoveries, Unrecovered: p.Unrecovered, FailedClients: p.FailedClients,
		ConnectedClients: p.ConnectedClients, Reconnects: p.Reconnects,
		Attempts: p.Attempts, ContinuityLost: p.ContinuityLost, BackoffViolations: p.BackoffViolations,
		ConnectedTime: p.ConnectedTime, ObservedTime: p.ObservedTime,
		ConnectedTotal: p.ConnectedTotal, ObservedTotal: p.ObservedTotal,
		Offered: p.Offered, Nominal: p.Nominal, HarnessErrors: slices.Clone(p.HarnessErrors),
		Harness: cloneHarness(p.Harness),
	}
}

func cloneHarness(h *Harness) Harness {
	if h == nil {
		return Harness{Events: []HarnessEvent{}}
	}
	c := *h
	c.Events = append([]HarnessEvent{}, h.Events...)
	if h.Unverified != nil {
		u := *h.Unverified
		c.Unverified = &u
	}
	return c
}

func (t *Totals) add(o Totals) {
	t.Up, t.Down = t.Up.Add(o.Up), t.Down.Add(o.Down)
	t.Recoveries += o.Recoveries
	t.Unrecovered += o.Unrecovered
	t.FailedClients += o.FailedClients
	t.ConnectedClients += o.ConnectedClients
	t.Reconnects += o.Reconnects
	t.Attempts += o.Attempts
	t.ContinuityLost += o.ContinuityLost
	t.BackoffViolations += o.BackoffViolations
	t.ConnectedTime += o.ConnectedTime
	t.ObservedTime += o.ObservedTime
	t.ConnectedTotal += o.ConnectedTotal
	t.ObservedTotal += o.ObservedTotal
	t.Offered += o.Offered
	t.Nominal += o.Nominal
	for _, e := range o.HarnessErrors {
		t.HarnessErrors = append(t.HarnessErrors, fmt.Sprintf("shard %d: %s", o.Shard.Index, e))
	}
	h, oh := &t.Harness, o.Harness
	h.Inconclusive = h.Inconclusive || oh.Inconclusive
	h.Up, h.Down = h.Up.Add(oh.Up), h.Down.Add(oh.Down)
	if h.Events == nil {
		h.Events = []HarnessEvent{}
	}
	for _, e := range oh.Events {
		e.Detail = fmt.Sprintf("shard %d: %s", o.Shard.Index, e.Detail)
		h.Events = append(h.Events, e)
	}
	if oh.Unverified != nil {
		if h.Unverified == nil {
			h.Unverified = &Counters{}
		}
		*h.Unverified = h.Unverified.Add(*oh.Unverified)
	}
}

// Merge checks that inputs are exactly shards 0..n-1 of one run (same run
// id, scenario version, seed and n; each index once; client ranges that
// tile the plan) and sums them. The first input is the reference the others
// are compared with. Any problem yields a *MergeError naming every bad
// shard, and no result.
func Merge(inputs []Input) (*Merged, error) {
	if len(inputs) == 0 {
		return nil, &MergeError{Problems: []Problem{{Kind: ErrNoPartials, Shard: -1}}}
	}
	ref := inputs[0].Partial
	var probs []Problem
	seen := map[int]string{}
	for _, in := range inputs {
		p := in.Partial
		bad := func(k ProblemKind, detail string) {
			probs = append(probs, Problem{Kind: k, Shard: p.Shard.Index, Source: in.Source, Detail: detail})
		}
		if err := p.Shard.Validate(); err != nil {
			bad(ErrOtherCount, err.Error())
			continue
		}
		switch {
		case p.RunID != ref.RunID:
			bad(ErrOtherRun, fmt.Sprintf("run %q, want %q", p.RunID, ref.RunID))
			continue
		case p.Scenario != ref.Scenario:
			bad(ErrOtherScenario, fmt.Sprintf("%s@%.12s, want %s@%.12s", p.Scenario.Name, p.Scenario.Hash, ref.Scenario.Name, ref.Scenario.Hash))
			continue
		case p.Shard.Count != ref.Shard.Count:
			bad(ErrOtherCount, fmt.Sprintf("n=%d, want %d", p.Shard.Count, ref.Shard.Count))
			continue
		case p.Seed != ref.Seed:
			bad(ErrOtherSeed, fmt.Sprintf("seed %d, want %d", p.Seed, ref.Seed))
			continue
		}
		if prev, dup := seen[p.Shard.Index]; dup {
			bad(ErrDuplicate, "also in "+prev)
			continue
		}
		seen[p.Shard.Index] = in.Source
	}
	n := ref.Shard.Count
	for i := range n {
		if _, ok := seen[i]; !ok {
			probs = append(probs, Problem{Kind: ErrMissing, Shard: i})
		}
	}
	if len(probs) == 0 {
		probs = checkRanges(inputs)
	}
	if len(probs) > 0 {
		slices.SortStableFunc(probs, func(a, b Problem) int { return a.Shard - b.Shard })
		return nil, &MergeError{Problems: probs}
	}
	return sum(inputs)
}

// checkRanges: the client ranges, in index order, must tile [0, total).
func checkRanges(inputs []Input) []Problem {
	byIndex := slices.Clone(inputs)
	slices.SortFunc(byIndex, func(a, b Input) int { return a.Partial.Shard.Index - b.Partial.Shard.Index })
	total := byIndex[len(byIndex)-1].Partial.Clients.Hi
	var probs []Problem
	for _, in := range byIndex {
		want, _ := in.Partial.Shard.Clients(total)
		if in.Partial.Clients != want {
			probs = append(probs, Problem{Kind: ErrOtherClients, Shard: in.Partial.Shard.Index, Source: in.Source,
				Detail: fmt.Sprintf("clients [%d,%d), want [%d,%d) of %d", in.Partial.Clients.Lo, in.Partial.Clients.Hi, want.Lo, want.Hi, total)})
		}
	}
	return probs
}

func sum(inputs []Input) (*Merged, error) {
	ref := inputs[0].Partial
	m := &Merged{
		RunID: ref.RunID, Scenario: ref.Scenario, Meta: ref.Meta, Seed: ref.Seed, Count: ref.Shard.Count,
		Start: ref.Start, Shards: make([]Totals, ref.Shard.Count),
		Recovery: NewSketch(), Latency: NewSketch(),
	}
	m.Total.Shard = Spec{Index: 0, Count: 1}
	for _, in := range inputs {
		p := in.Partial
		t := totalsOf(p)
		m.Shards[p.Shard.Index] = t
		if p.End.After(m.End) {
			m.End = p.End
		}
		if p.Start.Before(m.Start) {
			m.Start = p.Start
		}
		if p.Shard.Index == 0 {
			m.Faults, m.ServerEvents = p.Faults, p.ServerEvents
		}
		// Against a shared target every shard reads the same server log:
		// count it once (shard 0's); local fault servers are one per shard.
		shared := ref.Meta.TargetAdmin != ""
		for k, v := range p.ServerEventCounts {
			if shared && p.Shard.Index != 0 {
				break
			}
			if m.ServerEventCounts == nil {
				m.ServerEventCounts = map[string]int64{}
			}
			m.ServerEventCounts[k] += v
		}
		if err := errors.Join(m.Recovery.Merge(p.Recovery), m.Latency.Merge(p.Latency)); err != nil {
			return nil, fmt.Errorf("shard %d (%s): %w", p.Shard.Index, in.Source, err)
		}
	}
	for i, t := range m.Shards {
		m.Total.add(t)
		if t.Harness.Inconclusive {
			m.Inconclusive = append(m.Inconclusive, i)
		}
	}
	m.Total.Clients = Range{Lo: 0, Hi: m.Shards[len(m.Shards)-1].Clients.Hi}
	return m, nil
}
