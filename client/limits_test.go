package client

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestReadLimit: a frame one byte over ReadLimit ends the connection (the
// client sends close 1009, the error wraps websocket.ErrReadLimit, nothing
// is delivered), and the client reconnects. Negative control: on the next
// connection a frame of exactly ReadLimit bytes is delivered.
func TestReadLimit(t *testing.T) {
	const limit = 1024
	codes := make(chan int, 1)
	var n int
	var mu sync.Mutex
	srv := startServer(t, "127.0.0.1:0", func(ws *websocket.Conn) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			_ = ws.WriteMessage(websocket.BinaryMessage, make([]byte, limit+1))
			_, _, err := ws.ReadMessage()
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				codes <- ce.Code
			} else {
				codes <- 0
			}
			return
		}
		_ = ws.WriteMessage(websocket.BinaryMessage, make([]byte, limit))
		_ = ws.WriteMessage(websocket.TextMessage, []byte("after"))
		(&sink{}).handle(ws)
	})
	var rec recorder
	var gmu sync.Mutex
	var got []int
	cfg := fast(&rec)
	cfg.ReadLimit = limit
	cfg.OnMessage = func(m Message) { gmu.Lock(); got = append(got, len(m.Data)); gmu.Unlock() }
	c := dial(t, srv.url(), cfg)
	waitConnects(t, c, 2)
	eventually(t, 5*time.Second, "2 messages on the second connection", func() bool {
		gmu.Lock()
		defer gmu.Unlock()
		return len(got) == 2
	})
	select {
	case code := <-codes:
		if code != websocket.CloseMessageTooBig {
			t.Fatalf("server read close code %d, want 1009", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server never finished reading the first connection")
	}
	eventually(t, 5*time.Second, "the reconnecting event", func() bool { return len(rec.to(StateReconnecting)) == 1 })
	ev := rec.to(StateReconnecting)[0]
	if !errors.Is(ev.Err, websocket.ErrReadLimit) || failureOf(ev.Err).Stage != StageIO || !strings.Contains(ev.Err.Error(), "ReadLimit 1024") {
		t.Fatalf("loss %v, want an I/O failure wrapping websocket.ErrReadLimit and naming the limit", ev.Err)
	}
	gmu.Lock()
	defer gmu.Unlock()
	if len(got) != 2 || got[0] != limit || got[1] != len("after") {
		t.Fatalf("delivered sizes %v, want [%d 5]: the oversized frame must not be delivered", got, limit)
	}
	if st := c.Stats(); st.Connects != 2 || st.Attempts != 2 {
		t.Fatalf("stats %+v, want 2 attempts, 2 connects", st)
	}
}

// silentListener accepts TCP connections and never answers: a handshake
// against it can only time out.
type silentListener struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
	done  chan struct{}
}

func startSilent(t *testing.T) *silentListener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentListener{l: l, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-s.done
		for _, c := range s.conns {
			_ = c.Close()
		}
	})
	return s
}

func (s *silentListener) accepted() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.conns) }

// TestHandshakeTimeout: against a server that accepts TCP but never answers
// the upgrade, each attempt fails within HandshakeTimeout plus slack, with a
// timeout HandshakeError, counts as an attempt and is retried (here until
// MaxAttempts).
func TestHandshakeTimeout(t *testing.T) {
	const (
		timeout = 300 * time.Millisecond
		slack   = 700 * time.Millisecond // 2 loaded cores: scheduling, not the timer, is the risk
	)
	s := startSilent(t)
	var rec recorder
	created := time.Now() // the first attempt has no Connecting event: a client starts in that state
	c, err := New("ws://"+s.l.Addr().String()+"/", Config{HandshakeTimeout: timeout, MaxAttempts: 3, OnEvent: rec.add,
		Backoff: Backoff{Base: 10 * time.Millisecond, Cap: 20 * time.Millisecond, Jitter: JitterNone}})
	if err != nil {
		t.Fatal(err)
	}
	defer closeClient(t, c)
	if err := c.WaitFor(t.Context(), StateFailed); err != nil {
		t.Fatal(err)
	}
	var le *LimitError
	var he *HandshakeError
	var ne net.Error
	if !errors.As(c.Err(), &le) || le.Attempts != 3 || !errors.As(c.Err(), &he) || he.Status != 0 ||
		!errors.As(c.Err(), &ne) || !ne.Timeout() {
		t.Fatalf("Err = %v, want a max-attempts LimitError after 3 handshake timeouts", c.Err())
	}
	if st := c.Stats(); st.Attempts != 3 || s.accepted() != 3 {
		t.Fatalf("%d attempts, %d TCP connections accepted; want 3 and 3", st.Attempts, s.accepted())
	}
	eventually(t, 5*time.Second, "the final event", func() bool { return len(rec.to(StateFailed)) == 1 })
	// Each attempt runs from its Connecting event (New, for the first) to
	// the next Reconnecting (or the final Failed) event.
	start := created
	var took []time.Duration
	for _, ev := range rec.events() {
		switch ev.To {
		case StateConnecting:
			start = ev.Time
		case StateReconnecting, StateFailed:
			took = append(took, ev.Time.Sub(start))
		}
	}
	if len(took) != 3 {
		t.Fatalf("%d attempt durations %v, want 3", len(took), took)
	}
	for i, d := range took {
		if d < timeout || d > timeout+slack {
			t.Errorf("attempt %d took %v, want within [%v, %v]", i+1, d, timeout, timeout+slack)
		}
	}
}

// TestHandshakeSlowButInTime is the negative control: a server that answers
// the upgrade well within HandshakeTimeout connects on the first attempt.
func TestHandshakeSlowButInTime(t *testing.T) {
	srv := startServer(t, "127.0.0.1:0", (&sink{}).handle, func(s *wsServer) {
		s.onReq = func(*http.Request) { time.Sleep(150 * time.Millisecond) }
	})
	var rec recorder
	cfg := fast(&rec)
	cfg.HandshakeTimeout = 2 * time.Second
	c := dial(t, srv.url(), cfg)
	if st := c.Stats(); st.Attempts != 1 || st.Connects != 1 {
		t.Fatalf("stats %+v, want connected on the first attempt", st)
	}
}
