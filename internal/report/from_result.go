package report

import (
	"math"
	"runtime/debug"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/internal/scenario"
	"github.com/wschaos/wschaos/internal/slo"
)

// RunInfo is what the caller knows about a run besides the harness result.
type RunInfo struct {
	Scenario *scenario.Scenario
	Short    bool
	Seed     uint64
	// Target is the server under test (--target), behind the proxy.
	Target string
	// Toxiproxy is the Toxiproxy API URL, "embedded" for the in-process one.
	Toxiproxy string
}

// Observed flattens the harness summary into the SLO metric catalogue.
func Observed(s harness.Summary) slo.Observed {
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
		"offered_ratio":      s.OfferedRatio,
		"offered_ratio_up":   s.OfferedRatioUp,
		"offered_ratio_down": s.OfferedRatioDown,
		"harness_events":     float64(s.HarnessEvents),
	}
}

// ObservedResult is [Observed] plus the metrics computed from the whole
// result: uptime's confidence bounds and the projected uptime
// ([harness.ComputeUptime]). A bound the run cannot support is NaN, which
// fails an SLO gated on it as unmeasured.
func ObservedResult(res *harness.Result) (slo.Observed, harness.UptimeFigures) {
	obs := Observed(res.Summary)
	up := harness.ComputeUptime(res)
	obs["uptime_lower"], obs["uptime_upper"], obs["projected_uptime"] = up.Lower, up.Upper, up.Projected
	obs["uptime_total_lower"], obs["uptime_total_upper"] = up.TotalLower, up.TotalUpper
	return obs, up
}

var units = map[slo.Kind]string{slo.Duration: "seconds", slo.Ratio: "ratio", slo.Count: "count"}

// FromResult turns a harness result into the stable  cfg is the
// plan's client configuration (its backoff is what observations are judged
// against).
func FromResult(info RunInfo, cfg client.Config, res *harness.Result) *Report {
	s := info.Scenario
	obs, up := ObservedResult(res)
	rel := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return MS(t.Sub(res.Start))
	}
	r := &Report{
		Tool: Tool{Name: "wschaos", Version: version()},
		Scenario: ScenarioInfo{Name: s.Name, Description: s.Description, Source: s.Source, Short: info.Short,
			Seed: info.Seed, PlannedMS: MS(s.Load.Duration), Clients: s.Load.Clients, Channels: s.Load.Channels},
		Stack: StackInfo{Mode: s.Stack.Mode, Target: info.Target, Toxiproxy: info.Toxiproxy, Proxy: s.Stack.Proxy},
		Start: res.Start, End: res.End,
		Metrics: finite(obs),
		Errors:  append([]string(nil), res.Errors...),
	}
	exprs := make([]slo.Expr, len(s.SLOs))
	for i, x := range s.SLOs {
		exprs[i] = x.Expr
	}
	results, _ := slo.EvalAll(exprs, obs)
	for _, x := range results {
		sr := SLOResult{Name: x.Expr.String(), Metric: x.Expr.Metric.Name, Op: string(x.Expr.Op),
			Threshold: x.Expr.ThresholdText, ThresholdValue: x.Expr.Threshold, Unit: units[x.Expr.Metric.Kind],
			ObservedText: x.ObservedText(), Pass: x.Pass, GatedOn: x.Bound}
		if x.Measured {
			v := x.Observed
			sr.Observed = &v
			if x.Bound != "" {
				c := x.Compared
				sr.Compared = &c
			}
		}
		r.SLOs = append(r.SLOs, sr)
	}
	r.Messages = Messages{Up: counts(res.Messages.Up), Down: counts(res.Messages.Down)}
	sum := res.Summary
	r.Recovery = Recovery{Count: sum.Recoveries, Unrecovered: sum.Unrecovered,
		P50MS: MS(sum.RecoveryP50), P90MS: MS(sum.RecoveryP90), P99MS: MS(sum.RecoveryP99), MaxMS: MS(sum.RecoveryMax)}
	var total time.Duration
	for _, x := range res.Timing.Recovery {
		total += x.Reattached
		r.Recovery.Samples = append(r.Recovery.Samples, RecoverySample{Client: x.Client, Step: x.Step, Fault: string(x.Fault),
			FaultEndMS: rel(x.FaultEnd), ConnectedMS: MS(x.Connected), ReattachedMS: MS(x.Reattached)})
	}
	if n := len(res.Timing.Recovery); n > 0 {
		r.Recovery.MeanMS = MS(total / time.Duration(n))
	}
	r.Uptime = uptime(sum, up)
	r.Clients = clients(res, rel)
	for _, f := range res.Faults {
		end := f.End
		if end.IsZero() {
			end = f.Start // instant, or still active when the log closed
			if !f.Fault.Tags().Has(fault.Instant) {
				end = res.End
			}
		}
		r.Faults = append(r.Faults, Fault{Step: f.Step, Kind: f.Fault.Name(), Description: f.Fault.String(),
			Network: f.Fault.Tags().Has(fault.Network), StartMS: rel(f.Start), EndMS: rel(end), Error: f.Err})
	}
	r.Backoff = backoff(cfg.Backoff, res, rel)
	r.Harness = harnessSection(res)
	buildScale(r, res)
	r.Finish()
	return r
}

