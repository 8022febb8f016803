package faultserver

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// TestSessionWindowBoundsPendingReplay: with DeliverWindow 100 and
// SessionWindow 250, a session that attached 8 channels with 300 messages of
// backlog each (2,400 pending) is sent exactly 250 messages before any
// deliver_ack, then exactly as many more as it acks; acking everything it
// got, it receives all 2,400 exactly once and in order per channel. The
// control: with SessionWindow off the same session is sent 8 x 100 = 800
// (the per-channel credit alone).
func TestSessionWindowBoundsPendingReplay(t *testing.T) {
	for _, c := range []struct {
		window, first int
	}{{250, 250}, {-1, 800}} {
		t.Run(fmt.Sprint(c.window), func(t *testing.T) {
			s := start(t, Config{DeliverWindow: 100, SessionWindow: c.window})
			pub := dial(t, s.SessionURL())
			pub.hello()
			var seq uint64
			names := make([]string, 8)
			for i := range names {
				names[i] = fmt.Sprintf("ch%d", i)
				seq = publishN(t, pub, seq, names[i], 300)
			}
			sub := dial(t, s.SessionURL())
			if w := sub.hello(); c.window > 0 && w.Limits.SessionWindow != c.window {
				t.Fatalf("limits %+v, want session_window %d", w.Limits, c.window)
			}
			for _, ch := range names {
				sub.send(protocol.Attach{Channel: ch, After: 0, Epoch: 1}) // another epoch: everything
			}
			last := map[string]uint64{}
			got, attached := 0, 0
			read := func(n int) {
				t.Helper()
				for n > 0 {
					var m protocol.ChannelMessage
					switch f := sub.recv().(type) {
					case protocol.Attached:
						if f.ContinuityLost || f.Oldest != 1 || f.Serial != 300 {
							t.Fatalf("attached %+v", f)
						}
						attached++
						continue
					case protocol.ChannelMessage:
						m = f
					default:
						t.Fatalf("unexpected %T %+v", f, f)
					}
					n--
					if m.Serial != last[m.Channel]+1 {
						t.Fatalf("%s: serial %d after %d", m.Channel, m.Serial, last[m.Channel])
					}
					last[m.Channel] = m.Serial
					got++
				}
			}
			read(c.first)
			for { // the rest of the attached, then nothing
				m, err := sub.tryRecv(100 * time.Millisecond)
				if err != nil {
					break
				}
				if _, ok := m.(protocol.Attached); !ok {
					t.Fatalf("after %d messages: %T %+v, want nothing more", got, m, m)
				}
				attached++
			}
			if attached != 8 {
				t.Fatalf("%d attached, want 8", attached)
			}
			if c.window < 0 {
				return
			}
			if st := s.Stats().SessionWindowStalls; st == 0 {
				t.Fatalf("session_window_stalls 0, want > 0")
			}
			for round := 0; got < 8*300; round++ {
				if round > 100 {
					t.Fatalf("%d of 2,400 after 100 rounds", got)
				}
				before := got
				for _, ch := range names {
					sub.send(protocol.DeliverAck{Channel: ch, Serial: last[ch]})
				}
				// Everything was acked: what arrives now is all in flight.
				// Per-channel credit may allow less than the window near
				// the end, so read until quiet.
				read(1)
				for {
					m, err := sub.tryRecv(150 * time.Millisecond)
					if err != nil {
						break
					}
					cm, ok := m.(protocol.ChannelMessage)
					if !ok || cm.Serial != last[cm.Channel]+1 {
						t.Fatalf("%T %+v after %d of %s", m, m, last[cm.Channel], cm.Channel)
					}
					last[cm.Channel] = cm.Serial
					got++
				}
				if n := got - before; n > 250 {
					t.Fatalf("round %d: %d messages in flight, session window 250", round, n)
				}
			}
			sub.quiet(100 * time.Millisecond)
			for _, ch := range names {
				if last[ch] != 300 {
					t.Fatalf("%s: last %d, want 300", ch, last[ch])
				}
			}
		})
	}
}

// flooder dials a v1 session (no credit), attaches "flood" and publishes
// 4 KiB payloads to it without ever reading: the fanned-out messages fill
// its socket and its send queue, and the server drops it, as a slow
// consumer if the queue overflows or by WriteTimeout on the blocked write
// (folded acks no longer fill the queue's reserve, so which one comes first
// depends on timing). It returns when the server has dropped it (or fails
// the test after ioWait).
func flooder(t *testing.T, s *Server) {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(s.SessionURL(), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	resp.Body.Close()
	defer ws.Close()
	send := func(m protocol.Message) error {
		frame, err := protocol.EncodeVersion(1, m)
		if err != nil {
			t.Fatal(err)
		}
		_ = ws.SetWriteDeadline(time.Now().Add(ioWait))
		return ws.WriteMessage(websocket.TextMessage, frame)
	}
	_ = send(protocol.Hello{})
	_ = send(protocol.Attach{Channel: "flood"})
	payload := bytes.Repeat([]byte("x"), 4096)
	deadline := time.Now().Add(ioWait)
	for seq := uint64(1); time.Now().Before(deadline); seq++ {
		if err := send(protocol.Publish{Seq: seq, Channel: "flood", Data: payload}); err != nil {
			break // the server dropped us
		}
		if seq%256 == 0 && nonReaderDrops(s) > 0 {
			break
		}
	}
	for end := time.Now().Add(ioWait + s.cfg.WriteTimeout); nonReaderDrops(s) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the server never dropped a connection that does not read (events %v)", s.Events())
		}
	}
}

// nonReaderDrops counts the connections the server dropped for not
// reading: a send queue overflow (slow_consumer; its disconnect event says
// "slow consumer") or a write that timed out (its disconnect says "write
// failed"). Each drop counts once.
func nonReaderDrops(s *Server) int {
	n := 0
	for _, e := range s.Events() {
		if e.Kind == EventSlowConsumer || (e.Kind == EventDisconnect && strings.HasPrefix(e.Detail, "write failed")) {
			n++
		}
	}
	return n
}

// TestSlowConsumerKilledBacklogConverges: while a resumed session streams
// an 8 x 1,024 backlog (and, in the second case, 1 x 8,192 with
// HistorySize 8192), a connection that publishes without reading is
// dropped as a slow consumer: exactly 1 kill, and it is the flooder's (the
// backlog reader's connection stays up and gets every serial exactly once,
// in order, nothing replayed twice).
func TestSlowConsumerKilledBacklogConverges(t *testing.T) {
	for _, c := range []struct {
		name              string
		cfg               Config
		channels, perChan int
	}{
		{"8x1024", Config{SendQueue: 512, WriteTimeout: time.Second}, 8, 1024},
		{"1x8192", Config{SendQueue: 512, HistorySize: 8192, WriteTimeout: time.Second}, 1, 8192},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, c.cfg)
			backlogOn(t, s, c.channels, c.perChan, func() { flooder(t, s) })
			if drops := nonReaderDrops(s); drops != 1 {
				t.Fatalf("%d connections dropped for not reading, want exactly 1 (the flooder)", drops)
			}
			if n := s.Stats().Connections; n != 2 { // the backlog reader and the publisher stay
				t.Fatalf("%d connections open, want 2 (the backlog reader and the publisher)", n)
			}
		})
	}
}
