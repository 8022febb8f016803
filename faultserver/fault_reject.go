package faultserver

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// RejectSpec makes WebSocket handshakes (session and echo endpoints) fail
// with an HTTP status. Count > 0 rejects the next Count handshakes; For > 0
// rejects every handshake for that long; with both, whichever ends first
// ends the fault; with neither, it lasts until cleared.
type RejectSpec struct {
	Count int
	// For is how long the fault lasts.
	For time.Duration
	// Status is the HTTP status, 400-599. Default 503.
	Status int
	// RetryAfter, when > 0, is sent as a Retry-After header in whole
	// seconds, rounded up.
	RetryAfter time.Duration
}

// Validate checks r with the rules RejectHandshakes enforces (Status 0
// means 503).
func (r RejectSpec) Validate() error {
	_, err := r.withDefaults()
	return err
}

func (r RejectSpec) withDefaults() (RejectSpec, error) {
	if r.Status == 0 {
		r.Status = http.StatusServiceUnavailable
	}
	switch {
	case r.Status < 400 || r.Status > 599:
		return r, &SpecError{"reject", fmt.Sprintf("status %d outside 400-599", r.Status)}
	case r.Count < 0:
		return r, &SpecError{"reject", "count must not be negative"}
	case r.For < 0 || r.RetryAfter < 0:
		return r, &SpecError{"reject", "durations must not be negative"}
	}
	return r, nil
}

// rejectState is the active reject fault. Guarded by Server.mu.
type rejectState struct {
	active    bool
	spec      RejectSpec
	remaining int       // handshakes left to reject; 0 = no count limit
	until     time.Time // zero = no time limit
}

// takeLocked consumes one rejection if the fault is active at now.
func (r *rejectState) takeLocked(now time.Time) (RejectSpec, bool) {
	if !r.active {
		return RejectSpec{}, false
	}
	if !r.until.IsZero() && !now.Before(r.until) {
		r.active = false
		return RejectSpec{}, false
	}
	if r.spec.Count > 0 {
		r.remaining--
		if r.remaining == 0 {
			r.active = false
		}
	}
	return r.spec, true
}

// RejectHandshakes makes upcoming handshakes fail per spec, replacing any
// reject fault already active.
func (s *Server) RejectHandshakes(spec RejectSpec) error {
	spec, err := spec.withDefaults()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.faults.reject = rejectState{active: true, spec: spec, remaining: spec.Count}
	if spec.For > 0 {
		s.faults.reject.until = time.Now().Add(spec.For)
	}
	s.mu.Unlock()
	s.emit(Event{Kind: EventFault, Fault: "reject", Status: spec.Status, Count: spec.Count,
		Detail: fmt.Sprintf("for=%s retry_after=%s", spec.For, spec.RetryAfter)})
	return nil
}

type rejectRequest struct {
	Count      int      `json:"count"`
	For        Duration `json:"for"`
	Status     int      `json:"status"`
	RetryAfter Duration `json:"retry_after"`
}

var rejectFault = faultKind{
	name: "reject",
	apply: func(_ context.Context, s *Server, body []byte) (any, error) {
		var req rejectRequest
		if err := decodeStrict(body, &req); err != nil {
			return nil, err
		}
		return nil, s.RejectHandshakes(RejectSpec{Count: req.Count, For: time.Duration(req.For),
			Status: req.Status, RetryAfter: time.Duration(req.RetryAfter)})
	},
	clear: func(s *Server) {
		s.mu.Lock()
		s.faults.reject = rejectState{}
		s.mu.Unlock()
	},
	status: func(s *Server) any {
		s.mu.Lock()
		defer s.mu.Unlock()
		r := s.faults.reject
		if !r.active || (!r.until.IsZero() && !time.Now().Before(r.until)) {
			return nil
		}
		return map[string]any{"status": r.spec.Status, "remaining": r.remaining, "until": r.until,
			"retry_after": Duration(r.spec.RetryAfter)}
	},
}
