package main

import (
	"runtime/debug"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/harness/stats"
	"github.com/wschaos/wschaos/internal/report"
	"github.com/wschaos/wschaos/internal/scenario"
	"github.com/wschaos/wschaos/internal/slo"
)

// runInfo is what the CLI knows about a run besides the harness result.
type runInfo struct {
	scenario  *scenario.Scenario
	short     bool
	seed      uint64
	target    string // the server under test (--target), behind the proxy
	toxiproxy string
}

// observed flattens the harness summary into the SLO metric catalogue.
func observed(s harness.Summary) slo.Observed {
	return slo.Observed{
		"recovery_p50":       s.RecoveryP50.Seconds(),
		"recovery_p90":       s.RecoveryP90.Seconds(),
		"recovery_p99":       s.RecoveryP99.Seconds(),
		"recovery_max":       s.RecoveryMax.Seconds(),
		"recoveries":         float64(s.Recoveries),
		"unrecovered":        float64(s.Unrecovered),
		"uptime":             s.Uptime,
		"uptime_total":       s.UptimeTotal,
		"sent":               float64(s.Sent),
		"acked":              float64(s.Acked),
		"delivered":          float64(s.Delivered),
		"lost":               float64(s.Lost),
		"duplicated":         float64(s.Duplicated),
		"reordered":          float64(s.Reordered),
		"unexpected":         float64(s.Unexpected),
		"handed_back":        float64(s.HandedBack),
		"abandoned":          float64(s.Abandoned),
		"continuity_lost":    float64(s.ContinuityLost),
		"failed_clients":     float64(s.FailedClients),
		"failed_ratio":       s.FailedRatio,
		"connected_clients":  float64(s.ConnectedClients),
		"reconnects":         float64(s.Reconnects),
		"attempts":           float64(s.Attempts),
		"backoff_violations": float64(s.BackoffViolations),
	}
}

var units = map[slo.Kind]string{slo.Duration: "seconds", slo.Ratio: "ratio", slo.Count: "count"}

// buildReport turns a harness result into the stable report.
func buildReport(info runInfo, cfg client.Config, res *harness.Result) *report.Report {
	s := info.scenario
	obs := observed(res.Summary)
	rel := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return report.MS(t.Sub(res.Start))
	}
	r := &report.Report{
		Tool: report.Tool{Name: "wschaos", Version: version()},
		Scenario: report.ScenarioInfo{Name: s.Name, Description: s.Description, Source: s.Source, Short: info.short,
			Seed: info.seed, PlannedMS: report.MS(s.Load.Duration), Clients: s.Load.Clients, Channels: s.Load.Channels},
		Stack: report.StackInfo{Mode: s.Stack.Mode, Target: info.target, Toxiproxy: info.toxiproxy, Proxy: s.Stack.Proxy},
		Start: res.Start, End: res.End,
		Metrics: map[string]float64(obs),
		Errors:  append([]string(nil), res.Errors...),
	}
	exprs := make([]slo.Expr, len(s.SLOs))
	for i, x := range s.SLOs {
		exprs[i] = x.Expr
	}
	results, _ := slo.EvalAll(exprs, obs)
	for _, x := range results {
		sr := report.SLOResult{Name: x.Expr.String(), Metric: x.Expr.Metric.Name, Op: string(x.Expr.Op),
			Threshold: x.Expr.ThresholdText, ThresholdValue: x.Expr.Threshold, Unit: units[x.Expr.Metric.Kind],
			ObservedText: x.ObservedText(), Pass: x.Pass}
		if x.Measured {
			v := x.Observed
			sr.Observed = &v
		}
		r.SLOs = append(r.SLOs, sr)
	}
	r.Messages = report.Messages{Up: counts(res.Messages.Up), Down: counts(res.Messages.Down)}
	sum := res.Summary
	r.Recovery = report.Recovery{Count: sum.Recoveries, Unrecovered: sum.Unrecovered,
		P50MS: report.MS(sum.RecoveryP50), P90MS: report.MS(sum.RecoveryP90), P99MS: report.MS(sum.RecoveryP99), MaxMS: report.MS(sum.RecoveryMax)}
	var total time.Duration
	for _, x := range res.Timing.Recovery {
		total += x.Reattached
		r.Recovery.Samples = append(r.Recovery.Samples, report.RecoverySample{Client: x.Client, Step: x.Step, Fault: string(x.Fault),
			FaultEndMS: rel(x.FaultEnd), ConnectedMS: report.MS(x.Connected), ReattachedMS: report.MS(x.Reattached)})
	}
	if n := len(res.Timing.Recovery); n > 0 {
		r.Recovery.MeanMS = report.MS(total / time.Duration(n))
	}
	r.Uptime = report.Uptime{IncludingOutages: sum.UptimeTotal, ExcludingOutages: sum.Uptime}
	r.Clients = clients(res, rel)
	for _, f := range res.Faults {
		end := f.End
		if end.IsZero() {
			end = f.Start // instant, or still active when the log closed
			if !f.Fault.Tags().Has(fault.Instant) {
				end = res.End
			}
		}
		r.Faults = append(r.Faults, report.Fault{Step: f.Step, Kind: f.Fault.Name(), Description: f.Fault.String(),
			Network: f.Fault.Tags().Has(fault.Network), StartMS: rel(f.Start), EndMS: rel(end), Error: f.Err})
	}
	r.Backoff = backoff(cfg.Backoff, res, rel)
	r.Finish()
	return r
}

