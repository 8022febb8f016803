package faultserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// relistenFor bounds how long Restart retries binding the same address (a
// port can stay busy for a moment after its listener closed).
const relistenFor = 5 * time.Second

// ErrRestartInProgress is returned by Restart while another restart runs.
var ErrRestartInProgress = errors.New("faultserver: restart already in progress")

// Restart takes the main listener down for down, as a restarting server
// process would: the listener closes and every connection is dropped without
// a close frame. Then it listens again on the same address. Sessions and
// channel history survive (call ForgetSessions too for a stateless restart);
// the admin listener stays up. Restart blocks until the server is back up;
// if ctx ends first it comes back up at once and returns ctx.Err().
func (s *Server) Restart(ctx context.Context, down time.Duration) error {
	if down < 0 {
		return &SpecError{"restart", "down must not be negative"}
	}
	s.mu.Lock()
	switch s.state {
	case stateClosed:
		s.mu.Unlock()
		return ErrServerClosed
	case stateNew:
		s.mu.Unlock()
		return ErrNotRunning
	case stateDown:
		s.mu.Unlock()
		return ErrRestartInProgress
	}
	s.state = stateDown
	hs, addr := s.hs, s.addr
	s.hs = nil
	close(s.genStop)
	s.genStop = nil
	cs := s.connsLocked()
	s.count.restarts.Add(1)
	s.emit(Event{Kind: EventRestartDown, Count: len(cs), Detail: "down=" + down.String()})
	for _, c := range cs {
		c.setCause("server restart")
		s.emit(Event{Kind: EventDrop, Conn: c.id, Session: c.sessionIDLocked(), Detail: "server restart"})
		s.count.connectionsDropped.Add(1)
	}
	s.mu.Unlock()
	s.log.Info("restart: listener down", "addr", addr, "down", down)
	hs.Close()
	for _, c := range cs {
		c.kill("server restart")
	}
	ctxErr := waitFinished(ctx, cs)
	if ctxErr == nil {
		t := time.NewTimer(down)
		select {
		case <-t.C:
		case <-ctx.Done():
			ctxErr = ctx.Err()
		case <-s.stop:
			t.Stop()
			return ErrServerClosed
		}
		t.Stop()
	}
	ln, err := s.relisten(addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateClosed {
		if ln != nil {
			ln.Close()
		}
		return ErrServerClosed
	}
	if err != nil { // stays down; Close still cleans up
		s.emit(Event{Kind: EventFault, Fault: "restart", Detail: "failed to listen again: " + err.Error()})
		return err
	}
	s.state = stateRunning
	s.serveLocked(ln)
	s.emit(Event{Kind: EventRestartUp, Detail: addr})
	s.log.Info("restart: listener up", "addr", addr)
	return ctxErr
}

// relisten binds addr again, retrying while the port is briefly busy.
func (s *Server) relisten(addr string) (net.Listener, error) {
	deadline := time.Now().Add(relistenFor)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("faultserver: failed to listen on %s again: %w", addr, err)
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-s.stop:
			return nil, ErrServerClosed
		}
	}
}

type restartRequest struct {
	Down Duration `json:"down"`
}

// restartFault's admin route answers at once (202) and restarts in the
// background; watch GET /events for restart_up.
var restartFault = faultKind{
	name: "restart",
	apply: func(_ context.Context, s *Server, body []byte) (any, error) {
		var req restartRequest
		if err := decodeStrict(body, &req); err != nil {
			return nil, err
		}
		s.mu.Lock()
		st := s.state
		s.mu.Unlock()
		if st == stateDown {
			return nil, ErrRestartInProgress
		}
		ok := s.spawn(func() {
			if err := s.Restart(context.Background(), time.Duration(req.Down)); err != nil && !errors.Is(err, ErrServerClosed) {
				s.log.Error("restart failed", "err", err)
			}
		})
		if !ok {
			return nil, ErrServerClosed
		}
		return accepted{Accepted: true, Down: req.Down}, nil
	},
}

type accepted struct {
	Accepted bool     `json:"accepted"`
	Down     Duration `json:"down"`
}
