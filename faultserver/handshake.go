package faultserver

import (
	"github.com/wschaos/wschaos/internal/cork"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// upgrade applies the handshake faults (delay, then reject) and upgrades.
// false means the request was answered and the caller must return.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request) (*websocket.Conn, bool) {
	s.mu.Lock()
	delay := s.faults.delay.takeLocked(time.Now())
	stop := s.genStop
	s.mu.Unlock()
	if delay > 0 {
		s.count.handshakesDelayed.Add(1)
		s.emit(Event{Kind: EventHandshakeDelayed, Detail: delay.String() + " " + r.URL.Path + " from " + r.RemoteAddr})
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return nil, false
		case <-stop:
			t.Stop()
			http.Error(w, "server going down", http.StatusServiceUnavailable)
			return nil, false
		}
	}
	s.mu.Lock()
	rej, ok := s.faults.reject.takeLocked(time.Now())
	s.mu.Unlock()
	if ok {
		s.count.handshakesRejected.Add(1)
		if rej.RetryAfter > 0 {
			secs := int64((rej.RetryAfter + time.Second - 1) / time.Second) // round up: never retry early
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		}
		http.Error(w, http.StatusText(rej.Status), rej.Status)
		s.emit(Event{Kind: EventHandshakeRejected, Status: rej.Status, Detail: r.URL.Path + " from " + r.RemoteAddr})
		return nil, false
	}
	s.mu.Lock()
	full := s.cfg.MaxConns > 0 && len(s.conns) >= s.cfg.MaxConns
	s.mu.Unlock()
	if full {
		s.count.handshakesRejected.Add(1)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "connection limit reached", http.StatusServiceUnavailable)
		s.emit(Event{Kind: EventHandshakeRejected, Status: http.StatusServiceUnavailable,
			Detail: "connection cap " + strconv.Itoa(s.cfg.MaxConns) + ": " + r.URL.Path + " from " + r.RemoteAddr})
		return nil, false
	}
	ws, err := s.upgrader.Upgrade(cork.NewResponseWriter(w), r, nil) // writes coalesce: see writeLoop
	if err != nil {                                                  // gorilla has answered with an HTTP error already
		s.log.Debug("upgrade failed", "remote", r.RemoteAddr, "err", err)
		return nil, false
	}
	return ws, true
}
