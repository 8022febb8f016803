package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fast is a config with short timings for loopback tests.
func fast(rec *recorder) Config {
	return Config{OnEvent: rec.add, HandshakeTimeout: time.Second, MinUptime: 200 * time.Millisecond,
		PingInterval: 100 * time.Millisecond, PongTimeout: 500 * time.Millisecond,
		Backoff: Backoff{Base: 10 * time.Millisecond, Cap: 100 * time.Millisecond}}
}

func dial(t *testing.T, url string, cfg Config) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeClient(t, c) })
	return c
}

func waitConnects(t *testing.T, c *Client, n uint64) {
	t.Helper()
	eventually(t, 5*time.Second, fmt.Sprintf("%d connects", n), func() bool {
		return c.Stats().Connects >= n && c.State() == StateConnected
	})
}

func TestReconnectAfterCloseFrame(t *testing.T) {
	var first atomic.Bool
	srv := startServer(t, "127.0.0.1:0", func(ws *websocket.Conn) {
		if first.CompareAndSwap(false, true) {
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1012, "restart"), time.Now().Add(time.Second))
			_, _, _ = ws.ReadMessage() // wait for the client's close reply
			return
		}
		(&sink{}).handle(ws)
	})
	var rec recorder
	c := dial(t, srv.url(), fast(&rec))
	waitConnects(t, c, 2)
	recon := rec.to(StateReconnecting)
	if len(recon) != 1 || recon[0].CloseCode != 1012 || failureOf(recon[0].Err).Stage != StageClose {
		t.Fatalf("reconnecting events %+v, want one for close 1012", recon)
	}
	if srv.count() != 2 || c.Stats().Reconnects != 1 {
		t.Fatalf("server accepted %d, client reconnects %d; want 2 and 1", srv.count(), c.Stats().Reconnects)
	}
}

func TestReconnectAfterAbruptDrop(t *testing.T) {
	srv := startServer(t, "127.0.0.1:0", (&sink{}).handle)
	var rec recorder
	c := dial(t, srv.url(), fast(&rec))
	srv.dropLive(t)
	waitConnects(t, c, 2)
	recon := rec.to(StateReconnecting)
	if len(recon) != 1 || failureOf(recon[0].Err).Stage != StageIO {
		t.Fatalf("reconnecting events %+v, want one I/O failure", recon)
	}
}

