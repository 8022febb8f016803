package client

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// hostileServer is a session server on loopback that behaves until the
// client attaches channel "c", then runs script on the connection, then
// sends the message c#1 "ok" the way a good server would. Repair attaches
// are answered at head 0, publishes acked. conns counts connections.
func hostileServer(t *testing.T, script func(ws *websocket.Conn) error) (*wsServer, *atomic.Int32) {
	var conns atomic.Int32
	sc := &scripted{t: t}
	srv := startServer(t, "127.0.0.1:0", func(ws *websocket.Conn) {
		conns.Add(1)
		attached := false
		var head uint64 // serials of "c" sent so far: a repair attach is answered as a real server would
		ok := protocol.ChannelMessage{Channel: "c", Serial: 1, Data: []byte("ok")}
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
			case protocol.Publish:
				_ = sc.send(ws, protocol.Ack{Seq: m.Seq})
			case protocol.Attach:
				if attached {
					// A repair (after the hostile frames): the head as it is,
					// and a replay of what the client has not got.
					_ = sc.send(ws, protocol.Attached{Channel: m.Channel, Serial: head})
					if m.Channel == "c" && m.After < head {
						_ = sc.send(ws, ok)
					}
					continue
				}
				_ = sc.send(ws, protocol.Attached{Channel: m.Channel})
				attached = true
				if script(ws) != nil {
					return
				}
				_ = sc.send(ws, ok)
				head = 1
			}
		}
	})
	return srv, &conns
}

func raw(ws *websocket.Conn, frames ...string) error {
	for _, f := range frames {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
			return err
		}
	}
	return nil
}

