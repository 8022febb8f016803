package shard

import (
	"errors"
	"fmt"
	"time"
)

// Harness is a shard's own side of its run (partial format 2): whether its
// harness failed, what happened to it, the load it offered, and the
// messages judged apart because its agent failed. The merge needs it to
// give the verdict `wschaos run` gives: a shard whose harness failed makes
// the whole run inconclusive.
type Harness struct {
	// Inconclusive is true when an unexpected harness event occurred in the
	// shard: its verdict on the system does not stand.
	Inconclusive bool `json:"inconclusive"`
	// Events are the shard's harness events (agent disruptions, shortfalls).
	Events []HarnessEvent `json:"events"`
	// Up and Down are the load the shard's pacer offered per direction.
	Up   OfferedLoad `json:"offered_up"`
	Down OfferedLoad `json:"offered_down"`
	// Unverified, when set, counts the messages of the shard's agent's
	// queues judged apart (neither in Up/Down nor in lost).
	Unverified *Counters `json:"unverified,omitempty"`
}

// HarnessEvent is one harness event; At is its offset from the shard's
// run start.
type HarnessEvent struct {
	At       time.Duration `json:"at_ns"`
	Kind     string        `json:"kind"`
	Detail   string        `json:"detail,omitempty"`
	Count    int64         `json:"count,omitempty"`
	Expected bool          `json:"expected"`
}

// OfferedLoad is one direction's offered load against the nominal
// (harness.OfferedLoad, as counts that sum across shards).
type OfferedLoad struct {
	Nominal  int64 `json:"nominal"`
	Offered  int64 `json:"offered"`
	HeldBack int64 `json:"held_back"`
	Skipped  int64 `json:"skipped"`
}

// Add returns the field-wise sum.
func (l OfferedLoad) Add(o OfferedLoad) OfferedLoad {
	return OfferedLoad{Nominal: l.Nominal + o.Nominal, Offered: l.Offered + o.Offered,
		HeldBack: l.HeldBack + o.HeldBack, Skipped: l.Skipped + o.Skipped}
}

// Ratio is (Offered + HeldBack) / Nominal, 1 when nothing was due: the
// offered_ratio metric, which merges as this ratio of sums.
func (l OfferedLoad) Ratio() float64 {
	if l.Nominal <= 0 {
		return 1
	}
	return float64(l.Offered+l.HeldBack) / float64(l.Nominal)
}

// Unexpected counts the events that made the shard inconclusive (the
// harness_events metric).
func (h *Harness) Unexpected() int64 {
	if h == nil {
		return 0
	}
	var n int64
	for _, e := range h.Events {
		if !e.Expected {
			n++
		}
	}
	return n
}

func (h *Harness) validate() error {
	if h == nil {
		return errors.New("partial without its harness section")
	}
	for _, l := range []OfferedLoad{h.Up, h.Down} {
		if min(l.Nominal, l.Offered, l.HeldBack, l.Skipped) < 0 {
			return errors.New("partial with a negative offered load")
		}
	}
	for _, e := range h.Events {
		if e.Kind == "" || e.Count < 0 {
			return fmt.Errorf("partial with a harness event of kind %q, count %d", e.Kind, e.Count)
		}
	}
	if u := h.Unverified; u != nil && min(u.Sent, u.Acked, u.Delivered, u.Lost, u.Duplicated, u.Reordered, u.Unexpected, u.Abandoned, u.HandedBack) < 0 {
		return errors.New("partial with a negative unverified count")
	}
	if !h.Inconclusive && h.Unexpected() > 0 {
		return errors.New("partial with unexpected harness events but not inconclusive")
	}
	return nil
}
