package faultserver

import (
	"testing"
	"time"

	"github.com/wschaos/wschaos/protocol"
)

func channelCount(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.channels)
}

func waitChannels(t *testing.T, s *Server, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for n := channelCount(s); n != want; n = channelCount(s) {
		if time.Now().After(deadline) {
			t.Fatalf("channels %d, want %d", n, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestUnusedChannelIsFreedWithNothingLeft: 50 channels detached are freed
// SessionTTL later with nothing kept; a channel used again starts at serial 1
// under a new epoch. A v3 attach naming the old epoch is streamed the whole
// new history from serial 1 without continuity_lost; the same attach with
// the new epoch (the control) gets only what follows its After; a v2 attach
// (no epoch) sees a head below its After, which clients report as a reset.
func TestUnusedChannelIsFreedWithNothingLeft(t *testing.T) {
	s := start(t, Config{SessionTTL: 50 * time.Millisecond})
	a := dial(t, s.SessionURL())
	a.hello()
	var seq uint64
	epochs := map[string]uint64{}
	for i := range 50 {
		ch := string(rune('A' + i))
		at := a.attach(ch, 0)
		if at.Epoch == 0 || epochs[""] == at.Epoch {
			t.Fatalf("attached %+v: want a fresh nonzero epoch", at)
		}
		epochs[ch], epochs[""] = at.Epoch, at.Epoch
		for range 3 {
			seq++
			a.publish(seq, ch, "m")
			expect[protocol.ChannelMessage](a)
		}
		a.send(protocol.Detach{Channel: ch})
		expect[protocol.Detached](a)
	}
	waitChannels(t, s, 0)

	// Recreated by another session: serials restart at 1, new epoch.
	b := dial(t, s.SessionURL())
	b.hello()
	for i := range uint64(5) {
		if ack := b.publish(i+1, "A", "new"); ack.Seq != i+1 {
			t.Fatalf("ack %+v", ack)
		}
	}
	at := a.attachEpoch("A", 3, epochs["A"])
	if at.Epoch == epochs["A"] || at.Serial != 5 || at.Oldest != 1 || at.ContinuityLost {
		t.Fatalf("attached %+v, want a new epoch, head 5, oldest 1, no continuity_lost", at)
	}
	if serials, _ := a.messages(5); serials[0] != 1 || serials[4] != 5 {
		t.Fatalf("replayed %v, want 1..5", serials)
	}
	a.quiet(50 * time.Millisecond)
	if ctl := a.attachEpoch("A", 3, at.Epoch); ctl.Epoch != at.Epoch || ctl.ContinuityLost {
		t.Fatalf("control attached %+v", ctl)
	}
	if serials, _ := a.messages(2); serials[0] != 4 || serials[1] != 5 {
		t.Fatalf("control replayed %v, want 4, 5", serials)
	}
	a.quiet(50 * time.Millisecond)

	v2 := dial(t, s.SessionURL())
	v2.sendV(2, protocol.Hello{})
	expect[protocol.Welcome](v2)
	v2.sendV(2, protocol.Attach{Channel: "B", After: 3})
	if at := expect[protocol.Attached](v2); at.Serial != 0 || at.Epoch != 0 {
		t.Fatalf("v2 attached %+v, want head 0 (below after 3) and no epoch", at)
	}
	if n := channelCount(s); n != 2 {
		t.Fatalf("channels %d, want 2 (A and B again)", n)
	}
}

// attachEpoch attaches with a v3 epoch.
func (p *peer) attachEpoch(ch string, after, epoch uint64) protocol.Attached {
	p.t.Helper()
	p.send(protocol.Attach{Channel: ch, After: after, Epoch: epoch})
	return expect[protocol.Attached](p)
}

// sendV sends m encoded at protocol version v.
func (p *peer) sendV(v int, m protocol.Message) {
	p.t.Helper()
	frame, err := protocol.EncodeVersion(v, m)
	if err != nil {
		p.t.Fatalf("encode: %v", err)
	}
	p.sendRaw(frame)
}
