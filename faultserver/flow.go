package faultserver

import (
	"math"

	"github.com/wschaos/wschaos/protocol"
)

// Flow control. Messages are never pushed in bulk: each subscription has a
// position (sent) on its connection, and the pump queues the next frames
// from the channel's history while the session has credit on the channel
// (sent - delivered < DeliverWindow, v2 only) and the send queue has room.
// The frames are the encoded ones stored in history, so a pump under the
// lock only moves references, and it stops at the queue's room: a replay of
// any size is streamed as the client reads and deliver_acks, never queued
// twice, and never fills the queue. Live fan-out takes the same path, so a
// subscriber that is behind gets its messages in order once it catches up.
//
// The queue keeps a reserve (1/16) that only replies (acks, attached, ...)
// use: a connection whose queue still fills up is sending us frames without
// reading our answers, a slow consumer, and is dropped as before. A peer
// that reads nothing at all is ended by WriteTimeout on the blocked write.

// EventFellBehind: a subscription's position fell out of its channel's
// history while the pump waited for credit or queue room (the subscriber
// read slower than the channel was published to): After is the last serial
// queued to it, Oldest the oldest retained, Serial the head, Count the
// serials skipped, never sent. The client sees the gap and is told
// continuity_lost by its repair attach; the event says the loss came from
// the subscriber's own lag, not from a fault (see EventLossySkip).
const EventFellBehind EventKind = "fell_behind"

// reserve is the part of the send queue the pump leaves to replies.
func (c *conn) reserve() int { return c.out.limit / 16 }

// room is how many more frames the pump may queue now.
func (c *conn) room() int { return c.out.limit - c.reserve() - c.out.len() }

// creditLocked is the per-channel credit of c's session. Caller holds mu.
func (s *Server) creditLocked(c *conn) uint64 {
	if c.version < 2 {
		return math.MaxUint64
	}
	return uint64(s.cfg.DeliverWindow)
}

// pumpLocked streams every subscription of c's session as far as credit and
// queue room allow. Caller holds mu.
func (s *Server) pumpLocked(c *conn) {
	ss := c.sess
	if ss == nil || ss.conn != c {
		return
	}
	for name, sub := range ss.subs {
		if ch := s.channels[name]; ch != nil && !s.pumpSubLocked(c, ch, sub, &s.count.replayed) {
			return
		}
	}
}

// pumpSubLocked streams one subscription; counter counts the frames queued.
// It returns false when the queue has no more room (c is marked starved, so
// writeLoop pumps again once the queue drains) or c ended.
func (s *Server) pumpSubLocked(c *conn, ch *channel, sub *subscription, counter interface{ Add(uint64) uint64 }) bool {
	if sub.held {
		return true
	}
	credit := s.creditLocked(c)
	ss := c.sess
	if ss == nil {
		return true
	}
	sub.sent = max(sub.sent, sub.delivered)
	defer ss.recount(sub)
	for sub.sent < ch.head && sub.sent-sub.delivered < credit {
		if s.sessionWindowFullLocked(c, ss, sub) {
			return true
		}
		next := sub.sent + 1
		if next < ch.oldest() || len(ch.hist) == 0 {
			// Fell out of history while waiting: the client sees the gap
			// and its repair attach is told continuity_lost. The skipped
			// serials are never sent, so the client can never deliver_ack
			// them: they take no credit (else a hole wider than the credit
			// stalls the subscription for good, silently).
			if ch.size > 0 { // with no history at all every message is skipped: no news
				s.emit(Event{Kind: EventFellBehind, Conn: c.id, Session: ss.id, Channel: ch.name,
					After: sub.sent, Oldest: ch.oldest(), Serial: ch.head, Count: int(ch.oldest() - 1 - sub.sent)})
			}
			sub.sent = ch.oldest() - 1
			sub.delivered = max(sub.delivered, sub.sent)
			if sub.sent >= ch.head {
				return true
			}
			continue
		}
		if c.room() <= 0 {
			c.starved.Store(true)
			return false
		}
		if !c.enqueueMessage(s.frameFor(c, ch, next)) {
			return false
		}
		sub.sent = next
		ss.recount(sub)
		counter.Add(1)
	}
	return true
}

// afterWrite is called by writeLoop after each frame: once a starved
// connection's queue is half empty, it pumps again.
func (c *conn) afterWrite() {
	if !c.starved.Load() || c.out.len() > c.out.limit/2 {
		return
	}
	c.starved.Store(false)
	c.s.mu.Lock()
	c.s.pumpLocked(c)
	c.s.mu.Unlock()
}

// limits are the limits announced to v2 sessions in welcome and resumed.
func (s *Server) limits() protocol.Limits {
	return protocol.Limits{
		MaxFrame:      s.cfg.ReadLimit,
		History:       s.cfg.HistorySize,
		DeliverWindow: s.cfg.DeliverWindow,
		MaxChannels:   max(s.cfg.MaxChannels, 0),
		DedupeTTLMS:   s.cfg.DedupeTTL.Milliseconds(),
		SessionWindow: max(s.cfg.SessionWindow, 0),
	}
}
