package shard

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Partial is one shard's result: enough to merge exactly and to judge the
// SLOs over all shards, and no per-message data, so its size does not grow
// with the load.
type Partial struct {
	// RunID names the run every shard belongs to (see [RunID]).
	RunID string `json:"run_id"`
	// Scenario names the scenario and the exact version that ran.
	Scenario ScenarioRef `json:"scenario"`
	// Meta is what the merged report says about the run: the same in every
	// shard of it (the scenario hash covers the SLOs).
	Meta Meta `json:"meta"`
	// Seed is the run seed (not the shard's derived seed).
	Seed uint64 `json:"seed"`
	// Shard is i/n.
	Shard Spec `json:"shard"`
	// Clients is the shard's client index range of the plan, [Lo, Hi).
	Clients Range `json:"clients"`
	// Start is the coordinated start instant; End is when the shard finished.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Up counts client-to-server messages, Down server-to-client ones.
	Up   Counters `json:"up"`
	Down Counters `json:"down"`
	// Connection figures, summed over the shard's clients.
	Recoveries       int64 `json:"recoveries"`
	Unrecovered      int64 `json:"unrecovered"`
	FailedClients    int64 `json:"failed_clients"`
	ConnectedClients int64 `json:"connected_clients"`
	Reconnects       int64 `json:"reconnects"`
	Attempts         int64 `json:"attempts"`
	// ContinuityLost counts history gaps clients were told of on resume;
	// BackoffViolations reconnect delays outside the configured backoff.
	ContinuityLost    int64 `json:"continuity_lost"`
	BackoffViolations int64 `json:"backoff_violations"`
	// Uptime as time sums, so shards merge exactly: Connected out of
	// Observed, both outside injected outages.
	ConnectedTime time.Duration `json:"connected_ns"`
	ObservedTime  time.Duration `json:"observed_ns"`
	// ConnectedTotal is connected time including injected outages, out of
	// ObservedTotal.
	ConnectedTotal time.Duration `json:"connected_total_ns"`
	ObservedTotal  time.Duration `json:"observed_total_ns"`
	// Offered and Nominal are messages sent against messages the plan meant
	// this shard to send: a shortfall is the harness's, not the system's.
	Offered int64 `json:"offered"`
	Nominal int64 `json:"nominal"`
	// HarnessErrors are the run's errors (a fault that failed to apply, a
	// stack that failed to close); never counted as the system's loss.
	HarnessErrors []string `json:"harness_errors,omitempty"`
	// Harness is the harness's own side (format 2; required): an
	// inconclusive shard makes the merged run inconclusive.
	Harness *Harness `json:"harness"`
	// Recovery holds recovery times (fault end to connected and re-attached);
	// Latency holds send-to-delivery latencies. Both may be empty.
	Recovery *Sketch `json:"recovery"`
	Latency  *Sketch `json:"latency"`
	// Faults is the shard's fault log (steps, not per-message data).
	Faults []FaultRecord `json:"faults,omitempty"`
	// ServerEvents are the fault server's fault-level events (faults set
	// and cleared, restarts), from the shard that drove server faults;
	// ServerEventCounts counts every event of the run by kind.
	ServerEvents      []ServerEvent    `json:"server_events,omitempty"`
	ServerEventCounts map[string]int64 `json:"server_event_counts,omitempty"`
}

// FaultRecord is one timeline step as a shard applied it. Start and End
// are offsets from the shard's Start.
type FaultRecord struct {
	Step        int           `json:"step"`
	Kind        string        `json:"kind"`
	Description string        `json:"description"`
	Network     bool          `json:"network"`
	Start       time.Duration `json:"start_ns"`
	End         time.Duration `json:"end_ns"`
	Error       string        `json:"error,omitempty"`
}

