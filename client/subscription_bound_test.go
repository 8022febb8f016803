package client

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// creditIgnorer is a hostile v3 server: it announces deliver_window 16 and
// ignores it. The first attach of "c" is answered at head 0 and followed
// at once by serials 1..total; any later attach (after X) by attached at
// head total and a replay of X+1..total, again all at once.
func creditIgnorer(t testing.TB, total uint64) func(*websocket.Conn) {
	sc := &scripted{t: t}
	return func(ws *websocket.Conn) {
		first := true
		for {
			m, err := sc.read(ws)
			if err != nil {
				return
			}
			switch m := m.(type) {
			case protocol.Hello:
				_ = sc.send(ws, protocol.Welcome{Session: "s", Token: "t", Limits: protocol.Limits{DeliverWindow: 16}})
			case protocol.Attach:
				from := m.After + 1
				if first {
					first, from = false, 1
					_ = sc.send(ws, protocol.Attached{Channel: m.Channel, Epoch: 7})
				} else {
					_ = sc.send(ws, protocol.Attached{Channel: m.Channel, Serial: total, Oldest: 1, Epoch: 7})
				}
				for i := from; i <= total; i++ {
					if sc.send(ws, protocol.ChannelMessage{Channel: m.Channel, Serial: i, Data: fmt.Appendf(nil, "%d", i)}) != nil {
						return
					}
				}
			}
		}
	}
}

// TestSubscriptionBoundAgainstServerIgnoringCredit: the server pushes 3,000
// messages at once. With SubscriptionBuffer 100 the buffer never holds more
// than 100; the drops are counted, raised (one EventSubscriptionOverflow per
// overflow, one re-attach each) and replayed, so the consumer gets 1..3000
// exactly once, in order, with no continuity loss. The control, with a
// buffer of 10,000, buffers all 3,000 at once (what an unbounded buffer
// did) and never overflows: the bound is what keeps it small.
func TestSubscriptionBoundAgainstServerIgnoringCredit(t *testing.T) {
	const total = 3000
	for _, c := range []struct {
		buffer  int
		bounded bool
	}{{100, true}, {10000, false}} {
		t.Run(fmt.Sprint(c.buffer), func(t *testing.T) {
			srv := startServer(t, "127.0.0.1:0", creditIgnorer(t, total))
			ev := &eventCounter{}
			cfg := fastSession(ev)
			cfg.SubscriptionBuffer = c.buffer
			s := dialFault(t, srv.url(), cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sub, err := s.Attach(ctx, "c")
			if err != nil {
				t.Fatal(err)
			}
			// Let the flood arrive before consuming: the worst case.
			eventually(t, 10*time.Second, "flood received", func() bool {
				st := s.Stats()
				return st.Overflows > 0 || st.Delivered == total
			})
			maxBuf := 0
			for want := uint64(1); want <= total; want++ {
				maxBuf = max(maxBuf, sub.Buffered())
				d, err := sub.Next(ctx)
				if err != nil {
					t.Fatalf("at %d: %v", want, err)
				}
				if d.Serial != want || string(d.Data) != fmt.Sprint(want) {
					t.Fatalf("got serial %d %q, want %d", d.Serial, d.Data, want)
				}
			}
			st := s.Stats()
			if st.Delivered != total || st.ContinuityLosses != 0 || ev.count(EventContinuityLost) != 0 {
				t.Fatalf("delivered %d, losses %d; want %d, 0", st.Delivered, st.ContinuityLosses, total)
			}
			if !c.bounded {
				if maxBuf != total || st.Overflows != 0 {
					t.Fatalf("control: max buffered %d, overflows %d; want %d, 0", maxBuf, st.Overflows, total)
				}
				return
			}
			if maxBuf > c.buffer || st.Overflows == 0 || st.OverflowRepairs == 0 ||
				uint64(ev.count(EventSubscriptionOverflow)) != st.OverflowRepairs {
				t.Fatalf("max buffered %d (bound %d), overflows %d, repairs %d, overflow events %d",
					maxBuf, c.buffer, st.Overflows, st.OverflowRepairs, ev.count(EventSubscriptionOverflow))
			}
		})
	}
}

// TestSubscriptionOverflowUnit: a full buffer drops without moving the
// position; Next draining to half starts one re-attach from last; the
// replay then fills in order. Exact verdicts.
func TestSubscriptionOverflowUnit(t *testing.T) {
	s, sub := newTestSub("ch")
	s.repairs = map[*Subscription]struct{}{}
	sub.maxLen = 4
	sub.beginSync(1, false)
	sub.onAttached(protocol.Attached{Channel: "ch", Epoch: 3})
	offerAll(t, sub, verdictDeliver, 1, 2, 3, 4)
	offerAll(t, sub, verdictOverflowStart, 5)
	offerAll(t, sub, verdictOverflow, 6, 7)
	ctx := context.Background()
	for want := uint64(1); want <= 2; want++ {
		if d, _ := sub.Next(ctx); d.Serial != want || d.Epoch != 3 {
			t.Fatalf("next %+v, want serial %d epoch 3", d, want)
		}
	}
	if len(s.repairs) != 1 || s.stats.OverflowRepairs != 1 {
		t.Fatalf("repairs %d (%d), want 1", len(s.repairs), s.stats.OverflowRepairs)
	}
	if a := sub.attachMsg(); a.After != 4 || a.Epoch != 3 {
		t.Fatalf("re-attach %+v, want after 4 epoch 3", a)
	}
	offerAll(t, sub, verdictEarly, 8) // overtakes the replay
	if _, ok := sub.onAttached(protocol.Attached{Channel: "ch", Serial: 8, Oldest: 1, Epoch: 3}); !ok {
		t.Fatal("re-attach answer refused")
	}
	offerAll(t, sub, verdictDeliver, 5, 6)
	offerAll(t, sub, verdictOverflowStart, 7)
}
