package faultserver

import (
	"context"
	"fmt"
)

// CloseSpec closes connections with a close frame.
type CloseSpec struct {
	// Code is the close code: 1000-1003, 1007-1014 or 3000-4999 (1004-1006
	// and 1015 may not be sent on the wire).
	Code int `json:"code"`
	// Reason is the close reason, at most 123 bytes.
	Reason string `json:"reason,omitempty"`
	// Selector picks the connections.
	Selector
}

// Validate checks c with the rules CloseConnections enforces.
func (c CloseSpec) Validate() error { return c.validate() }

// ValidCloseCode reports whether code may be sent in a close frame: 1004,
// 1005, 1006 and 1015 are reserved (RFC 6455 7.4.1), and 1016-2999 unassigned.
func ValidCloseCode(code int) bool {
	return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999
}

func (c CloseSpec) validate() error {
	if !ValidCloseCode(c.Code) {
		return &SpecError{"close", fmt.Sprintf("code %d cannot be sent (use 1000-1003, 1007-1014, 3000-4999)", c.Code)}
	}
	if len(c.Reason) > 123 {
		return &SpecError{"close", fmt.Sprintf("reason is %d bytes; a close frame holds at most 123", len(c.Reason))}
	}
	return c.Selector.validate("close")
}

// CloseConnections sends a close frame with spec's code and reason to the
// selected connections, then closes each once the peer answers or after one
// second. It waits until they are cleaned up and returns how many it closed.
func (s *Server) CloseConnections(ctx context.Context, spec CloseSpec) (int, error) {
	if err := spec.validate(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	cs := s.selectLocked(spec.Selector)
	s.emit(Event{Kind: EventFault, Fault: "close", CloseCode: spec.Code, Count: len(cs),
		Detail: fmt.Sprintf("%s reason=%q", spec.Selector, spec.Reason)})
	for _, c := range cs {
		s.emit(Event{Kind: EventClose, Conn: c.id, Session: c.sessionIDLocked(), CloseCode: spec.Code, Detail: spec.Reason})
		s.count.connectionsClosed.Add(1)
	}
	s.mu.Unlock()
	for _, c := range cs {
		if err := c.closeWith(spec.Code, spec.Reason); err != nil {
			c.kill("close frame failed: " + err.Error())
		}
	}
	return len(cs), waitFinished(ctx, cs)
}

var closeFault = faultKind{
	name: "close",
	apply: func(ctx context.Context, s *Server, body []byte) (any, error) {
		var spec CloseSpec
		if err := decodeStrict(body, &spec); err != nil {
			return nil, err
		}
		n, err := s.CloseConnections(ctx, spec)
		return affected{n}, err
	},
}
