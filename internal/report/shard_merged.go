package report

import (
	"fmt"
	"slices"
	"time"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/internal/shard"
	"github.com/wschaos/wschaos/internal/slo"
)

// ShardBreakdown is the per-shard part of a merged report (`wschaos merge`).
type ShardBreakdown struct {
	RunID string `json:"run_id"`
	Count int    `json:"count"`
	// ScenarioSHA256 is the scenario version every shard ran.
	ScenarioSHA256 string `json:"scenario_sha256"`
	// RelativeAccuracy is the quantile sketches' stated error: merged
	// recovery quantiles are within this fraction of the exact ones.
	RelativeAccuracy float64      `json:"relative_accuracy"`
	Shards           []ShardEntry `json:"shards"`
}

// ShardEntry is one shard's figures.
type ShardEntry struct {
	Index       int             `json:"index"`
	Source      string          `json:"source"`
	ClientsLo   int             `json:"clients_lo"`
	ClientsHi   int             `json:"clients_hi"`
	Up          DirectionCounts `json:"up"`
	Down        DirectionCounts `json:"down"`
	Recoveries  int64           `json:"recoveries"`
	Unrecovered int64           `json:"unrecovered"`
	Failed      int64           `json:"failed_clients"`
	Uptime      float64         `json:"uptime"`
	// Offered is messages the shard sent, Nominal what the plan meant it to
	// send: a shortfall is the load generator's (CPU), not the system's.
	Offered int64    `json:"offered"`
	Nominal int64    `json:"nominal"`
	Errors  []string `json:"errors"`
	// Harness is the shard's harness side, as one process's report has it.
	Harness Harness `json:"harness"`
}

// ServerEventLog is the fault server's event log for the run: fault-level
// events in full, every kind counted.
type ServerEventLog struct {
	Events []shard.ServerEvent `json:"events"`
	Counts map[string]int64    `json:"counts"`
}

// ServerEvents summarises a run's fault server events for the report; nil
// when there are none (a target without admin API).
func ServerEvents(evs []faultserver.Event) *ServerEventLog {
	if len(evs) == 0 {
		return nil
	}
	log := &ServerEventLog{Events: []shard.ServerEvent{}, Counts: map[string]int64{}}
	for _, e := range evs {
		log.Counts[string(e.Kind)]++
		if serverFaultEvents[e.Kind] {
			log.Events = append(log.Events, shard.ServerEvent{ID: e.ID, Time: e.Time, Kind: string(e.Kind), Fault: e.Fault, Detail: e.Detail})
		}
	}
	return log
}

// MergedSummary is the flat SLO figures of a merged run: sums of the
// shards' counters, uptime as summed time, quantiles from the merged sketch
// at the rank one process's report uses (shard.Sketch.EmpiricalQuantile).
func MergedSummary(m *shard.Merged) harness.Summary {
	t := m.Total
	q := func(x float64) time.Duration { d, _ := m.Recovery.EmpiricalQuantile(x); return d }
	s := harness.Summary{
		RecoveryP50: q(0.5), RecoveryP90: q(0.9), RecoveryP99: q(0.99), RecoveryMax: q(1),
		Recoveries: int(t.Recoveries), Unrecovered: int(t.Unrecovered),
		Uptime: t.Uptime(), UptimeTotal: t.UptimeTotal(),
		FailedClients: int(t.FailedClients), ConnectedClients: int(t.ConnectedClients),
		Reconnects: int(t.Reconnects), Attempts: int(t.Attempts),
		ContinuityLost: int(t.ContinuityLost), BackoffViolations: int(t.BackoffViolations),
	}
	c := t.Up.Add(t.Down)
	s.Sent, s.Acked, s.Delivered, s.Lost = int(c.Sent), int(c.Acked), int(c.Delivered), int(c.Lost)
	s.Duplicated, s.Reordered, s.Unexpected = int(c.Duplicated), int(c.Reordered), int(c.Unexpected)
	s.HandedBack, s.Abandoned = int(c.HandedBack), int(c.Abandoned)
	if n := t.Clients.Len(); n > 0 {
		s.FailedRatio = float64(t.FailedClients) / float64(n)
	}
	// Offered ratios as ratios of sums, as one process's over all clients.
	h := t.Harness
	s.OfferedRatio, s.OfferedRatioUp, s.OfferedRatioDown = h.Up.Add(h.Down).Ratio(), h.Up.Ratio(), h.Down.Ratio()
	s.HarnessEvents = int(h.Unexpected())
	return s
}

// mergedHarness is a merged (or one shard's) harness section.
func mergedHarness(h shard.Harness) Harness {
	load := func(l shard.OfferedLoad) harness.OfferedLoad {
		return harness.OfferedLoad{Nominal: int(l.Nominal), Offered: int(l.Offered), HeldBack: int(l.HeldBack), Skipped: int(l.Skipped), Ratio: l.Ratio()}
	}
	out := Harness{Inconclusive: h.Inconclusive, Events: []HarnessEvent{},
		Offered: harness.Offered{Up: load(h.Up), Down: load(h.Down)}}
	for _, e := range h.Events {
		out.Events = append(out.Events, HarnessEvent{AtMS: MS(e.At), Kind: e.Kind, Detail: e.Detail, Count: int(e.Count), Expected: e.Expected})
	}
	if h.Unverified != nil {
		c := mergedCounts(*h.Unverified)
		out.Unverified = &c
	}
	return out
}

