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
	// Uptime as time sums, so shards merge exactly: Connected out of
	// Observed, both outside injected outages.
	ConnectedTime time.Duration `json:"connected_ns"`
	ObservedTime  time.Duration `json:"observed_ns"`
	// Offered and Nominal are messages sent against messages the plan meant
	// this shard to send: a shortfall is the harness's, not the system's.
	Offered int64 `json:"offered"`
	Nominal int64 `json:"nominal"`
	// HarnessErrors are the harness's own failures (its agent disconnected,
	// a fault that failed to apply); never counted as the system's loss.
	HarnessErrors []string `json:"harness_errors,omitempty"`
	// Recovery holds recovery times (fault end to connected and re-attached);
	// Latency holds send-to-delivery latencies. Both may be empty.
	Recovery *Sketch `json:"recovery"`
	Latency  *Sketch `json:"latency"`
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
}

// Add returns the field-wise sum.
func (c Counters) Add(o Counters) Counters {
	return Counters{
		Sent: c.Sent + o.Sent, Acked: c.Acked + o.Acked, Delivered: c.Delivered + o.Delivered,
		Lost: c.Lost + o.Lost, Duplicated: c.Duplicated + o.Duplicated, Reordered: c.Reordered + o.Reordered,
		Unexpected: c.Unexpected + o.Unexpected, Abandoned: c.Abandoned + o.Abandoned,
	}
}

// NewPartial returns a Partial for shard s of a run with empty sketches.
func NewPartial(runID string, sc ScenarioRef, seed uint64, s Spec, clients Range, start time.Time) *Partial {
	return &Partial{
		RunID: runID, Scenario: sc, Seed: seed, Shard: s, Clients: clients, Start: start,
		Recovery: NewSketch(), Latency: NewSketch(),
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
		if min(c.Sent, c.Acked, c.Delivered, c.Lost, c.Duplicated, c.Reordered, c.Unexpected, c.Abandoned) < 0 {
			return errors.New("partial with a negative message count")
		}
	}
	if min(p.Recoveries, p.Unrecovered, p.FailedClients, p.ConnectedClients, p.Reconnects, p.Offered, p.Nominal,
		int64(p.ConnectedTime), int64(p.ObservedTime)) < 0 {
		return errors.New("partial with a negative count or duration")
	}
	return nil
}
