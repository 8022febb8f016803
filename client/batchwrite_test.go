package client

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// socketWrites counts the Write calls on the sockets its dialer opens: the
// syscalls, under the client's own wrapper.
type socketWrites struct{ n atomic.Int64 }

type countedConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countedConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

func (s *socketWrites) dialer() *websocket.Dialer {
	return &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countedConn{c, &s.n}, nil
	}}
}

// TestWriteFramesOneSyscall: a batch of 20 frames through writeFrames is one
// socket write; the same 20 frames through writeFrame are 20 (negative
// control). The server reads all 40, in order.
func TestWriteFramesOneSyscall(t *testing.T) {
	k := &sink{}
	srv := startServer(t, "127.0.0.1:0", k.handle)
	var sw socketWrites
	var batched, single atomic.Int64 // set on the supervisor goroutine
	frames := make([][]byte, 20)
	for i := range frames {
		frames[i] = fmt.Appendf(nil, "frame-%02d", i)
	}
	c, err := newClient(srv.url(), Config{Dialer: sw.dialer()}, connHooks{opened: func(ctx context.Context, w frameWriter) error {
		n0 := sw.n.Load()
		if err := w.writeFrames(ctx, frames); err != nil {
			return err
		}
		n1 := sw.n.Load()
		for _, f := range frames {
			if err := w.writeFrame(ctx, websocket.TextMessage, f); err != nil {
				return err
			}
		}
		batched.Store(n1 - n0)
		single.Store(sw.n.Load() - n1)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close(context.Background()) }()
	eventually(t, 5*time.Second, "40 frames at the server", func() bool { return len(k.got()) == 40 && single.Load() != 0 })
	if b, s := batched.Load(), single.Load(); b != 1 || s != 20 {
		t.Fatalf("socket writes: batch of 20 took %d (want 1), 20 single frames took %d (want 20)", b, s)
	}
	got := k.got()
	for i := range 40 {
		if want := string(frames[i%20]); got[i] != want {
			t.Fatalf("frame %d = %q, want %q", i, got[i], want)
		}
	}
}
