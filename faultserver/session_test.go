package faultserver

import (
	"slices"
	"testing"
	"time"

	"github.com/wschaos/wschaos/protocol"
)

func TestHelloCreatesUnguessableSession(t *testing.T) {
	s := start(t, Config{SessionTTL: time.Minute, Heartbeat: 3 * time.Second})
	a, b := dial(t, s.SessionURL()), dial(t, s.SessionURL())
	wa, wb := a.hello(), b.hello()
	if len(wa.Session) != 32 || len(wa.Token) != 64 {
		t.Fatalf("session id %d hex chars, token %d; want 32 (128 bits) and 64 (256 bits)", len(wa.Session), len(wa.Token))
	}
	if wa.Session == wb.Session || wa.Token == wb.Token {
		t.Fatalf("two sessions share id or token: %+v %+v", wa, wb)
	}
	if wa.HeartbeatMS != 3000 || wa.ResumeTTLMS != 60000 {
		t.Fatalf("welcome heartbeat %d ttl %d, want 3000 60000", wa.HeartbeatMS, wa.ResumeTTLMS)
	}
	if got := s.CountEvents(EventHello); got != 2 {
		t.Fatalf("hello events = %d, want 2", got)
	}
	if st := s.Stats(); st.Sessions != 2 || st.SessionsTotal != 2 || st.Connections != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestResumeKeepsSessionAndRefusesWrongToken(t *testing.T) {
	s := start(t, Config{})
	a := dial(t, s.SessionURL())
	w := a.hello()
	a.publish(1, "c", "one")
	a.publish(2, "c", "two")
	a.ws.Close()
	waitEvent(t, s, 0, EventDisconnect)

	// Negative control: right id, wrong token.
	thief := dial(t, s.SessionURL())
	thief.send(protocol.Resume{Session: w.Session, Token: w.Token[:63] + "x"})
	if rf := expect[protocol.ResumeFailed](thief); rf.Reason == "" {
		t.Fatal("resume_failed without a reason")
	}
	thief.send(protocol.Resume{Session: "00112233445566778899aabbccddeeff", Token: w.Token})
	expect[protocol.ResumeFailed](thief)

	b := dial(t, s.SessionURL())
	b.send(protocol.Resume{Session: w.Session, Token: w.Token})
	r := expect[protocol.Resumed](b)
	if r.Session != w.Session || r.Acked != 2 {
		t.Fatalf("resumed %+v, want session %s acked 2", r, w.Session)
	}
	if got := s.CountEvents(EventResumeFailed); got != 2 {
		t.Fatalf("resume_failed events = %d, want 2", got)
	}
	if got := s.CountEvents(EventResume); got != 1 {
		t.Fatalf("resume events = %d, want 1", got)
	}
}

func TestResumeTakesOverLiveConnection(t *testing.T) {
	s := start(t, Config{})
	a := dial(t, s.SessionURL())
	w := a.hello()
	b := dial(t, s.SessionURL())
	b.send(protocol.Resume{Session: w.Session, Token: w.Token})
	expect[protocol.Resumed](b)
	if _, err := a.tryRecv(ioWait); err == nil {
		t.Fatal("old connection still open after its session resumed elsewhere")
	}
	if sess := s.Sessions(); len(sess) != 1 || !sess[0].Connected {
		t.Fatalf("sessions %+v", sess)
	}
}

func TestSessionExpiresAfterTTL(t *testing.T) {
	s := start(t, Config{SessionTTL: 50 * time.Millisecond})
	a := dial(t, s.SessionURL())
	w := a.hello()
	a.ws.Close()
	waitEvent(t, s, 0, EventSessionExpired)
	b := dial(t, s.SessionURL())
	b.send(protocol.Resume{Session: w.Session, Token: w.Token})
	expect[protocol.ResumeFailed](b)
}

func TestDedupeBySequence(t *testing.T) {
	s := start(t, Config{})
	a := dial(t, s.SessionURL())
	a.hello()
	a.attach("c", 0)
	for seq := uint64(1); seq <= 3; seq++ {
		if ack := a.publish(seq, "c", "m"); ack.Seq != seq {
			t.Fatalf("ack %d, want %d", ack.Seq, seq)
		}
		expect[protocol.ChannelMessage](a)
	}
	// Resent seqs are acked again (cumulatively) and dropped.
	for _, seq := range []uint64{2, 3} {
		if ack := a.publish(seq, "c", "dup"); ack.Seq != 3 {
			t.Fatalf("duplicate %d acked %d, want 3", seq, ack.Seq)
		}
	}
	// A gap is refused with an error and a re-ack of the position.
	a.send(protocol.Publish{Seq: 9, Channel: "c", Data: []byte("gap")})
	if e := expect[protocol.ErrorMessage](a); e.Code != protocol.CodeBadFrame {
		t.Fatalf("gap error code %q", e.Code)
	}
	if ack := expect[protocol.Ack](a); ack.Seq != 3 {
		t.Fatalf("gap re-ack %d, want 3", ack.Seq)
	}
	a.quiet(100 * time.Millisecond)
	st := s.Stats()
	if st.PublishesAccepted != 3 || st.DuplicatesDropped != 2 {
		t.Fatalf("accepted %d duplicates %d, want 3 and 2", st.PublishesAccepted, st.DuplicatesDropped)
	}
	if got := s.CountEvents(EventDuplicate); got != 2 {
		t.Fatalf("duplicate events %d, want 2", got)
	}
}

func TestFanOutToEveryAttachedSession(t *testing.T) {
	s := start(t, Config{})
	pub, x, y, other := dial(t, s.SessionURL()), dial(t, s.SessionURL()), dial(t, s.SessionURL()), dial(t, s.SessionURL())
	for _, p := range []*peer{pub, x, y, other} {
		p.hello()
	}
	pub.attach("news", 0)
	x.attach("news", 0)
	y.attach("news", 0)
	other.attach("sport", 0)
	pub.publish(1, "news", "a")
	expect[protocol.ChannelMessage](pub) // the publisher's own attached session gets it too
	pub.publish(2, "news", "b")
	expect[protocol.ChannelMessage](pub)
	for _, p := range []*peer{x, y} {
		serials, data := p.messages(2)
		if !slices.Equal(serials, []uint64{1, 2}) || !slices.Equal(data, []string{"a", "b"}) {
			t.Fatalf("got %v %v", serials, data)
		}
	}
	other.quiet(100 * time.Millisecond)
	if got := s.Stats().MessagesFannedOut; got != 6 {
		t.Fatalf("fanned out %d, want 6", got)
	}
}

func TestAttachReplaysHistoryAndReportsContinuityLost(t *testing.T) {
	s := start(t, Config{HistorySize: 3})
	pub := dial(t, s.SessionURL())
	pub.hello()
	for seq := uint64(1); seq <= 5; seq++ {
		pub.publish(seq, "c", string(rune('a'+seq-1)))
	}
	sub := dial(t, s.SessionURL())
	sub.hello()

	at := sub.attach("c", 3) // history holds 3..5: continuous
	if at.Serial != 5 || at.Oldest != 3 || at.ContinuityLost {
		t.Fatalf("attached %+v, want serial 5 oldest 3 no loss", at)
	}
	serials, data := sub.messages(2)
	if !slices.Equal(serials, []uint64{4, 5}) || !slices.Equal(data, []string{"d", "e"}) {
		t.Fatalf("replay %v %v", serials, data)
	}

	at = sub.attach("c", 1) // wants 2..5, history starts at 3
	if !at.ContinuityLost || at.Oldest != 3 || at.Serial != 5 {
		t.Fatalf("attached %+v, want continuity_lost with oldest 3", at)
	}
	if serials, _ = sub.messages(3); !slices.Equal(serials, []uint64{3, 4, 5}) {
		t.Fatalf("replay %v", serials)
	}

	fresh := dial(t, s.SessionURL())
	fresh.hello()
	at = fresh.attach("c", 0) // from now on: nothing replayed
	if at.ContinuityLost || at.Serial != 5 {
		t.Fatalf("attached %+v", at)
	}
	fresh.quiet(100 * time.Millisecond)

	var lost []bool
	for _, e := range s.Events() {
		if e.Kind == EventAttach {
			lost = append(lost, e.ContinuityLost)
		}
	}
	if !slices.Equal(lost, []bool{false, true, false}) {
		t.Fatalf("attach events continuity_lost = %v", lost)
	}
}

func TestResumeRedeliversWhatWasNotAcked(t *testing.T) {
	s := start(t, Config{})
	sub := dial(t, s.SessionURL())
	w := sub.hello()
	sub.attach("c", 0)
	pub := dial(t, s.SessionURL())
	pub.hello()
	for seq := uint64(1); seq <= 4; seq++ {
		pub.publish(seq, "c", "m")
	}
	sub.messages(4)
	sub.send(protocol.DeliverAck{Channel: "c", Serial: 2})
	// Make sure the deliver_ack was processed before the drop.
	sub.send(protocol.Detach{Channel: "none"})
	expect[protocol.Detached](sub)
	sub.ws.Close()
	waitEvent(t, s, 0, EventDisconnect)
	pub.publish(5, "c", "while away")

	again := dial(t, s.SessionURL())
	again.send(protocol.Resume{Session: w.Session, Token: w.Token})
	expect[protocol.Resumed](again)
	serials, _ := again.messages(3)
	if !slices.Equal(serials, []uint64{3, 4, 5}) {
		t.Fatalf("redelivered %v, want [3 4 5]", serials)
	}
	// A re-attach with after=0 continues from the last deliver_ack too.
	at := again.attach("c", 0)
	if at.Serial != 5 || at.ContinuityLost {
		t.Fatalf("attached %+v", at)
	}
	// ... without replaying the redelivered range a second time.
	again.quiet(100 * time.Millisecond)
	e := waitEvent(t, s, 0, EventRedeliver)
	if e.After != 2 || e.Count != 3 {
		t.Fatalf("redeliver event %+v", e)
	}
}

func TestDetachStopsDelivery(t *testing.T) {
	s := start(t, Config{})
	a := dial(t, s.SessionURL())
	a.hello()
	a.attach("c", 0)
	a.send(protocol.Detach{Channel: "c"})
	if d := expect[protocol.Detached](a); d.Channel != "c" {
		t.Fatalf("detached %+v", d)
	}
	a.publish(1, "c", "x")
	a.quiet(100 * time.Millisecond)
}

func TestResumeBeyondHistoryRedeliversNothing(t *testing.T) {
	s := start(t, Config{HistorySize: 2})
	sub := dial(t, s.SessionURL())
	w := sub.hello()
	sub.attach("c", 0)
	sub.ws.Close()
	waitEvent(t, s, 0, EventDisconnect)
	pub := dial(t, s.SessionURL())
	pub.hello()
	for seq := uint64(1); seq <= 4; seq++ { // history keeps 3 and 4 only
		pub.publish(seq, "c", "m")
	}
	again := dial(t, s.SessionURL())
	again.send(protocol.Resume{Session: w.Session, Token: w.Token})
	expect[protocol.Resumed](again)
	again.quiet(100 * time.Millisecond) // a partial replay would hide the hole
	e := waitEvent(t, s, 0, EventRedeliver)
	if !e.ContinuityLost || e.Count != 0 || e.Oldest != 3 {
		t.Fatalf("redeliver event %+v", e)
	}
	// The client's re-attach is told.
	if at := again.attach("c", 0); !at.ContinuityLost || at.Oldest != 3 || at.Serial != 4 {
		t.Fatalf("attached %+v", at)
	}
}