func counts(c harness.MessageCounts) DirectionCounts {
	acked := c.Acked
	return DirectionCounts{Sent: c.Sent, Acked: &acked, Delivered: c.Delivered, Lost: c.Lost, Duplicated: c.Duplicated,
		Reordered: c.Reordered, Unexpected: c.Unexpected, HandedBack: c.HandedBack, Abandoned: c.Abandoned, SendFailed: c.SendFailed}
}

func clients(res *harness.Result, rel func(time.Time) float64) []Client {
	timing := map[int]harness.ClientTiming{}
	for _, t := range res.Timing.Clients {
		timing[t.Client] = t
	}
	slowest := map[int]time.Duration{}
	for _, s := range res.Timing.Recovery {
		slowest[s.Client] = max(slowest[s.Client], s.Reattached)
	}
	out := make([]Client, 0, len(res.Clients))
	for _, c := range res.Clients {
		t := timing[c.Index]
		rc := Client{ID: c.Index, Attempts: c.Attempts, Reconnects: c.Reconnects, Disconnects: t.Disconnects,
			FinalState: c.FinalState, Uptime: t.Uptime, RecoveryMaxMS: MS(slowest[c.Index])}
		for _, sp := range t.States {
			rc.States = append(rc.States, Span{State: sp.State, StartMS: rel(sp.Start), EndMS: rel(sp.End)})
		}
		out = append(out, rc)
	}
	return out
}

// backoff pairs each observed delay with the range the configured
// distribution allows, judged by the harness's one rule
// (harness.BackoffObservation.Judge).
func backoff(b client.Backoff, res *harness.Result, rel func(time.Time) float64) Backoff {
	cfg := b.WithDefaults()
	out := Backoff{
		Configured: BackoffConfig{BaseMS: MS(cfg.Base), CapMS: MS(cfg.Cap), Multiplier: cfg.Multiplier,
			Jitter: cfg.Jitter.String(), Fraction: cfg.Fraction},
		Violations: res.Summary.BackoffViolations,
	}
	for _, o := range res.Timing.Backoff {
		j := o.Judge(b)
		ob := BackoffObservation{Client: o.Client, AtMS: rel(o.At), Attempt: o.Attempt, ScheduledMS: MS(o.Scheduled),
			MinMS: MS(j.Lo), MaxMS: MS(j.Hi), RetryAfter: o.RetryAfter, InRange: j.InRange}
		if o.Observed >= 0 {
			v := MS(o.Observed)
			ob.ObservedMS = &v
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

// finite copies obs without NaN values, which JSON cannot carry: a metric
// the run could not measure is absent from the report's metrics.
func finite(obs slo.Observed) map[string]float64 {
	out := make(map[string]float64, len(obs))
	for k, v := range obs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

func optional(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func uptime(sum harness.Summary, up harness.UptimeFigures) Uptime {
	u := Uptime{IncludingOutages: sum.UptimeTotal, ExcludingOutages: sum.Uptime,
		ClientSeconds: up.ClientSeconds, ConnectedClientSeconds: up.ConnectedClientSeconds,
		Lower: optional(up.Lower), Upper: optional(up.Upper), Confidence: up.Confidence,
		IncludingLower: optional(up.TotalLower), IncludingUpper: optional(up.TotalUpper),
		Blocks: up.Blocks, BlockMS: up.BlockSeconds * 1000, Method: up.Method,
		Projected: optional(up.Projected), MeanRecoveryMS: MS(up.MeanRecovery)}
	if !math.IsNaN(up.FaultRate) {
		u.FaultRate = up.FaultRate
	}
	return u
}
