package client

import (
	"context"
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
		} else if s.openLost != nil {
			// An opening is waiting for attached that will never come: it
			// restarts with a new session now, not after ReplyTimeout.
			close(s.openLost)
			s.openLost = nil
			s.stats.OpeningLosses++
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

// errOpeningLost ends an opening's attach round early: the server answered
// no_session (it lost the session after resumed or welcome).
var errOpeningLost = errors.New("client: the server lost the session while the connection opened")

// maxOpeningLosses bounds how often one opening restarts after no_session,
// so a server that forgets every session at once cannot hold it forever.
const maxOpeningLosses = 3

// open opens the session on w: resume, or hello and resync, then the
// attach round (openOnce). A no_session during the attach round restarts it
// at once with a new session on the same connection, up to
// maxOpeningLosses times; the caller holds openMu. It also runs on a live
// connection whose session the server lost (see reopen).
func (s *Session) open(ctx context.Context, w frameWriter) error {
	for n := 1; ; n++ {
		err := s.openOnce(ctx, w)
		if !errors.Is(err, errOpeningLost) {
			return err
		}
		if n >= maxOpeningLosses {
			return fmt.Errorf("client: session lost %d times while opening: %w", n, err)
		}
		s.log.Warn("session: server lost the session while opening; starting a new one at once", "attempt", n)
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
