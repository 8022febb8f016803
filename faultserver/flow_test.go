package faultserver

import (
	"fmt"
	"testing"
	"time"

	"github.com/wschaos/wschaos/protocol"
)

// publishN publishes n messages on ch from seq+1, in batches so the acks
// never pile up (waiting for the cumulative ack of each batch), and returns
// the last seq.
func publishN(t *testing.T, pub *peer, seq uint64, ch string, n int) uint64 {
	t.Helper()
	for n > 0 {
		batch := min(n, 256)
		for range batch {
			seq++
			pub.send(protocol.Publish{Seq: seq, Channel: ch, Data: fmt.Appendf(nil, "%s-%d", ch, seq)})
		}
		for a := expect[protocol.Ack](pub); a.Seq < seq; { // acks are cumulative: the server may fold them
			a = expect[protocol.Ack](pub)
		}
		n -= batch
	}
	return seq
}

// backlog runs the scenario: a subscriber on channels misses perChan
// messages on each while away, resumes, re-attaches every channel as the
// client does, and reads and deliver_acks (every 64) until it has them all.
// It checks every serial arrives exactly once and in order, and nothing
// more, and returns the slow-consumer kills.
func backlog(t *testing.T, cfg Config, channels, perChan int) int {
	return backlogOn(t, start(t, cfg), channels, perChan, nil)
}

// backlogOn is backlog on s; during, if set, runs right after the resume,
// while the backlog streams.
func backlogOn(t *testing.T, s *Server, channels, perChan int, during func()) int {
	sub := dial(t, s.SessionURL())
	w := sub.hello()
	names := make([]string, channels)
	for i := range names {
		names[i] = fmt.Sprintf("ch%d", i)
		sub.attach(names[i], 0)
	}
	sub.ws.Close()
	waitEvent(t, s, 0, EventDisconnect)

	pub := dial(t, s.SessionURL())
	pub.hello()
	var seq uint64
	for _, ch := range names {
		seq = publishN(t, pub, seq, ch, perChan)
	}

	again := dial(t, s.SessionURL())
	again.send(protocol.Resume{Session: w.Session, Token: w.Token})
	expect[protocol.Resumed](again)
	for _, ch := range names {
		again.send(protocol.Attach{Channel: ch})
	}
	if during != nil {
		during()
	}
	last := map[string]uint64{}
	attached, total := 0, 0
	deadline := time.Now().Add(30 * time.Second)
	for attached < channels || total < channels*perChan {
		if time.Now().After(deadline) {
			t.Fatalf("after 30s: %d/%d messages, %d/%d attached", total, channels*perChan, attached, channels)
		}
		switch m := again.recv().(type) {
		case protocol.Attached:
			attached++
		case protocol.ChannelMessage:
			if m.Serial != last[m.Channel]+1 {
				t.Fatalf("%s: serial %d after %d (duplicate or out of order)", m.Channel, m.Serial, last[m.Channel])
			}
			last[m.Channel] = m.Serial
			total++
			if m.Serial%64 == 0 {
				again.send(protocol.DeliverAck{Channel: m.Channel, Serial: m.Serial})
			}
		default:
			t.Fatalf("unexpected %T %+v", m, m)
		}
	}
	again.quiet(200 * time.Millisecond) // nothing replayed twice
	for _, ch := range names {
		if last[ch] != uint64(perChan) {
			t.Fatalf("%s: last serial %d, want %d", ch, last[ch], perChan)
		}
	}
	if got := s.Stats().MessagesReplayed; got != uint64(channels*perChan) {
		t.Fatalf("replayed %d frames, want exactly %d", got, channels*perChan)
	}
	return s.CountEvents(EventSlowConsumer)
}

// TestResumeBacklogEightChannels: 8 channels x 1,024 missed, all 8,192
// delivered exactly once, in order, with no slow-consumer kill. The old
// code queued all 8,192 at resume into a 4,096-frame queue and killed the
// connection every time.
func TestResumeBacklogEightChannels(t *testing.T) {
	if kills := backlog(t, Config{}, 8, 1024); kills != 0 {
		t.Fatalf("%d slow-consumer kills, want 0", kills)
	}
}

// TestResumeBacklogOneLongChannel: one channel with HistorySize 8192.
func TestResumeBacklogOneLongChannel(t *testing.T) {
	if kills := backlog(t, Config{HistorySize: 8192}, 1, 8192); kills != 0 {
		t.Fatalf("%d slow-consumer kills, want 0", kills)
	}
}

// TestCreditBoundsInFlight: a v2 session that never deliver_acks gets
// exactly DeliverWindow messages of a channel, then nothing until it acks.
func TestCreditBoundsInFlight(t *testing.T) {
	s := start(t, Config{DeliverWindow: 10})
	pub := dial(t, s.SessionURL())
	pub.hello()
	publishN(t, pub, 0, "c", 25)
	sub := dial(t, s.SessionURL())
	w := sub.hello()
	if w.Limits.DeliverWindow != 10 || w.Limits.MaxFrame != protocol.MaxFrameBytes || w.Limits.History != 1024 {
		t.Fatalf("limits %+v", w.Limits)
	}
	sub.attach("c", 0)
	publishN(t, pub, 25, "c", 5) // live: 26..30
	if serials, _ := sub.messages(5); serials[0] != 26 || serials[4] != 30 {
		t.Fatalf("live %v", serials)
	}
	sub.send(protocol.Attach{Channel: "c", After: 20}) // wants 21..30 = 10
	expect[protocol.Attached](sub)
	serials, _ := sub.messages(10)
	if serials[0] != 21 || serials[9] != 30 {
		t.Fatalf("serials %v", serials)
	}
	sub.send(protocol.Attach{Channel: "c", After: 5}) // 6..30 = 25, credit 10
	expect[protocol.Attached](sub)
	if serials, _ = sub.messages(10); serials[0] != 6 || serials[9] != 15 {
		t.Fatalf("first window %v", serials)
	}
	sub.quiet(100 * time.Millisecond)
	sub.send(protocol.DeliverAck{Channel: "c", Serial: 10}) // 5 more credit
	if serials, _ = sub.messages(5); serials[0] != 16 || serials[4] != 20 {
		t.Fatalf("after ack %v", serials)
	}
	sub.quiet(100 * time.Millisecond)
}
