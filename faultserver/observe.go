package faultserver

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxObservedFrameBytes bounds the payload kept per observed frame: loss and
// duplicate checks need the id at the front of a message, not megabytes.
const maxObservedFrameBytes = 512

// HandshakeRecord is one WebSocket handshake attempt as the server saw it,
// whatever the client claims: conformance grades backoff and hot loops from
// these records.
type HandshakeRecord struct {
	Time   time.Time   // when the request arrived
	Remote string      // the peer's host:port
	Path   string      // SessionPath or EchoPath
	Query  string      // the raw query, which tells test clients apart
	Header http.Header // the request headers (a copy)
	// Status is the HTTP status answered: 101 for an upgrade, the fault's
	// status for a rejected one, 0 if the request ended unanswered.
	Status int
	// AcceptClosed is true when the server upgraded and at once closed the
	// connection (accept-then-close mode).
	AcceptClosed bool
}

// FrameRecord is one data frame the server received.
type FrameRecord struct {
	Time   time.Time
	Conn   uint64 // the connection id, as in events
	Remote string
	Path   string
	Type   int    // websocket.TextMessage or BinaryMessage
	Data   []byte // the first maxObservedFrameBytes bytes
	Size   int    // the full payload size
}

// observer keeps the records; its zero value is ready.
type observer struct {
	mu          sync.Mutex
	handshakes  []HandshakeRecord
	frames      []FrameRecord
	acceptClose bool
}

// Handshakes returns every handshake attempt recorded since start or the
// last [Server.ResetObservations], oldest first.
func (s *Server) Handshakes() []HandshakeRecord {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	return slices.Clone(s.obs.handshakes)
}

// Frames returns every data frame received on the echo and session
// endpoints since start or the last [Server.ResetObservations], oldest first.
func (s *Server) Frames() []FrameRecord {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	return slices.Clone(s.obs.frames[max(0, len(s.obs.frames)-max(s.cfg.ObserveFrames, 0)):])
}

// ResetObservations forgets every recorded handshake and frame.
func (s *Server) ResetObservations() {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	s.obs.handshakes, s.obs.frames = nil, nil
}

// SetAcceptThenClose turns accept-then-close mode on or off: every handshake
// is upgraded and the TCP connection closed at once (no close frame, as a
// backend crashing on accept), the server that drives a client resetting
// its backoff on open into a hot loop.
func (s *Server) SetAcceptThenClose(on bool) {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	s.obs.acceptClose = on
}

// observeFrame records one received data frame on c.
func (s *Server) observeFrame(c *conn, typ int, data []byte) {
	if s.cfg.ObserveFrames < 0 {
		return
	}
	keep := data[:min(len(data), maxObservedFrameBytes)]
	r := FrameRecord{Time: time.Now(), Conn: c.id, Remote: c.remote, Path: c.path, Type: typ,
		Data: slices.Clone(keep), Size: len(data)}
	s.obs.mu.Lock()
	s.obs.frames = keepNewest(append(s.obs.frames, r), s.cfg.ObserveFrames)
	s.obs.mu.Unlock()
}

// observed wraps a WebSocket endpoint: it records the attempt and its outcome
// and implements accept-then-close mode.
func (s *Server) observed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := HandshakeRecord{Time: time.Now(), Remote: r.RemoteAddr, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone()}
		s.obs.mu.Lock()
		i := len(s.obs.handshakes)
		s.obs.handshakes = append(s.obs.handshakes, rec)
		acceptClose := s.obs.acceptClose
		s.obs.mu.Unlock()
		// The status is recorded when answered: an upgraded handler runs
		// for the connection's whole life.
		sw := &statusWriter{ResponseWriter: w, answered: func(code int) {
			s.obs.mu.Lock()
			defer s.obs.mu.Unlock()
			if i < len(s.obs.handshakes) && s.obs.handshakes[i].Time.Equal(rec.Time) {
				s.obs.handshakes[i].Status = code
				s.obs.handshakes[i].AcceptClosed = acceptClose && code == http.StatusSwitchingProtocols
			}
		}}
		if acceptClose {
			s.acceptThenClose(sw, r)
		} else {
			next(sw, r)
		}
	}
}

func (s *Server) acceptThenClose(w http.ResponseWriter, r *http.Request) {
	u := websocket.Upgrader{HandshakeTimeout: 5 * time.Second}
	ws, err := u.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ws.Close()
}

// statusWriter remembers the status answered; a hijack counts as 101 (gorilla
// writes the 101 on the hijacked connection itself).
type statusWriter struct {
	http.ResponseWriter
	answered func(code int)
	once     sync.Once
}

func (w *statusWriter) answer(code int) { w.once.Do(func() { w.answered(code) }) }

func (w *statusWriter) WriteHeader(code int) {
	w.answer(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.answer(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Hijack lets gorilla take the connection over.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("faultserver: response writer cannot hijack")
	}
	c, rw, err := h.Hijack()
	if err == nil {
		w.answer(http.StatusSwitchingProtocols)
	}
	return c, rw, err
}
