package client

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// closeSeen is a server handler that reads until the connection ends and
// reports how: the close frame's code and reason, or 1006 (gorilla's
// "abnormal closure") when the TCP connection ended without one.
func closeSeen(out chan<- *websocket.CloseError) func(*websocket.Conn) {
	return func(ws *websocket.Conn) {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				var ce *websocket.CloseError
				if !errors.As(err, &ce) {
					ce = &websocket.CloseError{Code: websocket.CloseAbnormalClosure, Text: err.Error()}
				}
				out <- ce
				return
			}
		}
	}
}

func waitClose(t *testing.T, ch <-chan *websocket.CloseError) *websocket.CloseError {
	t.Helper()
	select {
	case ce := <-ch:
		return ce
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the connection end")
		return nil
	}
}

// TestCloseDuringOpen: Close while the open hook runs (a session waiting for
// its welcome, say) still sends a normal close frame, as Close does on a
// connected client. Negative control: when the open hook fails by itself,
// the connection is abandoned without a close frame, and the server's
// check tells the two apart.
func TestCloseDuringOpen(t *testing.T) {
	t.Run("close while opening", func(t *testing.T) {
		seen := make(chan *websocket.CloseError, 1)
		srv := startServer(t, "127.0.0.1:0", closeSeen(seen))
		entered := make(chan struct{})
		var once sync.Once
		var rec recorder
		cfg := fast(&rec)
		c, err := newClient(srv.url(), cfg, connHooks{opened: func(ctx context.Context, _ frameWriter) error {
			once.Do(func() { close(entered) })
			<-ctx.Done() // a reply that never comes
			return ctx.Err()
		}})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-entered:
		case <-time.After(5 * time.Second):
			t.Fatal("the open hook never ran")
		}
		closeClient(t, c)
		ce := waitClose(t, seen)
		if ce.Code != websocket.CloseNormalClosure || ce.Text != "client closing" {
			t.Fatalf("server saw %v, want close 1000 \"client closing\"", ce)
		}
		if st := c.Stats(); st.State != StateClosed || st.Connects != 0 || st.Attempts != 1 || c.Err() != nil {
			t.Fatalf("stats %+v, err %v: want closed after 1 attempt, never connected", st, c.Err())
		}
		if evs := rec.to(StateClosed); len(evs) != 1 || len(rec.to(StateReconnecting)) != 0 {
			t.Fatalf("events %+v, want one Closed and no reconnect", rec.events())
		}
	})
	t.Run("open hook fails by itself", func(t *testing.T) {
		seen := make(chan *websocket.CloseError, 1)
		srv := startServer(t, "127.0.0.1:0", closeSeen(seen))
		c, err := newClient(srv.url(), Config{MaxAttempts: 1}, connHooks{opened: func(context.Context, frameWriter) error {
			return errors.New("no welcome")
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer closeClient(t, c)
		if err := c.WaitFor(t.Context(), StateFailed); err != nil {
			t.Fatal(err)
		}
		if ce := waitClose(t, seen); ce.Code != websocket.CloseAbnormalClosure {
			t.Fatalf("server saw %v, want no close frame (1006)", ce)
		}
	})
}