// FromMerged builds the report of a sharded run from its merged partials:
// the SLOs (carried in the partials) evaluated once over all shards, and
// the per-shard breakdown. sources names each shard's file, by index.
// Per-client detail and backoff observations stay in the shards.
func FromMerged(m *shard.Merged, sources []string) (*Report, error) {
	exprs := make([]slo.Expr, 0, len(m.Meta.SLOs))
	for _, text := range m.Meta.SLOs {
		e, err := slo.Parse(text)
		if err != nil {
			return nil, fmt.Errorf("report: partials of %s: SLO %q: %w", m.Scenario.Name, text, err)
		}
		exprs = append(exprs, e)
	}
	sum := MergedSummary(m)
	obs := Observed(sum)
	meta := m.Meta
	r := &Report{
		Tool: Tool{Name: "wschaos", Version: version()},
		Scenario: ScenarioInfo{Name: m.Scenario.Name, Description: meta.Description, Source: meta.Source, Short: meta.Short,
			Seed: m.Seed, PlannedMS: MS(meta.Planned), Clients: meta.Clients, Channels: meta.Channels},
		Stack: StackInfo{Mode: meta.StackMode, Target: meta.Target, Toxiproxy: meta.Toxiproxy, Proxy: meta.Proxy},
		Start: m.Start, End: m.End,
		Metrics: map[string]float64(obs),
		Errors:  slices.Clone(m.Total.HarnessErrors),
	}
	r.SLOs = sloResults(exprs, obs)
	r.Harness = mergedHarness(m.Total.Harness)
	r.Messages = Messages{Up: mergedCounts(m.Total.Up), Down: mergedCounts(m.Total.Down)}
	r.Recovery = Recovery{Count: sum.Recoveries, Unrecovered: sum.Unrecovered,
		P50MS: MS(sum.RecoveryP50), P90MS: MS(sum.RecoveryP90), P99MS: MS(sum.RecoveryP99), MaxMS: MS(sum.RecoveryMax)}
	r.Uptime = Uptime{IncludingOutages: sum.UptimeTotal, ExcludingOutages: sum.Uptime}
	for _, f := range m.Faults {
		r.Faults = append(r.Faults, Fault{Step: f.Step, Kind: f.Kind, Description: f.Description, Network: f.Network,
			StartMS: MS(f.Start), EndMS: MS(f.End), Error: f.Error})
	}
	if len(m.ServerEventCounts) > 0 {
		r.ServerEvents = &ServerEventLog{Events: append([]shard.ServerEvent{}, m.ServerEvents...), Counts: m.ServerEventCounts}
	}
	b := &ShardBreakdown{RunID: m.RunID, Count: m.Count, ScenarioSHA256: m.Scenario.Hash, RelativeAccuracy: shard.RelativeAccuracy}
	for i, t := range m.Shards {
		e := ShardEntry{Index: i, ClientsLo: t.Clients.Lo, ClientsHi: t.Clients.Hi, Up: mergedCounts(t.Up), Down: mergedCounts(t.Down),
			Recoveries: t.Recoveries, Unrecovered: t.Unrecovered, Failed: t.FailedClients, Uptime: t.Uptime(),
			Offered: t.Offered, Nominal: t.Nominal,
			Errors: append([]string{}, t.HarnessErrors...), Harness: mergedHarness(t.Harness)}
		if i < len(sources) {
			e.Source = sources[i]
		}
		b.Shards = append(b.Shards, e)
	}
	r.Shards = b
	r.Finish()
	return r, nil
}

// sloResults evaluates exprs over obs, as FromResult does for one process.
func sloResults(exprs []slo.Expr, obs slo.Observed) []SLOResult {
	results, _ := slo.EvalAll(exprs, obs)
	out := make([]SLOResult, 0, len(results))
	for _, x := range results {
		sr := SLOResult{Name: x.Expr.String(), Metric: x.Expr.Metric.Name, Op: string(x.Expr.Op),
			Threshold: x.Expr.ThresholdText, ThresholdValue: x.Expr.Threshold, Unit: units[x.Expr.Metric.Kind],
			ObservedText: x.ObservedText(), Pass: x.Pass}
		if x.Measured {
			v := x.Observed
			sr.Observed = &v
		}
		out = append(out, sr)
	}
	return out
}

func mergedCounts(c shard.Counters) DirectionCounts {
	acked := int(c.Acked)
	return DirectionCounts{Sent: int(c.Sent), Acked: &acked, Delivered: int(c.Delivered), Lost: int(c.Lost),
		Duplicated: int(c.Duplicated), Reordered: int(c.Reordered), Unexpected: int(c.Unexpected),
		HandedBack: int(c.HandedBack), Abandoned: int(c.Abandoned)}
}
