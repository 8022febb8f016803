package slo

import "sort"

// Kind says what a metric measures, which fixes the values it accepts.
type Kind int

// Metric kinds.
const (
	// Duration metrics are compared in seconds; thresholds are Go durations.
	Duration Kind = iota + 1
	// Ratio metrics lie in [0, 1]; thresholds are percentages or fractions.
	Ratio
	// Count metrics are non-negative integers.
	Count
)

// String names the kind as docs and reports spell it.
func (k Kind) String() string {
	switch k {
	case Duration:
		return "duration"
	case Ratio:
		return "ratio"
	case Count:
		return "count"
	}
	return "unknown"
}

// Metric is one entry of the catalogue an SLO expression may name.
type Metric struct {
	Name string
	Kind Kind
	Doc  string
}

// catalogue is the single list of metrics; docs/SCENARIO.md mirrors it and a
// test keeps the two in step.
var catalogue = []Metric{
	{"recovery_p50", Duration, "median time from the end of an injected fault to the client connected and re-attached"},
	{"recovery_p90", Duration, "90th percentile recovery time"},
	{"recovery_p99", Duration, "99th percentile recovery time"},
	{"recovery_max", Duration, "longest recovery time"},
	{"recoveries", Count, "number of recoveries measured"},
	{"unrecovered", Count, "clients still not connected when the run ended (failed clients excluded)"},
	{"uptime", Ratio, "connected client-seconds over client-seconds, injected outages excluded; compared with > or >= on its 95% lower bound"},
	{"uptime_total", Ratio, "connected client-seconds over client-seconds, injected outages included; compared with > or >= on its 95% lower bound"},
	{"uptime_lower", Ratio, "lower end of uptime's 95% confidence interval (batch means over time blocks); uptime >= X gates on it"},
	{"uptime_upper", Ratio, "upper end of uptime's 95% confidence interval; uptime <= X gates on it"},
	{"uptime_total_lower", Ratio, "lower end of uptime_total's 95% confidence interval; uptime_total >= X gates on it"},
	{"uptime_total_upper", Ratio, "upper end of uptime_total's 95% confidence interval; uptime_total <= X gates on it"},
	{"projected_uptime", Ratio, "a projection for short runs: 1 - disruptions per client-second x mean recovery time"},
	{"sent", Count, "messages published, both directions"},
	{"acked", Count, "messages the server acknowledged, both directions"},
	{"delivered", Count, "messages delivered, both directions"},
	{"lost", Count, "messages the system took on that vanished silently: never delivered, not handed back, not abandoned; both directions"},
	{"duplicated", Count, "messages delivered more than once, both directions"},
	{"reordered", Count, "messages delivered out of order within a channel, both directions"},
	{"unexpected", Count, "messages delivered that were never sent"},
	{"handed_back", Count, "undelivered messages returned to the caller on failed or closed"},
	{"abandoned", Count, "messages the server acked for a client that then failed or closed before getting them (after its last delivery)"},
	{"continuity_lost", Count, "explicit continuity-lost events (the server could not replay far enough)"},
	{"failed_clients", Count, "clients that ended in the failed state"},
	{"failed_ratio", Ratio, "failed clients over all clients"},
	{"connected_clients", Count, "clients connected when the run ended"},
	{"reconnects", Count, "successful reconnections, all clients"},
	{"attempts", Count, "dial attempts, all clients"},
	{"backoff_violations", Count, "observed reconnect delays outside the configured backoff envelope"},
	{"offered_ratio", Ratio, "publications the harness offered on time (held back by a full window included) over the nominal load, both directions"},
	{"offered_ratio_up", Ratio, "offered over nominal, client publications (up)"},
	{"offered_ratio_down", Ratio, "offered over nominal, the agent's publications (down)"},
	{"harness_events", Count, "the harness's own unexpected failures (agent disconnected, behind or killed as a slow consumer, offered load short); any makes the run inconclusive"},
}

var byName = func() map[string]Metric {
	m := make(map[string]Metric, len(catalogue))
	for _, x := range catalogue {
		m[x.Name] = x
	}
	return m
}()

// Lookup returns the metric called name.
func Lookup(name string) (Metric, bool) {
	m, ok := byName[name]
	return m, ok
}

// Metrics returns the catalogue sorted by name; the slice is a copy.
func Metrics() []Metric {
	out := append([]Metric(nil), catalogue...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// MetricNames returns every metric name, sorted.
func MetricNames() []string {
	ms := Metrics()
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}
