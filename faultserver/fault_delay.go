package faultserver

import (
	"context"
	"fmt"
	"time"
)

// DelaySpec holds WebSocket handshakes (session and echo endpoints) for
// Delay before answering them. Count > 0 delays the next Count handshakes;
// For > 0 delays every handshake for that long; with both, whichever ends
// first ends the fault; with neither, it lasts until cleared.
type DelaySpec struct {
	Delay time.Duration
	Count int
	For   time.Duration
}

// Validate checks spec with the rules DelayHandshakes enforces.
func (spec DelaySpec) Validate() error {
	switch {
	case spec.Delay <= 0:
		return &SpecError{FaultDelayHandshake, "delay must be positive"}
	case spec.Count < 0 || spec.For < 0:
		return &SpecError{FaultDelayHandshake, "count and for must not be negative"}
	}
	return nil
}

// delayState is the active delay fault. Guarded by Server.mu.
type delayState struct {
	active    bool
	spec      DelaySpec
	remaining int
	until     time.Time
}

// takeLocked consumes one delay if the fault is active at now.
func (d *delayState) takeLocked(now time.Time) time.Duration {
	if !d.active {
		return 0
	}
	if !d.until.IsZero() && !now.Before(d.until) {
		d.active = false
		return 0
	}
	if d.spec.Count > 0 {
		d.remaining--
		if d.remaining == 0 {
			d.active = false
		}
	}
	return d.spec.Delay
}

// DelayHandshakes delays upcoming handshakes per spec, replacing any delay
// fault already active. A handshake is answered (delay, then any reject
// fault, then the upgrade) after its delay even if the fault is cleared.
func (s *Server) DelayHandshakes(spec DelaySpec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	s.faults.delay = delayState{active: true, spec: spec, remaining: spec.Count}
	if spec.For > 0 {
		s.faults.delay.until = time.Now().Add(spec.For)
	}
	s.mu.Unlock()
	s.emit(Event{Kind: EventFault, Fault: FaultDelayHandshake, Count: spec.Count,
		Detail: fmt.Sprintf("delay=%s for=%s", spec.Delay, spec.For)})
	return nil
}

type delayRequest struct {
	Delay Duration `json:"delay"`
	Count int      `json:"count"`
	For   Duration `json:"for"`
}

var delayFault = faultKind{
	name:    FaultDelayHandshake,
	aliases: []string{"delay"},
	apply: func(_ context.Context, s *Server, body []byte) (any, error) {
		var req delayRequest
		if err := decodeStrict(body, &req); err != nil {
			return nil, err
		}
		return nil, s.DelayHandshakes(DelaySpec{Delay: time.Duration(req.Delay), Count: req.Count, For: time.Duration(req.For)})
	},
	clear: func(s *Server) {
		s.mu.Lock()
		s.faults.delay = delayState{}
		s.mu.Unlock()
	},
	status: func(s *Server) any {
		s.mu.Lock()
		defer s.mu.Unlock()
		d := s.faults.delay
		if !d.active || (!d.until.IsZero() && !time.Now().Before(d.until)) {
			return nil
		}
		return map[string]any{"delay": Duration(d.spec.Delay), "remaining": d.remaining, "until": d.until}
	},
}
