package client

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

var errInjected = errors.New("injected write failure")

// writeFault says what an armed faultConn does with the write it catches.
type writeFault int

const (
	faultBefore  writeFault = iota // fail with nothing on the wire
	faultPartial                   // put half the frame on the wire, then fail
	faultAfter                     // put the whole frame on the wire, then report failure
)

// faultConn is a real TCP connection whose next Write, once armed, signals
// entered, blocks until release is closed, and then fails as mode says.
type faultConn struct {
	net.Conn
	mode    writeFault
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (f *faultConn) Write(p []byte) (int, error) {
	if !f.armed.CompareAndSwap(true, false) {
		return f.Conn.Write(p)
	}
	close(f.entered)
	<-f.release
	switch f.mode {
	case faultPartial:
		n, _ := f.Conn.Write(p[:len(p)/2])
		return n, errInjected
	case faultAfter:
		if n, err := f.Conn.Write(p); err != nil {
			return n, err
		}
		return len(p), errInjected
	}
	return 0, errInjected
}

// connLog is a server handler that records the data frames of each
// connection separately, in accept order.
type connLog struct {
	mu    sync.Mutex
	conns [][]string
}

func (l *connLog) handle(ws *websocket.Conn) {
	l.mu.Lock()
	i := len(l.conns)
	l.conns = append(l.conns, nil)
	l.mu.Unlock()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		l.mu.Lock()
		l.conns[i] = append(l.conns[i], string(data))
		l.mu.Unlock()
	}
}

func (l *connLog) get() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([][]string, len(l.conns))
	for i, c := range l.conns {
		out[i] = slices.Clone(c)
	}
	return out
}

func (l *connLog) total() int {
	n := 0
	for _, c := range l.get() {
		n += len(c)
	}
	return n
}

// deliveryCheck compares what arrived (all connections, in order) with what
// was sent: messages never received, messages received more than once, and
// whether first arrivals kept the send order.
func deliveryCheck(sent, got []string) (lost, dup []string, inOrder bool) {
	seen := map[string]int{}
	var firsts []string
	for _, m := range got {
		if seen[m]++; seen[m] == 1 {
			firsts = append(firsts, m)
		} else {
			dup = append(dup, m)
		}
	}
	for _, m := range sent {
		if seen[m] == 0 {
			lost = append(lost, m)
		}
	}
	want := slices.DeleteFunc(slices.Clone(sent), func(m string) bool { return seen[m] == 0 })
	return lost, dup, slices.Equal(firsts, want)
}

func TestDeliveryCheck(t *testing.T) {
	sent := []string{"a", "b", "c"}
	if lost, dup, ok := deliveryCheck(sent, []string{"a", "b", "c"}); lost != nil || dup != nil || !ok {
		t.Fatalf("clean run reported lost %v dup %v inOrder %v", lost, dup, ok)
	}
	// Negative controls: each fault is reported.
	if lost, _, _ := deliveryCheck(sent, []string{"a", "c"}); !slices.Equal(lost, []string{"b"}) {
		t.Errorf("loss not reported: %v", lost)
	}
	if _, dup, _ := deliveryCheck(sent, []string{"a", "b", "b", "c"}); !slices.Equal(dup, []string{"b"}) {
		t.Errorf("duplicate not reported: %v", dup)
	}
	if _, _, ok := deliveryCheck(sent, []string{"a", "c", "b"}); ok {
		t.Error("reordering not reported")
	}
}

// TestFailedWriteRequeued: the write of c fails while d, e, f wait behind
// it; c goes back to the head of the queue and the next connection gets
// c, d, e, f in that order. Deterministic: the test holds the writer inside
// the failing Write until d, e, f are queued, and pings are off so that no
// other frame is written. A failure with nothing (or half a frame) on the
// wire loses and duplicates nothing; a write that reached the server but
// reported failure is resent (at-least-once): the checker must flag exactly
// that one duplicate, which is its negative control.
func TestFailedWriteRequeued(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mode  writeFault
		first []string // what the server reads on the first connection
		dup   []string
	}{
		{"nothing written", faultBefore, []string{"a", "b"}, nil},
		{"half a frame written", faultPartial, []string{"a", "b"}, nil},
		{"written then failed", faultAfter, []string{"a", "b", "c"}, []string{"c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &connLog{}
			srv := startServer(t, "127.0.0.1:0", log.handle)
			var fmu sync.Mutex
			var fcs []*faultConn
			var rec recorder
			cfg := fast(&rec)
			cfg.PingInterval = -1
			cfg.Dialer = &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				fc := &faultConn{Conn: nc, mode: tc.mode, entered: make(chan struct{}), release: make(chan struct{})}
				fmu.Lock()
				fcs = append(fcs, fc)
				fmu.Unlock()
				return fc, nil
			}}
			c := dial(t, srv.url(), cfg)
			send := func(ms ...string) {
				for _, m := range ms {
					if err := c.Send(t.Context(), msg(m)); err != nil {
						t.Fatal(err)
					}
				}
			}
			send("a", "b")
			eventually(t, 5*time.Second, "a, b on the first connection", func() bool { return log.total() == 2 })

			fmu.Lock()
			fc := fcs[0]
			fmu.Unlock()
			fc.armed.Store(true)
			send("c")
			select {
			case <-fc.entered:
			case <-time.After(5 * time.Second):
				t.Fatal("the writer never wrote c")
			}
			send("d", "e", "f")
			if st := c.Stats(); st.QueueDepth != 3 || st.Written != 2 {
				t.Fatalf("while c's write hangs: %d queued, %d written; want 3 and 2", st.QueueDepth, st.Written)
			}
			close(fc.release)

			waitConnects(t, c, 2)
			wantTotal := len(tc.first) + 4
			eventually(t, 5*time.Second, "the queue flushed on the second connection", func() bool { return log.total() == wantTotal })
			got := log.get()
			if len(got) != 2 || !slices.Equal(got[0], tc.first) || !slices.Equal(got[1], []string{"c", "d", "e", "f"}) {
				t.Fatalf("server read %v, want %v then [c d e f]", got, tc.first)
			}
			lost, dup, inOrder := deliveryCheck([]string{"a", "b", "c", "d", "e", "f"}, slices.Concat(got...))
			if lost != nil || !slices.Equal(dup, tc.dup) || !inOrder {
				t.Fatalf("lost %v, duplicated %v (want %v), in order %v", lost, dup, tc.dup, inOrder)
			}
			recon := rec.to(StateReconnecting)
			if len(recon) != 1 || !errors.Is(recon[0].Err, errInjected) {
				t.Fatalf("reconnecting events %+v, want one caused by the injected failure", recon)
			}
			if st := c.Stats(); st.Written != 6 || st.QueueDepth != 0 {
				t.Fatalf("stats %+v, want 6 written (c counted once, on success), queue empty", st)
			}
			fmu.Lock()
			defer fmu.Unlock()
			if len(fcs) != 2 {
				t.Fatalf("%d TCP connections, want 2", len(fcs))
			}
		})
	}
}
