package faultserver

import (
	"strings"
	"testing"

	"github.com/wschaos/wschaos/protocol"
)

// TestOversizedPublishIsRejectedNotClosed: a publish over ReadLimit gets
// rejected + ack (v2) and the connection carries on; the next publish is
// accepted. The old code closed with 1009, which the client retried.
func TestOversizedPublishIsRejectedNotClosed(t *testing.T) {
	s := start(t, Config{ReadLimit: 4096})
	a := dial(t, s.SessionURL())
	if w := a.hello(); w.Limits.MaxFrame != 4096 {
		t.Fatalf("limits %+v", w.Limits)
	}
	a.send(protocol.Publish{Seq: 1, Channel: "c", Data: []byte(strings.Repeat("x", 5000))})
	if r := expect[protocol.Rejected](a); r.Seq != 1 || r.Code != protocol.CodeTooLarge {
		t.Fatalf("rejected %+v", r)
	}
	if ack := expect[protocol.Ack](a); ack.Seq != 1 {
		t.Fatalf("ack %+v, want 1 (settled)", ack)
	}
	if ack := a.publish(2, "c", "small"); ack.Seq != 2 {
		t.Fatalf("ack %+v", ack)
	}
	st := s.Stats()
	if st.TooLargeRejected != 1 || st.PublishesAccepted != 1 {
		t.Fatalf("stats rejected %d accepted %d, want 1 and 1", st.TooLargeRejected, st.PublishesAccepted)
	}
}

// TestOversizedPublishV1GetsErrorAndAck: a v1 session has no rejected; it
// gets error too_large and the ack, in v1 frames.
func TestOversizedPublishV1GetsErrorAndAck(t *testing.T) {
	s := start(t, Config{ReadLimit: 4096})
	a := dial(t, s.SessionURL())
	a.sendRaw([]byte(`{"v":1,"type":"hello","body":{}}`))
	f := <-a.frames
	if _, v, err := protocol.DecodeFrame(f.data); err != nil || v != 1 {
		t.Fatalf("welcome %s: v%d %v, want a v1 frame", f.data, v, err)
	}
	frame, _ := protocol.EncodeVersion(1, protocol.Publish{Seq: 1, Channel: "c", Data: []byte(strings.Repeat("x", 5000))})
	a.sendRaw(frame)
	if e := expect[protocol.ErrorMessage](a); e.Code != protocol.CodeTooLarge {
		t.Fatalf("error %+v", e)
	}
	if ack := expect[protocol.Ack](a); ack.Seq != 1 {
		t.Fatalf("ack %+v", ack)
	}
}

// TestMessageOverSubscriberReadLimitIsSkipped: a message the subscriber
// cannot read (its hello read_limit) arrives as skipped, the next one as a
// message; another subscriber without a limit gets both.
func TestMessageOverSubscriberReadLimitIsSkipped(t *testing.T) {
	s := start(t, Config{})
	small, big, pub := dial(t, s.SessionURL()), dial(t, s.SessionURL()), dial(t, s.SessionURL())
	small.send(protocol.Hello{ReadLimit: 1000})
	expect[protocol.Welcome](small)
	small.attach("c", 0)
	big.hello()
	big.attach("c", 0)
	pub.hello()
	pub.publish(1, "c", strings.Repeat("y", 900)) // 1200 base64 bytes: over 1000
	pub.publish(2, "c", "ok")
	sk := expect[protocol.Skipped](small)
	if sk.Channel != "c" || sk.Serial != 1 || sk.Reason != protocol.ReasonTooLarge || sk.Size <= 1000 {
		t.Fatalf("skipped %+v", sk)
	}
	if m := expect[protocol.ChannelMessage](small); m.Serial != 2 {
		t.Fatalf("message %+v", m)
	}
	if serials, _ := big.messages(2); serials[0] != 1 || serials[1] != 2 {
		t.Fatalf("big %v", serials)
	}
	if got := s.Stats().TooLargeSkipped; got != 1 {
		t.Fatalf("skipped stat %d, want 1", got)
	}
}
