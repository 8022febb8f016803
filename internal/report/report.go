package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// SchemaVersion is the version of the JSON schema below. It changes only on
// an incompatible change (a field removed, renamed or re-typed); new fields
// may appear within a version. docs/REPORT.md has the history.
const SchemaVersion = 1

// Report is the outcome of one run. Times inside the run are milliseconds
// from Start ("_ms" fields), so a report reads the same wherever it is
// opened; Start and End are absolute, RFC 3339 with nanoseconds.
type Report struct {
	SchemaVersion int          `json:"schema_version"`
	Tool          Tool         `json:"tool"`
	Scenario      ScenarioInfo `json:"scenario"`
	Stack         StackInfo    `json:"stack"`
	Start         time.Time    `json:"start"`
	End           time.Time    `json:"end"`
	DurationMS    float64      `json:"duration_ms"`
	// Pass is true when every SLO held (and the harness did not fail).
	Pass bool `json:"pass"`
	// Verdict is "pass", "fail" or "inconclusive" (the harness failed: see
	// Harness).
	Verdict string      `json:"verdict"`
	SLOs    []SLOResult `json:"slos"`
	// Harness is the harness's own side: offered load and its failures.
	Harness Harness `json:"harness"`
	// Metrics holds every metric SLOs can name, in its unit (seconds,
	// fraction, count), whether or not an SLO used it.
	Metrics  map[string]float64 `json:"metrics"`
	Messages Messages           `json:"messages"`
	Recovery Recovery           `json:"recovery"`
	Uptime   Uptime             `json:"uptime"`
	Clients  []Client           `json:"clients"`
	Faults   []Fault            `json:"faults"`
	Backoff  Backoff            `json:"backoff"`
	// Scale holds the population-wide views (state counts over time,
	// recovery per fault, the recovery histogram) and, for a run of more
	// than Scale.Threshold clients, what the lists above left out.
	Scale Scale `json:"scale"`
	// Errors lists problems the run met that did not stop it (a fault that
	// could not be applied, say). Empty on a clean run; any error fails it.
	Errors []string `json:"errors"`
	// Shards is the per-shard breakdown of a merged sharded run (`wschaos
	// merge`); ServerEvents the fault server's event log when the run could
	// read it (a target's admin API). Absent otherwise.
	Shards       *ShardBreakdown `json:"shards,omitempty"`
	ServerEvents *ServerEventLog `json:"server_events,omitempty"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ScenarioInfo describes what ran.
type ScenarioInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Source is the scenario file's path, or "builtin:NAME".
	Source string `json:"source"`
	// Short is true when --short scaled the scenario down.
	Short bool `json:"short"`
	// Seed is the seed the run used; rerun with --seed to repeat it.
	Seed uint64 `json:"seed"`
	// PlannedMS is the scenario's run length (after --short scaling).
	PlannedMS float64 `json:"planned_ms"`
	Clients   int     `json:"clients"`
	Channels  int     `json:"channels"`
}

// StackInfo says where the server under test ran.
type StackInfo struct {
	// Mode is "embedded" or "external".
	Mode string `json:"mode"`
	// Target is the WebSocket URL the clients dialled (through Toxiproxy).
	Target string `json:"target"`
	// Toxiproxy is the Toxiproxy API URL; Proxy the proxy's name.
	Toxiproxy string `json:"toxiproxy"`
	Proxy     string `json:"proxy"`
}

// SLOResult is one objective's verdict.
type SLOResult struct {
	// Name is the expression as written, e.g. "recovery_p99 < 30s".
	Name   string `json:"name"`
	Metric string `json:"metric"`
	Op     string `json:"op"`
	// Threshold is the right-hand side as written; ThresholdValue the same
	// in the metric's Unit.
	Threshold      string  `json:"threshold"`
	ThresholdValue float64 `json:"threshold_value"`
	// Unit is "seconds", "ratio" or "count".
	Unit string `json:"unit"`
	// Observed is the measured value in Unit; null when the run could not
	// measure it (which fails the SLO).
	Observed     *float64 `json:"observed"`
	ObservedText string   `json:"observed_text"`
	Pass         bool     `json:"pass"`
	// GatedOn names the metric the threshold was compared with when it is
	// not Metric itself: a confidence bound ("uptime >= 99.9%" compares
	// uptime_lower; see docs/SCENARIO.md). Absent otherwise.
	GatedOn string `json:"gated_on,omitempty"`
	// Compared is GatedOn's value, the one the threshold was compared with
	// (absent with GatedOn).
	Compared *float64 `json:"compared,omitempty"`
}

// Messages counts messages per direction: "up" is client to server, "down"
// server to client.
type Messages struct {
	Up   DirectionCounts `json:"up"`
	Down DirectionCounts `json:"down"`
}

// DirectionCounts are the checker's counts for one direction. Every sent
// message is exactly one of delivered, handed back, abandoned or lost.
type DirectionCounts struct {
	Sent int `json:"sent"`
	// Acked counts sent messages the server acknowledged. It is a pointer
	// for compatibility: reports written before acks were recorded have null.
	Acked     *int `json:"acked"`
	Delivered int  `json:"delivered"`
	// Lost are messages the system took on that vanished silently: acked
	// and never delivered to a receiver that was still live, or unacked and
	// neither delivered nor handed back.
	Lost       int `json:"lost"`
	Duplicated int `json:"duplicated"`
	Reordered  int `json:"reordered"`
	Unexpected int `json:"unexpected"`
	// HandedBack were returned undelivered to the caller (failed/closed).
	HandedBack int `json:"handed_back"`
	// Abandoned were acked by the server for a receiving client that then
	// failed or closed (within the run) before getting them: the client said
	// so by ending. Not lost. Always 0 upstream (the server never ends).
	Abandoned int `json:"abandoned"`
	// SendFailed were refused by the sender at once (an error from Publish).
	SendFailed int `json:"send_failed"`
}

// Recovery summarises how long clients took to recover after faults ended.
type Recovery struct {
	Count int `json:"count"`
	// Unrecovered counts clients still disrupted when the run ended.
	Unrecovered int              `json:"unrecovered"`
	P50MS       float64          `json:"p50_ms"`
	P90MS       float64          `json:"p90_ms"`
	P99MS       float64          `json:"p99_ms"`
	MaxMS       float64          `json:"max_ms"`
	MeanMS      float64          `json:"mean_ms"`
	Samples     []RecoverySample `json:"samples"`
}

// RecoverySample is one client's recovery from one fault.
type RecoverySample struct {
	Client int    `json:"client"`
	Step   int    `json:"step"`
	Fault  string `json:"fault"`
	// FaultEndMS is when the fault ended; ConnectedMS and ReattachedMS are
	// the times from then to connected, and to every channel re-attached.
	FaultEndMS   float64 `json:"fault_end_ms"`
	ConnectedMS  float64 `json:"connected_ms"`
	ReattachedMS float64 `json:"reattached_ms"`
}

// Uptime is connected client-seconds over client-seconds (equal to the
// clients' mean uptime, since every client spans the run), with a 95 %
// confidence interval for ExcludingOutages and a projection for short runs.
// harness.UptimeFigures documents the method; docs/SOAK.md explains it.
type Uptime struct {
	IncludingOutages float64 `json:"including_outages"`
	ExcludingOutages float64 `json:"excluding_outages"`
	// ClientSeconds and ConnectedClientSeconds are the counts behind
	// ExcludingOutages (outage windows left out of both).
	ClientSeconds          float64 `json:"client_seconds"`
	ConnectedClientSeconds float64 `json:"connected_client_seconds"`
	// Lower and Upper bound ExcludingOutages at Confidence; null when the
	// run was too short for an interval (fewer than two blocks).
	Lower      *float64 `json:"lower"`
	Upper      *float64 `json:"upper"`
	Confidence float64  `json:"confidence"`
	// IncludingLower and IncludingUpper bound IncludingOutages likewise.
	IncludingLower *float64 `json:"including_outages_lower"`
	IncludingUpper *float64 `json:"including_outages_upper"`
	// Blocks and BlockMS describe the time blocks of the batch-means
	// interval; Method names it.
	Blocks  int     `json:"blocks"`
	BlockMS float64 `json:"block_ms"`
	Method  string  `json:"method"`
	// Projected is a projection, not a measurement: 1 - FaultRate x
	// MeanRecoveryMS, with FaultRate the disruptions per client-second.
	Projected      *float64 `json:"projected"`
	FaultRate      float64  `json:"fault_rate"`
	MeanRecoveryMS float64  `json:"mean_recovery_ms"`
}

// Client is one client's story.
type Client struct {
	ID int `json:"id"`
	// Attempts counts dials; Reconnects successful connections after the
	// first; Disconnects connections lost.
	Attempts    int    `json:"attempts"`
	Reconnects  int    `json:"reconnects"`
	Disconnects int    `json:"disconnects"`
	FinalState  string `json:"final_state"`
	// Uptime is this client's connected time over the run.
	Uptime float64 `json:"uptime"`
	// RecoveryMaxMS is its slowest recovery (0 if none was measured).
	RecoveryMaxMS float64 `json:"recovery_max_ms"`
	States        []Span  `json:"states"`
}

// Span is one interval a client spent in a state.
type Span struct {
	State   string  `json:"state"`
	StartMS float64 `json:"start_ms"`
	EndMS   float64 `json:"end_ms"`
}

// Fault is one entry of the fault log: what was injected, when.
type Fault struct {
	Step int    `json:"step"`
	Kind string `json:"kind"`
	// Description is a one-line summary, e.g. "latency 200ms±50ms".
	Description string `json:"description"`
	// Network is true for toxics, false for fault-server actions.
	Network bool    `json:"network"`
	StartMS float64 `json:"start_ms"`
	// EndMS equals StartMS for instant faults.
	EndMS float64 `json:"end_ms"`
	Error string  `json:"error,omitempty"`
}

// Backoff compares observed reconnect delays with the configured schedule.
type Backoff struct {
	Configured   BackoffConfig        `json:"configured"`
	Observations []BackoffObservation `json:"observations"`
	// Violations counts observations outside the configured distribution.
	Violations int `json:"violations"`
}

// BackoffConfig is the client's backoff setting, defaults applied.
type BackoffConfig struct {
	BaseMS     float64 `json:"base_ms"`
	CapMS      float64 `json:"cap_ms"`
	Multiplier float64 `json:"multiplier"`
	Jitter     string  `json:"jitter"`
	Fraction   float64 `json:"fraction"`
}

// BackoffObservation is one reconnect delay: the one the client scheduled,
// the one observed until its next dial, and the range the configured
// distribution allows for that attempt.
type BackoffObservation struct {
	Client      int     `json:"client"`
	AtMS        float64 `json:"at_ms"`
	Attempt     int     `json:"attempt"`
	ScheduledMS float64 `json:"scheduled_ms"`
	// ObservedMS is null when no dial followed (the run ended).
	ObservedMS *float64 `json:"observed_ms"`
	MinMS      float64  `json:"min_ms"`
	MaxMS      float64  `json:"max_ms"`
	// RetryAfter is true when a server's Retry-After set the delay.
	RetryAfter bool `json:"retry_after"`
	InRange    bool `json:"in_range"`
}

// Finish fills the derived fields: schema version, duration, and Pass from
// the SLO verdicts. Call it once everything else is set.
func (r *Report) Finish() {
	r.SchemaVersion = SchemaVersion
	r.DurationMS = MS(r.End.Sub(r.Start))
	// A run with errors did not replay the scenario as written: it cannot
	// pass, whatever its SLOs say.
	r.Pass = len(r.SLOs) > 0 && len(r.Errors) == 0
	for _, s := range r.SLOs {
		r.Pass = r.Pass && s.Pass
	}
	r.Pass = r.Pass && !r.Harness.Inconclusive
	r.Verdict = r.verdict()
	if r.Harness.Events == nil {
		r.Harness.Events = []HarnessEvent{}
	}
	if r.Metrics == nil {
		r.Metrics = map[string]float64{}
	}
	// Empty lists serialise as [] rather than null, so consumers need no
	// special case.
	if r.SLOs == nil {
		r.SLOs = []SLOResult{}
	}
	if r.Clients == nil {
		r.Clients = []Client{}
	}
	if r.Faults == nil {
		r.Faults = []Fault{}
	}
	if r.Recovery.Samples == nil {
		r.Recovery.Samples = []RecoverySample{}
	}
	if r.Backoff.Observations == nil {
		r.Backoff.Observations = []BackoffObservation{}
	}
	if r.Errors == nil {
		r.Errors = []string{}
	}
	if r.Scale.FinalStates == nil {
		r.Scale.FinalStates = map[string]int{}
	}
	if r.Scale.States == nil {
		r.Scale.States = []StateBucket{}
	}
	if r.Scale.RecoveryByFault == nil {
		r.Scale.RecoveryByFault = []FaultRecovery{}
	}
	if r.Scale.RecoveryHistogram == nil {
		r.Scale.RecoveryHistogram = []HistogramBin{}
	}
}

// MS converts a duration to float milliseconds, rounded to microseconds.
func MS(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond)) / float64(time.Millisecond)
}

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report: failed to write JSON: %w", err)
	}
	return nil
}

// Count formats an optional count for tables: "-" when absent.
func Count(n *int) string {
	if n == nil {
		return "-"
	}
	return strconv.Itoa(*n)
}
