package client

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"
)

// pipeNet is an in-memory network for synctest bubbles (real sockets cannot
// be used there): dials return one end of a net.Pipe, Accept the other.
type pipeNet struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeNet() *pipeNet {
	return &pipeNet{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.closed:
		return nil, net.ErrClosed
	}
}
func (p *pipeNet) Close() error   { p.once.Do(func() { close(p.closed) }); return nil }
func (p *pipeNet) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

func (p *pipeNet) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	a, b := net.Pipe()
	select {
	case p.conns <- b:
		return a, nil
	case <-p.closed:
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: net.ErrClosed}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// servePipe runs an HTTP server with a WebSocket handler on a pipeNet; the
// returned stop ends it and waits for the handlers.
func servePipe(handle func(ws *websocket.Conn)) (*pipeNet, func()) {
	pn := newPipeNet()
	var wg sync.WaitGroup
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		handle(ws)
	})}
	done := make(chan struct{})
	go func() { _ = srv.Serve(pn); close(done) }()
	return pn, func() { _ = srv.Close(); <-done; wg.Wait() }
}

// holdThenClose keeps each connection for hold (reading, so pings are
// answered), then sends close 1001.
func holdThenClose(hold time.Duration) func(ws *websocket.Conn) {
	return func(ws *websocket.Conn) {
		go func() {
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
		time.Sleep(hold)
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1001, "bye"), time.Now().Add(time.Second))
	}
}

// TestMinUptime: a server that accepts and closes at once meets growing
// delays (the attempt counter does not reset); one whose connections outlive
// MinUptime resets it each time (delay stays at Delay(1)).
func TestMinUptime(t *testing.T) {
	for _, tc := range []struct {
		name       string
		hold       time.Duration
		wantAttmpt []int
		wantDelay  []time.Duration
	}{
		{"short-lived grows", time.Second, []int{1, 2, 3, 4}, []time.Duration{1, 2, 4, 8}},
		{"healthy resets", 6 * time.Second, []int{0, 0, 0, 0}, []time.Duration{1, 1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pn, stop := servePipe(holdThenClose(tc.hold))
				var rec recorder
				c, err := New("ws://pipe/", Config{OnEvent: rec.add, MinUptime: 5 * time.Second,
					Dialer:  &websocket.Dialer{NetDialContext: pn.dial},
					Backoff: Backoff{Base: time.Second, Cap: time.Minute, Jitter: JitterNone}})
				if err != nil {
					t.Fatal(err)
				}
				for len(rec.to(StateReconnecting)) < 4 {
					time.Sleep(100 * time.Millisecond)
				}
				_ = c.Close(t.Context())
				stop()
				recon := rec.to(StateReconnecting)[:4]
				for i, ev := range recon {
					if ev.Attempt != tc.wantAttmpt[i] || ev.Delay != tc.wantDelay[i]*time.Second || ev.CloseCode != 1001 {
						t.Errorf("reconnect %d: attempt %d delay %v code %d, want attempt %d delay %vs code 1001",
							i, ev.Attempt, ev.Delay, ev.CloseCode, tc.wantAttmpt[i], tc.wantDelay[i])
					}
				}
				if got := c.Stats().Connects; got < 4 {
					t.Errorf("connects %d, want >= 4", got)
				}
			})
		})
	}
}

// TestMinUptimeLimit: accept-then-close counts against MaxAttempts.
func TestMinUptimeLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn, stop := servePipe(holdThenClose(0))
		defer stop()
		c, _ := New("ws://pipe/", Config{MaxAttempts: 3, Dialer: &websocket.Dialer{NetDialContext: pn.dial}})
		_ = c.WaitFor(t.Context(), StateFailed)
		_ = c.Close(t.Context())
		var le *LimitError
		if !asLimit(c.Err(), &le) || le.Attempts != 3 || CloseCode(c.Err()) != 1001 || c.Stats().Connects != 3 {
			t.Fatalf("Err %v, connects %d: want max attempts after 3 short connections", c.Err(), c.Stats().Connects)
		}
	})
}

// TestHeartbeatBound: a peer that goes silent (reads nothing, answers no
// ping) is declared dead within PongTimeout of its last frame.
func TestHeartbeatBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		silent := make(chan struct{})
		var lastFrame time.Time
		var mu sync.Mutex
		pn, stop := servePipe(func(ws *websocket.Conn) {
			ws.SetPingHandler(func(d string) error {
				select {
				case <-silent: // half-open: the peer no longer answers anything
					return nil
				default:
				}
				mu.Lock()
				lastFrame = time.Now()
				mu.Unlock()
				return ws.WriteControl(websocket.PongMessage, []byte(d), time.Now().Add(time.Second))
			})
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		})
		defer stop()
		var rec recorder
		c, _ := New("ws://pipe/", Config{OnEvent: rec.add, PingInterval: 2 * time.Second, PongTimeout: 5 * time.Second,
			WriteTimeout: time.Minute, Dialer: &websocket.Dialer{NetDialContext: pn.dial}})
		_ = c.WaitFor(t.Context(), StateConnected)
		time.Sleep(7 * time.Second) // a few healthy ping/pong rounds
		close(silent)
		_ = c.WaitFor(t.Context(), StateReconnecting)
		detected := time.Now()
		_ = c.Close(t.Context())
		mu.Lock()
		since := detected.Sub(lastFrame)
		mu.Unlock()
		ev := rec.to(StateReconnecting)[0]
		var hb *HeartbeatError
		if !asHeartbeat(ev.Err, &hb) {
			t.Fatalf("loss reported as %v, want a HeartbeatError", ev.Err)
		}
		if since > 5*time.Second || since < 3*time.Second {
			t.Fatalf("declared dead %v after the last pong, want within (3s, 5s]", since)
		}
	})
}
