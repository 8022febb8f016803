package client

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// scripted is a hand-written session server for tests that need an exact
// frame order the fault server would not produce.
type scripted struct {
	t     testing.TB
	conns atomic.Int32
}

func (sc *scripted) send(ws *websocket.Conn, m protocol.Message) error {
	frame, err := protocol.Encode(m)
	if err != nil {
		sc.t.Errorf("encode %T: %v", m, err)
		return err
	}
	return ws.WriteMessage(websocket.TextMessage, frame)
}

func (sc *scripted) read(ws *websocket.Conn) (protocol.Message, error) {
	_, data, err := ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	return protocol.Decode(data)
}

// gapDuringOpening: connection 1 is an ordinary session whose attaches are
// answered at head 0. Connection 2 (after the test drops 1) resumes; the
// client re-attaches its n channels and the server answers them in reverse
// order, each attached followed at once by a message with serial 2 (serial 1
// missing): a live gap on every channel while the opening still waits for
// the first channel's answer. Repair attaches get serials 1 and 2.
func (sc *scripted) gapDuringOpening(n int) func(*websocket.Conn) {
	return func(ws *websocket.Conn) {
		conn := sc.conns.Add(1)
		var attaches []string
		for {
			m, err := sc.read(ws)
			if err != nil {
				return
			}
			switch m := m.(type) {
			case protocol.Hello:
				_ = sc.send(ws, protocol.Welcome{Session: "s1", Token: "t1"})
			case protocol.Resume:
				_ = sc.send(ws, protocol.Resumed{Session: "s1"})
			case protocol.Attach:
				if conn == 1 {
					_ = sc.send(ws, protocol.Attached{Channel: m.Channel})
					continue
				}
				if len(attaches) < n {
					attaches = append(attaches, m.Channel)
					if len(attaches) == n {
						for _, ch := range slices.Backward(attaches) {
							_ = sc.send(ws, protocol.Attached{Channel: ch})
							_ = sc.send(ws, protocol.ChannelMessage{Channel: ch, Serial: 2, Data: []byte("2")})
						}
					}
					continue
				}
				_ = sc.send(ws, protocol.Attached{Channel: m.Channel, Serial: 2})
				for i := uint64(m.After + 1); i <= 2; i++ {
					_ = sc.send(ws, protocol.ChannelMessage{Channel: m.Channel, Serial: i, Data: fmt.Appendf(nil, "%d", i)})
				}
			}
		}
	}
}

