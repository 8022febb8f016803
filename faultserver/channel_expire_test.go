package faultserver

import (
	"testing"
	"time"

	"github.com/wschaos/wschaos/protocol"
)

func channelCount(s *Server) (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.channels), len(s.heads)
}

// TestUnusedChannelIsFreedAndKeepsItsSerials: 50 channels detached are
// freed SessionTTL later (history released); a channel used again
// continues at head+1 and reports continuity_lost for older positions.
func TestUnusedChannelIsFreedAndKeepsItsSerials(t *testing.T) {
	s := start(t, Config{SessionTTL: 50 * time.Millisecond})
	a := dial(t, s.SessionURL())
	a.hello()
	var seq uint64
	for i := range 50 {
		ch := string(rune('A' + i))
		a.attach(ch, 0)
		for range 3 {
			seq++
			a.publish(seq, ch, "m")
			expect[protocol.ChannelMessage](a)
		}
		a.send(protocol.Detach{Channel: ch})
		expect[protocol.Detached](a)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if n, heads := channelCount(s); n == 0 && heads == 50 {
			break
		}
		if time.Now().After(deadline) {
			n, heads := channelCount(s)
			t.Fatalf("channels %d heads %d, want 0 and 50", n, heads)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if at := a.attach("A", 1); !at.ContinuityLost || at.Serial != 3 {
		t.Fatalf("attached %+v, want serial 3 and continuity_lost", at)
	}
	seq++
	a.publish(seq, "A", "again")
	if m := expect[protocol.ChannelMessage](a); m.Serial != 4 {
		t.Fatalf("serial %d, want 4 (continued)", m.Serial)
	}
	if n, heads := channelCount(s); n != 1 || heads != 49 {
		t.Fatalf("channels %d heads %d, want 1 and 49", n, heads)
	}
}
