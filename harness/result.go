package harness

import (
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness/history"
	"github.com/wschaos/wschaos/harness/stats"
)

// Result is everything a run measured. Its JSON form is the raw material of
// the CLI's report.
type Result struct {
	Name string `json:"name"`
	// Start and End bound the measured window: from the moment every client
	// was connected and attached to the end of the drain.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Summary holds the flat figures SLO expressions name.
	Summary Summary `json:"summary"`
	// Messages is the total-queue verdict per direction, channel, receiver.
	Messages MessageReport `json:"messages"`
	// Timing holds recovery samples, uptime, state timelines and backoff
	// observations.
	Timing TimingReport `json:"timing"`
	// Clients is per-client detail.
	Clients []ClientResult `json:"clients"`
	// Faults is the fault log: every fault applied, with the toxics added.
	Faults []FaultEntry `json:"faults"`
	// ServerEvents is the fault server's event log for the run.
	ServerEvents []faultserver.Event `json:"server_events,omitempty"`
	// Offered is the load the pacer offered per direction against the
	// nominal load.
	Offered Offered `json:"offered"`
	// Harness is the harness's own side: its agent's disruptions and its
	// shortfalls, reported apart. Harness.Inconclusive means the run says
	// nothing about the system (see [Result.Inconclusive]).
	Harness HarnessReport `json:"harness"`
	// Errors are problems of the run itself (a fault that failed to apply,
	// a client that could not be created); an empty list means a clean run.
	Errors []string `json:"errors,omitempty"`
	// Records are the raw observations (only with RunOptions.KeepRecords).
	Records []Record `json:"records,omitempty"`
}

// Summary is the flat set of figures an SLO may name. Durations are in the
// JSON as nanoseconds.
type Summary struct {
	RecoveryP50 time.Duration `json:"recovery_p50"`
	RecoveryP90 time.Duration `json:"recovery_p90"`
	RecoveryP99 time.Duration `json:"recovery_p99"`
	RecoveryMax time.Duration `json:"recovery_max"`
	Recoveries  int           `json:"recoveries"`
	Unrecovered int           `json:"unrecovered"`
	// Uptime excludes injected outages; UptimeTotal includes them.
	Uptime      float64 `json:"uptime"`
	UptimeTotal float64 `json:"uptime_total"`

	// Message counts, both directions (see MessageCounts for what each means).
	Sent           int `json:"sent"`
	Acked          int `json:"acked"`
	Delivered      int `json:"delivered"`
	Lost           int `json:"lost"`
	Duplicated     int `json:"duplicated"`
	Reordered      int `json:"reordered"`
	Unexpected     int `json:"unexpected"`
	HandedBack     int `json:"handed_back"`
	Abandoned      int `json:"abandoned"`
	ContinuityLost int `json:"continuity_lost"`

	FailedClients    int     `json:"failed_clients"`
	FailedRatio      float64 `json:"failed_ratio"`
	ConnectedClients int     `json:"connected_clients"`
	Reconnects       int     `json:"reconnects"`
	Attempts         int     `json:"attempts"`
	// BackoffViolations counts reconnect delays outside the configured
	// distribution's support: scheduled ones off it, or observed ones more
	// than BackoffSlack past it (or earlier than scheduled).
	BackoffViolations int `json:"backoff_violations"`

	// OfferedRatio is the load offered (held back by a full window
	// included) over the nominal load, both directions; OfferedRatioUp and
	// OfferedRatioDown one direction each (see [OfferedLoad]).
	OfferedRatio     float64 `json:"offered_ratio"`
	OfferedRatioUp   float64 `json:"offered_ratio_up"`
	OfferedRatioDown float64 `json:"offered_ratio_down"`
	// HarnessEvents counts the harness's own unexpected failures; any makes
	// the run inconclusive.
	HarnessEvents int `json:"harness_events"`
}

// BackoffSlack is [history.BackoffSlack], kept under its older name.
const BackoffSlack = history.BackoffSlack

// ClientResult is one load client's outcome.
type ClientResult struct {
	Index int `json:"index"`
	// Channels are the channels the client attached, named
	// "<run id>.c<index>.<k>" (the run id is random per run).
	Channels []string `json:"channels"`
	// Sessions lists the server session ids the client held, in order (more
	// than one means resyncs).
	Sessions   []string `json:"sessions"`
	Resumes    int      `json:"resumes"`
	Resyncs    int      `json:"resyncs"`
	Attempts   int      `json:"attempts"`
	Reconnects int      `json:"reconnects"`
	FinalState string   `json:"final_state"`
	Err        string   `json:"err,omitempty"`
	// Published counts accepted publishes; Undelivered those handed back
	// (failed publications) when the client failed or closed.
	Published      int `json:"published"`
	Undelivered    int `json:"undelivered"`
	Delivered      int `json:"delivered"`
	ContinuityLost int `json:"continuity_lost"`
}

// summarize fills the flat summary.
func summarize(r *Result) {
	s := &r.Summary
	rec := make([]time.Duration, len(r.Timing.Recovery))
	for i, x := range r.Timing.Recovery {
		rec[i] = x.Reattached
	}
	sum := stats.Summarize(rec)
	s.RecoveryP50, s.RecoveryP90, s.RecoveryP99, s.RecoveryMax = sum.P50, sum.P90, sum.P99, sum.Max
	s.Recoveries = sum.N
	s.Unrecovered = r.Timing.Unrecovered
	s.Uptime, s.UptimeTotal = r.Timing.UptimeExclOutages, r.Timing.Uptime
	t := r.Messages.Total
	s.Sent, s.Delivered, s.Lost, s.Duplicated = t.Sent, t.Delivered, t.Lost, t.Duplicated
	s.Reordered, s.Unexpected, s.HandedBack = t.Reordered, t.Unexpected, t.HandedBack
	s.Acked, s.Abandoned = t.Acked, t.Abandoned
	for _, c := range r.Clients {
		s.ContinuityLost += c.ContinuityLost
		s.Attempts += c.Attempts
		s.Reconnects += c.Reconnects
		switch c.FinalState {
		case client.StateFailed.String():
			s.FailedClients++
		case client.StateConnected.String():
			s.ConnectedClients++
		}
	}
	s.OfferedRatio, s.OfferedRatioUp, s.OfferedRatioDown = r.Offered.Ratio(), r.Offered.Up.ratio(), r.Offered.Down.ratio()
	for _, e := range r.Harness.Events {
		if !e.Expected {
			s.HarnessEvents++
		}
	}
	if len(r.Clients) > 0 {
		s.FailedRatio = float64(s.FailedClients) / float64(len(r.Clients))
	}
}
