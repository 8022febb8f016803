package faultserver

import (
	"context"
	"time"
)

// StallSpec stalls connections: the server stops reading, writing and
// answering pings on them, so to the peer they look half-open (TCP stays
// up, nothing moves). Connections opened later are not affected.
type StallSpec struct {
	Selector
	// For is how long the stall lasts; 0 means until cleared.
	For time.Duration
}

// Validate checks spec with the rules Stall enforces.
func (spec StallSpec) Validate() error {
	if err := spec.Selector.validate("stall"); err != nil {
		return err
	}
	if spec.For < 0 {
		return &SpecError{"stall", "for must not be negative"}
	}
	return nil
}

// Stall stalls the selected connections and returns how many. A stalled
// connection ends when the stall does not: the peer gives up, resumes its
// session elsewhere (which drops the stalled connection), or a fault or
// Close drops it.
func (s *Server) Stall(spec StallSpec) (int, error) {
	if err := spec.Validate(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.selectLocked(spec.Selector)
	s.emit(Event{Kind: EventFault, Fault: "stall", Count: len(cs), Detail: spec.Selector.String() + " for=" + spec.For.String()})
	for _, c := range cs {
		c.stall(spec.For)
		s.emit(Event{Kind: EventStall, Conn: c.id, Session: c.sessionIDLocked(), Detail: "for=" + spec.For.String()})
	}
	return len(cs), nil
}

// Unstall lifts every stall and returns how many connections resumed.
func (s *Server) Unstall() int {
	s.mu.Lock()
	cs := s.connsLocked()
	s.mu.Unlock()
	n := 0
	for _, c := range cs {
		if c.unstall() {
			n++
		}
	}
	return n
}

type stallRequest struct {
	Selector
	For Duration `json:"for"`
}

var stallFault = faultKind{
	name: "stall",
	apply: func(_ context.Context, s *Server, body []byte) (any, error) {
		var req stallRequest
		if err := decodeStrict(body, &req); err != nil {
			return nil, err
		}
		n, err := s.Stall(StallSpec{Selector: req.Selector, For: time.Duration(req.For)})
		return affected{n}, err
	},
	clear: func(s *Server) { s.Unstall() },
	status: func(s *Server) any {
		s.mu.Lock()
		cs := s.connsLocked()
		s.mu.Unlock()
		var stalled []uint64
		for _, c := range cs {
			if c.stalled() {
				stalled = append(stalled, c.id)
			}
		}
		if len(stalled) == 0 {
			return nil
		}
		return map[string]any{"conns": stalled}
	},
}