// TestListenerRestart: the listener disappears and comes back on the same
// port; messages sent meanwhile arrive after the re-subscribe messages, in order.
func TestListenerRestart(t *testing.T) {
	k := &sink{}
	srv := startServer(t, "127.0.0.1:0", k.handle)
	addr := srv.addr()
	var rec recorder
	cfg := fast(&rec)
	cfg.Resubscribe = func() []Outbound { return []Outbound{msg("sub1"), msg("sub2")} }
	c := dial(t, srv.url(), cfg)
	eventually(t, 5*time.Second, "re-subscribe read", func() bool { return len(k.got()) == 2 })
	srv.stop()
	eventually(t, 5*time.Second, "failed dials while down", func() bool {
		return len(rec.to(StateReconnecting)) >= 3
	})
	var want []string
	for i := range 50 {
		m := fmt.Sprintf("m%02d", i)
		want = append(want, m)
		if err := c.Send(t.Context(), msg(m)); err != nil {
			t.Fatal(err)
		}
	}
	k2 := &sink{}
	startServer(t, addr, k2.handle)
	eventually(t, 5*time.Second, "queue flushed", func() bool { return len(k2.got()) >= 52 })
	got := k2.got()
	if !slices.Equal(got[:2], []string{"sub1", "sub2"}) || !slices.Equal(got[2:], want) {
		t.Fatalf("after restart the server got %v, want sub1 sub2 then m00..m49", got)
	}
	if !slices.Equal(k.got(), []string{"sub1", "sub2"}) {
		t.Fatalf("first connection got %v, want the re-subscribe messages", k.got())
	}
	if st := c.Stats(); st.Written != 50 || st.QueueDepth != 0 || st.Connects != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestHalfOpen: a server that stops reading (so it answers no ping) is
// detected PongTimeout after the last inbound frame. Negative control: a
// server that reads normally keeps the connection for the same period.
func TestHalfOpen(t *testing.T) {
	for _, stall := range []bool{true, false} {
		t.Run(fmt.Sprint("stall=", stall), func(t *testing.T) {
			release := make(chan struct{})
			srv := startServer(t, "127.0.0.1:0", func(ws *websocket.Conn) {
				if stall {
					<-release // neither read nor write: a silent, half-open peer
					return
				}
				(&sink{}).handle(ws)
			})
			t.Cleanup(func() { close(release) }) // runs before srv.stop
			var rec recorder
			cfg := fast(&rec)
			start := time.Now()
			_ = dial(t, srv.url(), cfg)
			if !stall {
				time.Sleep(3 * cfg.PongTimeout)
				if n := len(rec.to(StateReconnecting)); n != 0 {
					t.Fatalf("healthy server: %d reconnects, want 0", n)
				}
				return
			}
			eventually(t, 3*time.Second, "half-open detected", func() bool { return len(rec.to(StateReconnecting)) > 0 })
			ev := rec.to(StateReconnecting)[0]
			took := ev.Time.Sub(start)
			var hb *HeartbeatError
			if !errors.As(ev.Err, &hb) {
				t.Fatalf("loss %v, want HeartbeatError", ev.Err)
			}
			if took < cfg.PongTimeout || took > cfg.PongTimeout+400*time.Millisecond {
				t.Fatalf("detected after %v, want within [%v, %v]", took, cfg.PongTimeout, cfg.PongTimeout+400*time.Millisecond)
			}
		})
	}
}

// TestAcceptThenClose: a server that accepts and closes at once gets at most
// the handshakes the backoff allows. Negative control: with MinUptime so
// short that every connection counts as healthy, the same server sees a hot
// loop of dials, so the bound is not vacuous.
func TestAcceptThenClose(t *testing.T) {
	const window = 1500 * time.Millisecond
	run := func(minUptime time.Duration) int {
		srv := startServer(t, "127.0.0.1:0", func(ws *websocket.Conn) {
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
		})
		c, err := New(srv.url(), Config{MinUptime: minUptime,
			Backoff: Backoff{Base: 20 * time.Millisecond, Cap: 200 * time.Millisecond, Jitter: JitterNone}})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(window)
		closeClient(t, c)
		n := srv.count()
		srv.stop()
		return n
	}
	// Delays 20, 40, 80, 160, then 200ms: at most 11 dials fit in 1.5s.
	if n := run(time.Second); n < 4 || n > 11 {
		t.Fatalf("accept-then-close: %d handshakes in %v, want 4..11 (backoff-bound)", n, window)
	}
	if n := run(time.Nanosecond); n < 25 {
		t.Fatalf("negative control: %d handshakes with the counter reset every time, want a hot loop (>= 25)", n)
	}
}

// TestRetryExhaustion: the listener never comes back; after MaxAttempts the
// client fails and hands back every queued message, in order.
func TestRetryExhaustion(t *testing.T) {
	srv := startServer(t, "127.0.0.1:0", (&sink{}).handle)
	var rec recorder
	cfg := fast(&rec)
	cfg.MaxAttempts = 3
	c := dial(t, srv.url(), cfg)
	srv.stop()
	_ = c.WaitFor(t.Context(), StateReconnecting)
	for _, s := range []string{"a", "b", "c"} {
		if err := c.Send(t.Context(), msg(s)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := c.WaitFor(ctx, StateFailed); err != nil {
		t.Fatal(err)
	}
	var le *LimitError
	if !errors.As(c.Err(), &le) || le.Limit != "max attempts" || le.Attempts != 3 {
		t.Fatalf("Err %v", c.Err())
	}
	if got := texts(c.Undelivered()); got != "a,b,c," {
		t.Fatalf("undelivered %q, want a,b,c,", got)
	}
	// Attempts: 1 initial dial + 3 re-dials of the failing streak (the first
	// re-dial follows the loss of a healthy-or-not connection).
	if st := c.Stats(); st.State != StateFailed || st.QueueDepth != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestSessionHooks exercises the unexported hooks the session layer builds on.
func TestSessionHooks(t *testing.T) {
	k := &sink{}
	srv := startServer(t, "127.0.0.1:0", func(ws *websocket.Conn) {
		_, hello, err := ws.ReadMessage()
		if err != nil || string(hello) != "hello" {
			return
		}
		_ = ws.WriteMessage(websocket.TextMessage, []byte("welcome"))
		k.handle(ws)
	})
	var rec recorder
	var lost, terminated, written atomic.Int32
	welcome := make(chan struct{}, 1)
	var order []string // appended on the supervisor goroutine only
	hooks := connHooks{
		opened: func(ctx context.Context, w frameWriter) error {
			order = append(order, "opened")
			if err := w.writeFrame(ctx, websocket.TextMessage, []byte("hello")); err != nil {
				return err
			}
			select { // the reader is already running while opened blocks
			case <-welcome:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
		received: func(mt int, data []byte) {
			if string(data) == "welcome" {
				welcome <- struct{}{}
			}
		},
		lost:       func(error) { lost.Add(1) },
		terminated: func(s State, err error) { terminated.Add(1); order = append(order, s.String()) },
	}
	cfg := fast(&rec)
	cfg.Resubscribe = func() []Outbound { order = append(order, "resubscribe"); return []Outbound{msg("sub")} }
	c, err := newClient(srv.url(), cfg, hooks)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitFor(t.Context(), StateConnected); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := c.enqueue(t.Context(), msg(fmt.Sprint(i)), func() { written.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	c.emit(Event{Kind: 100, Channel: "ch", Serial: 7})
	eventually(t, 5*time.Second, "20 written", func() bool { return written.Load() == 20 && len(k.got()) == 21 })
	srv.drop()
	waitConnects(t, c, 2)
	closeClient(t, c)
	if lost.Load() != 1 || terminated.Load() != 1 {
		t.Fatalf("lost %d terminated %d, want 1 and 1", lost.Load(), terminated.Load())
	}
	want := []string{"opened", "resubscribe", "opened", "resubscribe", "closed"}
	if !slices.Equal(order, want) {
		t.Fatalf("hook order %v, want %v", order, want)
	}
	// The emitted event sits in the stream between the first Connected and the loss.
	var kinds []string
	for _, ev := range rec.events() {
		kinds = append(kinds, fmt.Sprintf("%d:%s", ev.Kind, ev.To))
	}
	wantKinds := []string{"1:connected", "100:connecting", "1:reconnecting", "1:connecting", "1:connected", "1:closed"}
	if !slices.Equal(kinds, wantKinds) {
		t.Fatalf("event stream %v, want %v", kinds, wantKinds)
	}
}

// TestOpenedFatal: an open hook error wrapping *FatalError fails the client.
func TestOpenedFatal(t *testing.T) {
	srv := startServer(t, "127.0.0.1:0", (&sink{}).handle)
	c, err := newClient(srv.url(), Config{}, connHooks{opened: func(context.Context, frameWriter) error {
		return fmt.Errorf("hello rejected: %w", &FatalError{Err: errors.New("bad token")})
	}})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.WaitFor(t.Context(), StateFailed)
	closeClient(t, c)
	var fe *FatalError
	if !errors.As(c.Err(), &fe) || c.Stats().Attempts != 1 {
		t.Fatalf("Err %v after %d attempts, want FatalError after 1", c.Err(), c.Stats().Attempts)
	}
}
