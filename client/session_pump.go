package client

import (
	"github.com/wschaos/wschaos/protocol"
)

// pumpBatch is how many publications the pump takes from the window per lock.
const pumpBatch = 64

// pump is the session's writer: on the current connection it writes due
// deliver_acks and every window entry not yet written there, in sequence
// order. Publications never enter the transport's queue: a frame parked
// there across a resync would carry a stale sequence number, which the new
// server session could take for a different publication. When a write fails
// the connection is dying; the pump idles until opened installs the next one.
func (s *Session) pump() {
	defer close(s.pumpEnd)
	// Reused across batches: the writer is done with them when writeFrames
	// returns, so a steady stream of publications encodes without allocating.
	var buf []byte
	var frames [][]byte
	var pubs []*Publication
	var ends []int
	for {
		s.mu.Lock()
		if s.endErr != nil {
			s.mu.Unlock()
			return
		}
		w, gen := s.conn, s.gen
		clear(pubs) // the reused slice must not keep acked publications alive
		frames, pubs, ends, buf = frames[:0], pubs[:0], ends[:0], buf[:0]
		if w != nil {
			frames = append(frames, s.deliverAckFramesLocked()...)
			pubs = s.win.unsentInto(pubs, pumpBatch)
			for i, p := range pubs {
				pseq := p.id
				if s.cfg.noPSeq {
					pseq = 0
				}
				var err error
				buf, err = protocol.AppendPublish(buf, s.wireVersion(), protocol.Publish{Seq: p.seq, Channel: p.channel, Data: p.data, PSeq: pseq})
				if err != nil { // Publish validated the channel, so this cannot happen; never write past it
					s.log.Error("session: failed to encode a publication", "id", p.id, "err", err)
					pubs = pubs[:i]
					break
				}
				ends = append(ends, len(buf))
			}
			start := 0
			for _, end := range ends { // after the appends: buf may have moved
				frames = append(frames, buf[start:end:end])
				start = end
			}
		}
		s.mu.Unlock()
		if len(frames) == 0 {
			select {
			case <-s.kick:
			case <-s.ended:
				return
			}
			continue
		}
		// One request to the writer per batch, coalesced into one syscall
		// where the socket allows (conn.go writeBatch). wmu keeps open()
		// from starting a new generation while the batch is on the wire.
		s.wmu.Lock()
		s.mu.Lock()
		current := s.gen == gen && s.conn == w
		s.mu.Unlock()
		if !current { // a new generation began: these frames are stale
			s.wmu.Unlock()
			continue
		}
		err := w.writeFrames(s.c.ctx, frames)
		s.wmu.Unlock()
		if err != nil {
			s.mu.Lock()
			if s.gen == gen {
				s.conn = nil
			}
			s.mu.Unlock()
			continue
		}
		s.mu.Lock()
		for _, p := range pubs {
			if s.gen == gen && s.win.markSent(p) {
				if p.markWritten() > 1 {
					s.stats.Resent++
				}
			}
		}
		s.mu.Unlock()
	}
}

// deliverAckFramesLocked builds the gap-repair attaches and deliver_acks
// that are due. The caller holds s.mu.
func (s *Session) deliverAckFramesLocked() [][]byte {
	var frames [][]byte
	for sub := range s.repairs {
		delete(s.repairs, sub)
		if s.subs[sub.channel] != sub {
			continue
		}
		frame, err := s.encode(sub.attachMsg())
		if err == nil {
			frames = append(frames, frame)
		}
	}
	for sub := range s.ackDue {
		delete(s.ackDue, sub)
		serial, ok := sub.pendingAck()
		if !ok {
			continue
		}
		frame, err := s.encode(protocol.DeliverAck{Channel: sub.channel, Serial: serial})
		if err == nil {
			frames = append(frames, frame)
		}
	}
	return frames
}

// deliverAckDue is called by Subscription.Next when a deliver_ack is due.
func (s *Session) deliverAckDue(sub *Subscription) {
	s.mu.Lock()
	if s.subs[sub.channel] == sub {
		s.ackDue[sub] = struct{}{}
	}
	s.mu.Unlock()
	s.poke()
}