// ServerEvent is one fault server event, as the admin API reports it.
type ServerEvent struct {
	ID     uint64    `json:"id"`
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`
	Fault  string    `json:"fault,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// Meta describes the run for the merged report: the scenario's words, the
// whole plan's size, where the server ran, and the SLO expressions the merge
// evaluates (so `wschaos merge` needs nothing but the partials).
type Meta struct {
	Description string        `json:"description,omitempty"`
	Source      string        `json:"source,omitempty"`
	Short       bool          `json:"short,omitempty"`
	Planned     time.Duration `json:"planned_ns"`
	Clients     int           `json:"clients"`
	Channels    int           `json:"channels"`
	StackMode   string        `json:"stack_mode,omitempty"`
	Target      string        `json:"target,omitempty"`
	TargetAdmin string        `json:"target_admin,omitempty"`
	Toxiproxy   string        `json:"toxiproxy,omitempty"`
	Proxy       string        `json:"proxy,omitempty"`
	SLOs        []string      `json:"slos"`
}

// ScenarioRef names a scenario version: its name and the SHA-256 of the
// file's bytes, so an edited file never merges with the old one.
type ScenarioRef struct {
	Name string `json:"name"`
	Hash string `json:"sha256"`
}

// ScenarioHash returns the hex SHA-256 of a scenario file's content.
func ScenarioHash(content []byte) string {
	h := sha256.Sum256(content)
	return hex.EncodeToString(h[:])
}

// Counters are one direction's message verdict, as the checker counts it.
type Counters struct {
	Sent       int64 `json:"sent"`
	Acked      int64 `json:"acked"`
	Delivered  int64 `json:"delivered"`
	Lost       int64 `json:"lost"`
	Duplicated int64 `json:"duplicated"`
	Reordered  int64 `json:"reordered"`
	Unexpected int64 `json:"unexpected"`
	Abandoned  int64 `json:"abandoned"`
	HandedBack int64 `json:"handed_back"`
}

// Add returns the field-wise sum.
func (c Counters) Add(o Counters) Counters {
	return Counters{
		Sent: c.Sent + o.Sent, Acked: c.Acked + o.Acked, Delivered: c.Delivered + o.Delivered,
		Lost: c.Lost + o.Lost, Duplicated: c.Duplicated + o.Duplicated, Reordered: c.Reordered + o.Reordered,
		Unexpected: c.Unexpected + o.Unexpected, Abandoned: c.Abandoned + o.Abandoned, HandedBack: c.HandedBack + o.HandedBack,
	}
}

// NewPartial returns a Partial for shard s of a run with empty sketches.
func NewPartial(runID string, sc ScenarioRef, seed uint64, s Spec, clients Range, start time.Time) *Partial {
	return &Partial{
		RunID: runID, Scenario: sc, Seed: seed, Shard: s, Clients: clients, Start: start,
		Recovery: NewSketch(), Latency: NewSketch(), Harness: &Harness{Events: []HarnessEvent{}},
	}
}

// Validate reports a partial no shard could have written: no run id or
// scenario, an invalid spec, a reversed client range, negative counts.
func (p *Partial) Validate() error {
	switch {
	case p.RunID == "":
		return errors.New("partial without run_id")
	case p.Scenario.Name == "" || p.Scenario.Hash == "":
		return errors.New("partial without scenario name and sha256")
	case p.Clients.Lo < 0 || p.Clients.Hi < p.Clients.Lo:
		return fmt.Errorf("partial with client range [%d,%d)", p.Clients.Lo, p.Clients.Hi)
	}
	if err := p.Shard.Validate(); err != nil {
		return err
	}
	for _, c := range []Counters{p.Up, p.Down} {
		if min(c.Sent, c.Acked, c.Delivered, c.Lost, c.Duplicated, c.Reordered, c.Unexpected, c.Abandoned, c.HandedBack) < 0 {
			return errors.New("partial with a negative message count")
		}
	}
	if min(p.Recoveries, p.Unrecovered, p.FailedClients, p.ConnectedClients, p.Reconnects, p.Offered, p.Nominal,
		p.Attempts, p.ContinuityLost, p.BackoffViolations,
		int64(p.ConnectedTime), int64(p.ObservedTime), int64(p.ConnectedTotal), int64(p.ObservedTotal)) < 0 {
		return errors.New("partial with a negative count or duration")
	}
	return p.Harness.validate()
}