func counts(c harness.MessageCounts) report.DirectionCounts {
	acked := c.Acked
	return report.DirectionCounts{Sent: c.Sent, Acked: &acked, Delivered: c.Delivered, Lost: c.Lost, Duplicated: c.Duplicated,
		Reordered: c.Reordered, Unexpected: c.Unexpected, HandedBack: c.HandedBack, Abandoned: c.Abandoned, SendFailed: c.SendFailed}
}

func clients(res *harness.Result, rel func(time.Time) float64) []report.Client {
	timing := map[int]harness.ClientTiming{}
	for _, t := range res.Timing.Clients {
		timing[t.Client] = t
	}
	out := make([]report.Client, 0, len(res.Clients))
	for _, c := range res.Clients {
		t := timing[c.Index]
		rc := report.Client{ID: c.Index, Attempts: c.Attempts, Reconnects: c.Reconnects, Disconnects: t.Disconnects,
			FinalState: c.FinalState, Uptime: t.Uptime}
		for _, sp := range t.States {
			rc.States = append(rc.States, report.Span{State: sp.State, StartMS: rel(sp.Start), EndMS: rel(sp.End)})
		}
		out = append(out, rc)
	}
	return out
}

// backoff pairs each observed delay with the range the configured
// distribution allows, judged as the harness judges violations.
func backoff(b client.Backoff, res *harness.Result, rel func(time.Time) float64) report.Backoff {
	cfg := b.WithDefaults()
	out := report.Backoff{
		Configured: report.BackoffConfig{BaseMS: report.MS(cfg.Base), CapMS: report.MS(cfg.Cap), Multiplier: cfg.Multiplier,
			Jitter: cfg.Jitter.String(), Fraction: cfg.Fraction},
		Violations: res.Summary.BackoffViolations,
	}
	for _, o := range res.Timing.Backoff {
		d := stats.BackoffDist(b, max(o.Attempt, 1), o.Prev)
		ob := report.BackoffObservation{Client: o.Client, AtMS: rel(o.At), Attempt: o.Attempt, ScheduledMS: report.MS(o.Scheduled),
			MinMS: report.MS(d.Lo), MaxMS: report.MS(d.Hi), RetryAfter: o.RetryAfter}
		ob.InRange = o.RetryAfter || d.Contains(o.Scheduled, time.Millisecond)
		if o.Observed >= 0 {
			v := report.MS(o.Observed)
			ob.ObservedMS = &v
			ob.InRange = ob.InRange && o.Observed >= o.Scheduled-time.Millisecond && o.Observed <= o.Scheduled+harness.BackoffSlack
		}
		out.Observations = append(out.Observations, ob)
	}
	return out
}

// version is the module version stamped by the Go toolchain, or "devel".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
