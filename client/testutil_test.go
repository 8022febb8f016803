package client

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// recorder collects events in order.
type recorder struct {
	mu  sync.Mutex
	evs []Event
}

func (r *recorder) add(ev Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
}

func (r *recorder) events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.evs...)
}

// to returns the state-change events into s.
func (r *recorder) to(s State) []Event {
	var out []Event
	for _, ev := range r.events() {
		if ev.Kind == EventStateChanged && ev.To == s {
			out = append(out, ev)
		}
	}
	return out
}

// failDial is a dial seam that always fails like a refused connection, or
// with the HTTP response resp (status and headers) when resp is non-nil.
func failDial(resp func() *http.Response) func(context.Context, string, http.Header) (*websocket.Conn, *http.Response, error) {
	return func(context.Context, string, http.Header) (*websocket.Conn, *http.Response, error) {
		if resp != nil {
			return nil, resp(), websocket.ErrBadHandshake
		}
		return nil, nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
}

func statusResp(code int, retryAfter string) func() *http.Response {
	return func() *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: code, Header: h, Body: http.NoBody}
	}
}

// wsServer is a real loopback WebSocket server (httptest + gorilla Upgrader)
// that runs handle for each connection and tracks connections so that stop
// can end them all.
type wsServer struct {
	t      testing.TB
	srv    *httptest.Server
	handle func(ws *websocket.Conn)
	status func() (int, http.Header) // if set and code != 0: refuse the upgrade
	up     websocket.Upgrader        // set by options before the server starts
	tls    bool                      // serve wss:// with httptest's certificate
	onReq  func(*http.Request)       // if set: sees every handshake request first

	mu       sync.Mutex
	stopped  bool
	conns    map[*websocket.Conn]struct{}
	accepted int
	wg       sync.WaitGroup
}

// startServer listens on addr ("127.0.0.1:0" for a fresh port). Options
// adjust the server before it starts.
func startServer(t testing.TB, addr string, handle func(*websocket.Conn), opts ...func(*wsServer)) *wsServer {
	t.Helper()
	var l net.Listener
	var err error
	for range 50 { // the old listener's port may take a moment to free
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	s := &wsServer{t: t, handle: handle, conns: map[*websocket.Conn]struct{}{}}
	for _, o := range opts {
		o(s)
	}
	up := s.up
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.onReq != nil {
			s.onReq(r)
		}
		if s.status != nil {
			if code, h := s.status(); code != 0 {
				for k, v := range h {
					w.Header()[k] = v
				}
				w.WriteHeader(code)
				return
			}
		}
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			http.Error(w, "stopping", http.StatusServiceUnavailable)
			return
		}
		s.wg.Add(1) // before stop can start waiting
		s.mu.Unlock()
		defer s.wg.Done()
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		s.mu.Lock()
		if s.stopped { // stop ran between the upgrade and here: drop() missed this one
			s.mu.Unlock()
			return
		}
		s.conns[ws] = struct{}{}
		s.accepted++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.conns, ws)
			s.mu.Unlock()
		}()
		s.handle(ws)
	}))
	s.srv.Listener.Close()
	s.srv.Listener = l
	if s.tls {
		s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected handshakes are the point of some tests
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	t.Cleanup(s.stop)
	return s
}

func (s *wsServer) url() string {
	if s.tls {
		return "wss://" + s.srv.Listener.Addr().String() + "/"
	}
	return "ws://" + s.srv.Listener.Addr().String() + "/"
}
func (s *wsServer) addr() string { return s.srv.Listener.Addr().String() }
func (s *wsServer) count() int   { s.mu.Lock(); defer s.mu.Unlock(); return s.accepted }
func (s *wsServer) live() []*websocket.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*websocket.Conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// drop closes every live connection abruptly (no close frame).
func (s *wsServer) drop() {
	for _, c := range s.live() {
		c.NetConn().Close()
	}
}

// dropLive waits until the server has registered a live connection (the
// client's handshake can complete before the handler records it) and then
// drops every live connection abruptly.
func (s *wsServer) dropLive(t testing.TB) {
	t.Helper()
	eventually(t, 5*time.Second, "a live server-side connection", func() bool { return len(s.live()) > 0 })
	s.drop()
}

// stop closes the listener and every connection, and waits for the handlers.
func (s *wsServer) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.srv.Close()
	s.drop()
	s.wg.Wait()
}

// sink is a handler that records every data frame it reads, in order.
type sink struct {
	mu   sync.Mutex
	msgs []string
}

func (k *sink) handle(ws *websocket.Conn) {
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		k.mu.Lock()
		k.msgs = append(k.msgs, string(data))
		k.mu.Unlock()
	}
}

func (k *sink) got() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.msgs...)
}

// eventually polls cond every 5ms until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func closeClient(t testing.TB, c *Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}