// TestHostileServerFrames: each class of hostile server->client frame has
// an exact outcome: counted as a protocol error (or repaired), the frame
// ignored, the connection kept (1 connect), and the good message after it
// delivered exactly once (serial 1, "ok"). Rows of docs/HOSTILE.md.
func TestHostileServerFrames(t *testing.T) {
	deep := `{"v":1,"type":"message","body":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}`
	tests := []struct {
		name           string
		script         func(ws *websocket.Conn) error
		protocolErrors uint64
		serverErrors   uint64
		repairs        uint64
	}{
		{"unsolicited attached, unknown channel", func(ws *websocket.Conn) error {
			return raw(ws, `{"v":1,"type":"attached","body":{"channel":"zz","serial":5,"oldest":1}}`)
		}, 1, 0, 0},
		{"forged attached, no attach pending", func(ws *websocket.Conn) error {
			// Would reset the position to 0 (a fake "channel reset" loss) if applied.
			return raw(ws, `{"v":1,"type":"attached","body":{"channel":"c","serial":0,"oldest":1}}`,
				`{"v":1,"type":"attached","body":{"channel":"c","serial":900,"oldest":1,"continuity_lost":true}}`)
		}, 2, 0, 0},
		{"unknown message type", func(ws *websocket.Conn) error {
			return raw(ws, `{"v":1,"type":"bogus","body":{}}`)
		}, 1, 0, 0},
		{"unsupported version", func(ws *websocket.Conn) error {
			return raw(ws, `{"v":99,"type":"message","body":{"channel":"c","serial":1,"data":""}}`)
		}, 1, 0, 0},
		{"invalid UTF-8", func(ws *websocket.Conn) error {
			return ws.WriteMessage(websocket.TextMessage, []byte{0xff, 0xfe, '{', 0xc3})
		}, 1, 0, 0},
		{"binary frame where text is expected", func(ws *websocket.Conn) error {
			// A valid message for c#1 that must not be delivered: it is binary.
			return ws.WriteMessage(websocket.BinaryMessage, []byte(`{"v":1,"type":"message","body":{"channel":"c","serial":1,"data":"Ymlu"}}`))
		}, 1, 0, 0},
		{"deep JSON nesting", func(ws *websocket.Conn) error { return raw(ws, deep) }, 1, 0, 0},
		{"not JSON", func(ws *websocket.Conn) error { return raw(ws, "hello", "", "{") }, 3, 0, 0},
		{"ack for a sequence never sent", func(ws *websocket.Conn) error {
			return raw(ws, `{"v":1,"type":"ack","body":{"seq":99}}`)
		}, 1, 0, 0},
		{"ack going backwards", func(ws *websocket.Conn) error {
			// Publications 1 and 2 were acked before the attach (published first).
			return raw(ws, `{"v":1,"type":"ack","body":{"seq":1}}`, `{"v":1,"type":"ack","body":{"seq":2}}`)
		}, 1, 0, 0},
		{"serial huge", func(ws *websocket.Conn) error {
			return raw(ws, `{"v":1,"type":"message","body":{"channel":"c","serial":4611686018427387904,"data":""}}`)
		}, 0, 0, 1},
		{"unsolicited handshake answers", func(ws *websocket.Conn) error {
			return raw(ws, `{"v":1,"type":"welcome","body":{"session":"evil","token":"x","heartbeat_ms":1,"resume_ttl_ms":1}}`,
				`{"v":1,"type":"resume_failed","body":{"reason":"lol"}}`)
		}, 0, 0, 0},
		{"error frame, unknown code", func(ws *websocket.Conn) error {
			return raw(ws, `{"v":1,"type":"error","body":{"code":"teapot","message":"short and stout"}}`)
		}, 0, 1, 0},
		{"ping flood", func(ws *websocket.Conn) error {
			for range 5000 {
				if err := ws.WriteControl(websocket.PingMessage, []byte("flood"), time.Now().Add(time.Second)); err != nil {
					return err
				}
			}
			return nil
		}, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, conns := hostileServer(t, tt.script)
			ev := &eventCounter{}
			s := dialFault(t, srv.url(), fastSession(ev))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, p := range []string{"p1", "p2"} {
				if _, err := s.PublishAndWait(ctx, "x", []byte(p)); err != nil {
					t.Fatal(err)
				}
			}
			sub, err := s.Attach(ctx, "c")
			if err != nil {
				t.Fatal(err)
			}
			d, err := sub.Next(ctx)
			if err != nil || d.Serial != 1 || string(d.Data) != "ok" {
				t.Fatalf("first delivery %d %q, %v; want 1 \"ok\"", d.Serial, d.Data, err)
			}
			if sub.Buffered() != 0 {
				t.Fatalf("%d more deliveries buffered", sub.Buffered())
			}
			st := s.Stats()
			if st.ProtocolErrors != tt.protocolErrors || st.ServerErrors != tt.serverErrors || st.Repairs != tt.repairs ||
				st.ContinuityLosses != 0 || st.Delivered != 1 {
				t.Fatalf("protocol errors %d server errors %d repairs %d losses %d delivered %d; want %d %d %d 0 1",
					st.ProtocolErrors, st.ServerErrors, st.Repairs, st.ContinuityLosses, st.Delivered,
					tt.protocolErrors, tt.serverErrors, tt.repairs)
			}
			want := int(tt.protocolErrors + tt.serverErrors)
			eventually(t, 5*time.Second, "protocol-error events", func() bool { return ev.count(EventProtocolError) >= want })
			if n := ev.count(EventProtocolError); n != want {
				t.Fatalf("%d protocol-error events, want %d", n, want)
			}
			if c := s.Client().Stats().Connects; c != 1 || conns.Load() != 1 {
				t.Fatalf("%d connects (%d at the server), want 1", c, conns.Load())
			}
			if s.SessionID() != "s1" {
				t.Fatalf("session id %q: an unsolicited welcome was taken", s.SessionID())
			}
		})
	}
}

// TestHostileOversizedControlFrame: a ping with a 200-byte payload (the
// limit is 125) is a protocol violation gorilla refuses: the connection
// ends and the client reconnects (exactly 2 connects), resumes, and the
// message sent on the second connection is delivered once. Never a hang or
// a crash.
func TestHostileOversizedControlFrame(t *testing.T) {
	var first atomic.Bool
	srv, conns := hostileServer(t, func(ws *websocket.Conn) error {
		if first.Swap(true) {
			return nil // the second connection behaves
		}
		frame := append([]byte{0x89, 126, 0, 200}, make([]byte, 200)...)
		_, err := ws.NetConn().Write(frame)
		if err == nil {
			err = errHostileDone
		}
		return err
	})
	ev := &eventCounter{}
	s := dialFault(t, srv.url(), fastSession(ev))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := s.Attach(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	d, err := sub.Next(ctx)
	if err != nil || d.Serial != 1 || string(d.Data) != "ok" {
		t.Fatalf("delivery %d %q, %v", d.Serial, d.Data, err)
	}
	eventually(t, 5*time.Second, "second connect", func() bool { return s.Client().Stats().Connects >= 2 })
	if c := s.Client().Stats().Connects; c != 2 || conns.Load() != 2 || s.Stats().Delivered != 1 {
		t.Fatalf("connects %d (server %d), delivered %d; want 2 2 1", c, conns.Load(), s.Stats().Delivered)
	}
}

var errHostileDone = errorString("hostile script ended the connection")

type errorString string

func (e errorString) Error() string { return string(e) }
