package faultserver

import (
	"fmt"

	"github.com/wschaos/wschaos/protocol"
)

// onPublishTooLarge answers a publish frame over ReadLimit: it is consumed
// (its seq settles, so the client's window moves on) but not accepted. A v2
// session gets rejected; a v1 session, which has no such message, gets an
// error too_large. Either way an ack follows, never a close 1009 that the
// client would retry with the same frame first. Caller holds mu.
func (s *Server) onPublishTooLarge(c *conn, m protocol.Publish, size int) {
	ss := s.sessionLocked(c, m.MessageType())
	if ss == nil {
		return
	}
	if m.Seq > ss.acked+1 {
		s.protocolErrorLocked(c, protocol.CodeBadFrame,
			fmt.Sprintf("publish seq %d out of order: expected %d", m.Seq, ss.acked+1), true)
		s.sendLocked(c, protocol.Ack{Seq: ss.acked})
		return
	}
	ss.acked = max(ss.acked, m.Seq)
	s.count.tooLargeRejected.Add(1)
	msg := fmt.Sprintf("publish frame of %d bytes over max_frame %d", size, s.cfg.ReadLimit)
	s.emit(Event{Kind: EventProtocolError, Conn: c.id, Session: ss.id, Channel: m.Channel, Seq: m.Seq,
		ErrorCode: protocol.CodeTooLarge, Detail: msg})
	if c.version >= 2 {
		s.sendLocked(c, protocol.Rejected{Seq: m.Seq, Code: protocol.CodeTooLarge, Message: msg})
	} else {
		s.sendLocked(c, protocol.ErrorMessage{Code: protocol.CodeTooLarge, Message: fmt.Sprintf("seq %d: %s", m.Seq, msg)})
	}
	s.sendLocked(c, protocol.Ack{Seq: ss.acked})
}

// frameFor returns what the pump sends c for serial of ch: the stored frame,
// or, when it exceeds the v2 session's read limit, a skipped notice (the
// client could not read the frame and would loop on close 1009). Caller
// holds mu.
func (s *Server) frameFor(c *conn, ch *channel, serial uint64) []byte {
	frame := ch.at(serial)
	lim := c.sess.readLimit
	if c.version < 2 || lim <= 0 || int64(len(frame)) <= lim {
		return frame
	}
	s.count.tooLargeSkipped.Add(1)
	note, err := protocol.EncodeVersion(c.version, protocol.Skipped{Channel: ch.name, Serial: serial,
		Size: int64(len(frame)), Reason: protocol.ReasonTooLarge})
	if err != nil { // a server bug: the channel name validated on publish
		s.log.Error("failed to encode skipped", "err", err)
		return frame
	}
	return note
}
