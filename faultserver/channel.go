package faultserver

import (
	"math/rand/v2"
	"time"
)

// channel is a named stream with consecutive serials and a bounded history.
// Guarded by Server.mu.
type channel struct {
	name string
	// epoch identifies this incarnation (v3 attached.epoch): a channel freed
	// and created again starts at serial 1 under a new epoch, so nothing of
	// it has to outlive its expiry.
	epoch uint64
	head  uint64 // serial of the newest message; 0 before the first
	// hist is a ring of the newest encoded message frames; hist[start] is
	// the oldest, with serial head-n+1. Serials in it are consecutive.
	// The ring grows on demand up to size, so an idle channel costs little.
	hist  [][]byte
	size  int
	start int
	n     int
	subs  map[*session]struct{}
	// idleSince is when the last subscription went away (zero while it has
	// any); the channel is freed SessionTTL later (see expireChannels).
	idleSince time.Time
}

func newChannel(name string, size int, epoch uint64) *channel {
	return &channel{name: name, size: size, epoch: epoch, subs: make(map[*session]struct{})}
}

// newChannelLocked creates channel name under the server's next epoch.
// Epochs start at a random point below 2^53 (exact in every JSON number
// implementation) so a restarted process does not reuse its predecessor's,
// and only grow. Caller holds mu.
func (s *Server) newChannelLocked(name string) *channel {
	if s.epoch == 0 {
		s.epoch = 1 + rand.Uint64N(1<<52) // not s.rnd: that one replays seeded fault choices
	}
	s.epoch++
	return newChannel(name, s.cfg.HistorySize, s.epoch)
}

// append stores the frame of serial head+1 and returns that serial.
func (ch *channel) append(frame []byte) uint64 {
	ch.head++
	if ch.size == 0 {
		return ch.head
	}
	if ch.n == len(ch.hist) && ch.n < ch.size { // start is 0 until the ring is full
		ch.hist = append(ch.hist, frame)
		ch.n++
		return ch.head
	}
	if ch.n < len(ch.hist) {
		ch.hist[(ch.start+ch.n)%len(ch.hist)] = frame
		ch.n++
	} else {
		ch.hist[ch.start] = frame
		ch.start = (ch.start + 1) % len(ch.hist)
	}
	return ch.head
}

// oldest returns the lowest retained serial, or head+1 when none is retained.
func (ch *channel) oldest() uint64 { return ch.head - uint64(ch.n) + 1 }

// reaches reports whether every serial after `after` is still retained.
func (ch *channel) reaches(after uint64) bool {
	return after >= ch.head || after+1 >= ch.oldest()
}

// since returns the retained frames with serial > after, oldest first.
func (ch *channel) since(after uint64) [][]byte {
	first := max(after+1, ch.oldest())
	if first > ch.head {
		return nil
	}
	out := make([][]byte, 0, ch.head-first+1)
	for serial := first; serial <= ch.head; serial++ {
		i := (ch.start + int(serial-ch.oldest())) % len(ch.hist)
		out = append(out, ch.hist[i])
	}
	return out
}

// at returns the retained frame of serial; the caller checks that
// oldest() <= serial <= head.
func (ch *channel) at(serial uint64) []byte {
	return ch.hist[(ch.start+int(serial-ch.oldest()))%len(ch.hist)]
}
