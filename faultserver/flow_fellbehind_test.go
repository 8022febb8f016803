package faultserver

import (
	"testing"
	"time"

	"github.com/wschaos/wschaos/protocol"
)

// TestFellBehindEvent: a subscriber whose position fell out of history while
// it had no credit is logged once as fell_behind, with its session, the last
// serial it was sent, the oldest retained, the head and the serials skipped;
// a subscriber that keeps up (the negative control, same traffic, acking as
// it goes) is never logged.
func TestFellBehindEvent(t *testing.T) {
	for _, lag := range []bool{true, false} {
		s := start(t, Config{HistorySize: 20, DeliverWindow: 10})
		sub := dial(t, s.SessionURL())
		w := sub.hello()
		sub.attach("c", 0)
		pub := dial(t, s.SessionURL())
		pub.hello()
		from := lastID(s)
		if lag {
			publishN(t, pub, 0, "c", 50) // history keeps 31..50
			if serials, _ := sub.messages(10); serials[0] != 1 || serials[9] != 10 {
				t.Fatalf("first window %v", serials)
			}
			sub.send(protocol.DeliverAck{Channel: "c", Serial: 10})
			if serials, _ := sub.messages(10); serials[0] != 31 {
				t.Fatalf("after the ack %v, want 31..40", serials)
			}
		} else {
			var seq uint64
			for k := range 5 {
				seq = publishN(t, pub, seq, "c", 10)
				if serials, _ := sub.messages(10); serials[0] != uint64(10*k+1) {
					t.Fatalf("window %d: %v", k, serials)
				}
				sub.send(protocol.DeliverAck{Channel: "c", Serial: seq})
			}
		}
		sub.quiet(100 * time.Millisecond)
		var got []Event
		for _, e := range s.EventsSince(from) {
			if e.Kind == EventFellBehind {
				got = append(got, e)
			}
		}
		switch {
		case !lag && len(got) != 0:
			t.Fatalf("a subscriber keeping up: fell_behind events %+v", got)
		case lag && len(got) != 1:
			t.Fatalf("fell_behind events %+v, want one", got)
		case lag:
			e := got[0]
			if e.Session != w.Session || e.Channel != "c" || e.After != 10 || e.Oldest != 31 || e.Serial != 50 || e.Count != 20 {
				t.Fatalf("fell_behind %+v, want session %s, channel c, after 10, oldest 31, head 50, count 20", e, w.Session)
			}
		}
	}
}