// TestGapDuringOpeningKeepsConnection: a gap on a channel whose attach was
// answered while the opening still waits for another one is repaired after
// the opening, on the same connection. Exact counts: 2 connects (the test's
// drop only), 8 repairs, serials 1 and 2 once each on all 8 channels, no
// loss. The old code waited for the repair's signal inside the opening,
// which only the repair (sent after the opening) could close: the second
// connection was abandoned after ReplyTimeout every time.
func TestGapDuringOpeningKeepsConnection(t *testing.T) {
	const n = 8
	sc := &scripted{t: t}
	srv := startServer(t, "127.0.0.1:0", sc.gapDuringOpening(n))
	ev := &eventCounter{}
	cfg := fastSession(ev)
	cfg.ReplyTimeout = time.Second
	s := dialFault(t, srv.url(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var subs []*Subscription
	for i := range n {
		sub, err := s.Attach(ctx, fmt.Sprintf("ch%d", i))
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	srv.dropLive(t)
	for _, sub := range subs {
		var got []uint64
		for range 2 {
			d, err := sub.Next(ctx)
			if err != nil {
				t.Fatalf("%s after %v: %v", sub.Channel(), got, err)
			}
			got = append(got, d.Serial)
		}
		if !slices.Equal(got, []uint64{1, 2}) {
			t.Fatalf("%s delivered %v, want [1 2]", sub.Channel(), got)
		}
	}
	st, cst := s.Stats(), s.Client().Stats()
	if cst.Connects != 2 || sc.conns.Load() != 2 || st.Repairs != n || st.ContinuityLosses != 0 || st.Delivered != 2*n {
		t.Fatalf("connects %d (server %d), repairs %d, losses %d, delivered %d; want 2 2 %d 0 %d",
			cst.Connects, sc.conns.Load(), st.Repairs, st.ContinuityLosses, st.Delivered, n, 2*n)
	}
}

func TestSessionWorstCaseRecovery(t *testing.T) {
	if got := (SessionConfig{}).WorstCaseRecovery(); got != 82500*time.Millisecond {
		t.Fatalf("default session bound %v, want 82.5s", got)
	}
	cfg := SessionConfig{ReplyTimeout: time.Second, Client: Config{HandshakeTimeout: time.Second,
		Backoff: Backoff{Base: 100 * time.Millisecond, Cap: time.Second, Jitter: JitterNone}}}
	if got, want := cfg.WorstCaseRecovery(), 2*(time.Second+3*time.Second)+cfg.Client.Backoff.WithDefaults().Max(); got != want {
		t.Fatalf("bound %v, want %v", got, want)
	}
}

// noSessionDuringOpening: connection 1 is an ordinary session s1.
// Connection 2 (after the test drops 1) resumes s1, then answers every
// attach with error no_session, as a server that lost the session right
// after resumed does; after a new hello (session s2) attaches are answered
// at head 0 and serial 1 follows on each channel.
func (sc *scripted) noSessionDuringOpening() func(*websocket.Conn) {
	return func(ws *websocket.Conn) {
		conn := sc.conns.Add(1)
		session := "s1"
		for {
			m, err := sc.read(ws)
			if err != nil {
				return
			}
			switch m := m.(type) {
			case protocol.Hello:
				if conn == 2 {
					session = "s2"
				}
				_ = sc.send(ws, protocol.Welcome{Session: session, Token: "t"})
			case protocol.Resume:
				_ = sc.send(ws, protocol.Resumed{Session: m.Session})
				session = "lost"
			case protocol.Attach:
				switch session {
				case "lost":
					_ = sc.send(ws, protocol.ErrorMessage{Code: protocol.CodeNoSession, Message: "attach needs a session"})
				case "s1":
					_ = sc.send(ws, protocol.Attached{Channel: m.Channel})
				default:
					_ = sc.send(ws, protocol.Attached{Channel: m.Channel})
					_ = sc.send(ws, protocol.ChannelMessage{Channel: m.Channel, Serial: 1, Data: []byte("1")})
				}
			}
		}
	}
}

// TestNoSessionDuringOpeningResyncsAtOnce: the server loses the session
// between resumed and the attach round. The opening restarts with a new
// session on the same connection as soon as the first no_session arrives:
// with ReplyTimeout 60s everything is delivered within the test's 15s
// bound (the old code waited the full ReplyTimeout, then abandoned the
// connection). Exact counts: 2 connections, 1 opening loss, 2 sessions,
// 1 resync, 4 server errors (one per attach), serial 1 once per channel.
func TestNoSessionDuringOpeningResyncsAtOnce(t *testing.T) {
	const n = 4
	sc := &scripted{t: t}
	srv := startServer(t, "127.0.0.1:0", sc.noSessionDuringOpening())
	ev := &eventCounter{}
	cfg := fastSession(ev)
	cfg.ReplyTimeout = time.Minute
	s := dialFault(t, srv.url(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var subs []*Subscription
	for i := range n {
		sub, err := s.Attach(ctx, fmt.Sprintf("ch%d", i))
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	srv.dropLive(t)
	for _, sub := range subs {
		d, err := sub.Next(ctx)
		if err != nil || d.Serial != 1 {
			t.Fatalf("%s: %+v, %v; want serial 1", sub.Channel(), d, err)
		}
	}
	for s.Client().Stats().Connects < 2 && ctx.Err() == nil { // counted once opened returned
		time.Sleep(time.Millisecond)
	}
	st, cst := s.Stats(), s.Client().Stats()
	if cst.Connects != 2 || sc.conns.Load() != 2 || st.OpeningLosses != 1 || st.Sessions != 2 || st.Resyncs != 1 ||
		st.ServerErrors != n || st.Delivered != n || s.SessionID() != "s2" {
		t.Fatalf("connects %d (server %d), opening losses %d, sessions %d, resyncs %d, server errors %d, delivered %d, session %q; want 2 2 1 2 1 %d %d s2",
			cst.Connects, sc.conns.Load(), st.OpeningLosses, st.Sessions, st.Resyncs, st.ServerErrors, st.Delivered, s.SessionID(), n, n)
	}
}
