package faultserver

import (
	"testing"
	"time"

	"github.com/wschaos/wschaos/protocol"
)

// Serials that fell out of a channel's history while a subscriber was behind
// are never sent, so it can never deliver_ack them: they must not take its
// credit. They did (sent moved past them, delivered did not), and a
// subscriber more than DeliverWindow behind the history's start got nothing
// more, ever: the harness's overload runs lost every later echo silently.

// TestRepairAttachPastHistoryGetsCredit: a subscriber that fell out of
// history re-attaches from its last serial (the client's gap repair); it is
// told continuity_lost and then streamed from the oldest retained serial,
// DeliverWindow at a time.
func TestRepairAttachPastHistoryGetsCredit(t *testing.T) {
	s := start(t, Config{HistorySize: 20, DeliverWindow: 10})
	sub := dial(t, s.SessionURL())
	sub.hello()
	sub.attach("c", 0)
	pub := dial(t, s.SessionURL())
	pub.hello()
	publishN(t, pub, 0, "c", 50) // history keeps 31..50
	if serials, _ := sub.messages(10); serials[0] != 1 || serials[9] != 10 {
		t.Fatalf("first window %v", serials)
	}
	sub.quiet(100 * time.Millisecond) // no credit left
	sub.send(protocol.Attach{Channel: "c", After: 10})
	a := expect[protocol.Attached](sub)
	if !a.ContinuityLost || a.Oldest != 31 || a.Serial != 50 {
		t.Fatalf("attached %+v, want continuity_lost, oldest 31, head 50", a)
	}
	serials, _ := sub.messages(10)
	if serials[0] != 31 || serials[9] != 40 {
		t.Fatalf("after the repair %v, want 31..40", serials)
	}
	sub.quiet(100 * time.Millisecond)
	sub.send(protocol.DeliverAck{Channel: "c", Serial: 40})
	if serials, _ = sub.messages(10); serials[0] != 41 || serials[9] != 50 {
		t.Fatalf("after ack %v, want 41..50", serials)
	}
	sub.quiet(100 * time.Millisecond)
}

// TestPumpPastHistoryGetsCredit: a subscriber whose next serial fell out of
// history while it had no credit acks what it got; the pump skips the hole
// and streams from the oldest retained serial, so the subscriber sees the
// gap (and repairs it) instead of waiting forever.
func TestPumpPastHistoryGetsCredit(t *testing.T) {
	s := start(t, Config{HistorySize: 20, DeliverWindow: 10})
	sub := dial(t, s.SessionURL())
	sub.hello()
	sub.attach("c", 0)
	pub := dial(t, s.SessionURL())
	pub.hello()
	publishN(t, pub, 0, "c", 50)
	if serials, _ := sub.messages(10); serials[0] != 1 || serials[9] != 10 {
		t.Fatalf("first window %v", serials)
	}
	sub.send(protocol.DeliverAck{Channel: "c", Serial: 10})
	serials, _ := sub.messages(10)
	if serials[0] != 31 || serials[9] != 40 {
		t.Fatalf("after the ack %v, want 31..40 (11..30 fell out of history)", serials)
	}
	sub.quiet(100 * time.Millisecond)
}
