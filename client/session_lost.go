package client

import (
	"errors"
	"fmt"

	"github.com/wschaos/wschaos/protocol"
)

// ErrSessionLost is wrapped by the EventProtocolError raised when the server
// answers with error{no_session}: it no longer knows the session (restart
// behind a proxy that kept the TCP connection, expiry, failover).
var ErrSessionLost = errors.New("client: server lost the session")

// ServerError is an error frame the server sent. Every one is counted
// (SessionStats.ServerErrors) and raised as EventProtocolError with it as Err.
type ServerError struct {
	Code    string
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("client: server error %s: %s", e.Code, e.Message)
}

// Is makes a no_session error match ErrSessionLost.
func (e *ServerError) Is(target error) bool {
	return target == ErrSessionLost && e.Code == protocol.CodeNoSession
}

// onServerError runs on the reader for every error frame. A handshake waiting
// for an answer gets it too. no_session on a live connection starts a resync
// on that connection at once (reopen): the pump stops writing, so nothing
// more is sent into the void, and the window is republished in the new session.
func (s *Session) onServerError(m protocol.ErrorMessage) {
	e := &ServerError{Code: m.Code, Message: m.Message}
	s.log.Warn("session: server error", "code", e.Code, "message", e.Message)
	s.mu.Lock()
	s.stats.ServerErrors++
	var w frameWriter
	if m.Code == protocol.CodeNoSession && s.id != "" && s.lostWhy == "" && s.endErr == nil {
		s.lostWhy = "no_session: " + m.Message
		s.stats.SessionLosses++
		w, s.conn = s.conn, nil
		if w != nil {
			s.bg.Add(1)
		}
	}
	s.mu.Unlock()
	s.c.emit(Event{Kind: EventProtocolError, Err: e, Reason: "server error " + e.Code})
	if w != nil {
		go s.reopen(w)
	}
	if m.Code == protocol.CodeNoSession {
		return // answers a frame sent before the loss, never a handshake request
	}
	select {
	case s.ctrl <- m:
	default: // nobody is waiting: counted and raised above
	}
}

// reopen resyncs on the live connection w after a no_session: hello,
// re-attach, republish, as opened does after resume_failed. If that fails the
// connection is abandoned and the next one resyncs instead (lostWhy stays set).
func (s *Session) reopen(w frameWriter) {
	defer s.bg.Done()
	s.openMu.Lock()
	defer s.openMu.Unlock()
	ctx := w.connCtx()
	if ctx.Err() != nil {
		return // the connection is gone: the supervisor's next opened resyncs
	}
	if err := s.open(ctx, w); err != nil {
		w.abort(fmt.Errorf("client: resync after the server lost the session: %w", err))
	}
}
