package faultserver

import (
	"context"
)

// DropConnections closes the selected connections abruptly: no close frame,
// the TCP connection is just closed, as when a process dies or a middlebox
// resets. It waits until the dropped connections are cleaned up (their
// sessions detached, their disconnect events logged) and returns how many
// were dropped.
func (s *Server) DropConnections(ctx context.Context, sel Selector) (int, error) {
	if err := sel.validate("drop"); err != nil {
		return 0, err
	}
	s.mu.Lock()
	cs := s.selectLocked(sel)
	s.emit(Event{Kind: EventFault, Fault: "drop", Count: len(cs), Detail: sel.String()})
	for _, c := range cs {
		c.setCause("dropped by fault")
		s.emit(Event{Kind: EventDrop, Conn: c.id, Session: c.sessionIDLocked()})
		s.count.connectionsDropped.Add(1)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.kill("dropped by fault")
	}
	return len(cs), waitFinished(ctx, cs)
}

var dropFault = faultKind{
	name: "drop",
	apply: func(ctx context.Context, s *Server, body []byte) (any, error) {
		var sel Selector
		if err := decodeStrict(body, &sel); err != nil {
			return nil, err
		}
		n, err := s.DropConnections(ctx, sel)
		return affected{n}, err
	},
}

// affected is the admin API's answer to a fault that hit n connections or
// sessions.
type affected struct {
	Affected int `json:"affected"`
}
