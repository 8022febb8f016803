package faultserver

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// serveSession runs one session-endpoint connection: it is the connection's
// only reader and handles each frame in order.
func (s *Server) serveSession(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.upgrade(w, r)
	if !ok {
		return
	}
	c := s.register(ws, SessionPath)
	if c == nil {
		return
	}
	var err error
	defer func() { s.finish(c, err) }()
	for {
		var typ int
		var data []byte
		typ, data, err = ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				// gorilla already sent close 1009; only record it.
				s.protocolError(c, protocol.CodeTooLarge, fmt.Sprintf("frame larger than read limit %d", s.cfg.ReadLimit), false)
			}
			return
		}
		s.observeFrame(c, typ, data)
		if !c.waitStall() {
			err = errors.New("ended while stalled")
			return
		}
		s.handleFrame(c, typ, data)
	}
}

// handleFrame decodes and dispatches one frame. Bad frames get an error
// message and an event; the connection stays open.
func (s *Server) handleFrame(c *conn, typ int, data []byte) {
	if typ != websocket.TextMessage {
		s.protocolError(c, protocol.CodeBadFrame, "binary frames are not part of the protocol", true)
		return
	}
	m, err := protocol.DecodeLimit(data, int(s.cfg.ReadLimit))
	if err != nil {
		code := protocol.CodeBadFrame
		var pe *protocol.Error
		if errors.As(err, &pe) {
			code = pe.Code()
		}
		s.protocolError(c, code, err.Error(), true)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m := m.(type) {
	case protocol.Hello:
		s.onHello(c, m)
	case protocol.Resume:
		s.onResume(c, m)
	case protocol.Attach:
		s.onAttach(c, m)
	case protocol.Detach:
		s.onDetach(c, m)
	case protocol.Publish:
		s.onPublish(c, m)
	case protocol.DeliverAck:
		s.onDeliverAck(c, m)
	default:
		s.protocolErrorLocked(c, protocol.CodeUnsupported,
			fmt.Sprintf("%s is a server-to-client message", m.MessageType()), true)
	}
}

func (s *Server) protocolError(c *conn, code, msg string, reply bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.protocolErrorLocked(c, code, msg, reply)
}

func (s *Server) protocolErrorLocked(c *conn, code, msg string, reply bool) {
	s.count.protocolErrors.Add(1)
	s.emit(Event{Kind: EventProtocolError, Conn: c.id, Session: c.sessionIDLocked(), ErrorCode: code, Detail: msg})
	s.log.Warn("protocol error", "conn", c.id, "code", code, "err", msg)
	if reply {
		s.sendLocked(c, protocol.ErrorMessage{Code: code, Message: msg})
	}
}

// sendLocked encodes m and queues it on c. Caller holds mu.
func (s *Server) sendLocked(c *conn, m protocol.Message) {
	frame, err := protocol.Encode(m)
	if err != nil { // a server bug: every message we build validates
		s.log.Error("failed to encode", "type", m.MessageType(), "err", err)
		return
	}
	c.enqueue(websocket.TextMessage, frame)
}

// sessionLocked returns c's session or answers no_session.
func (s *Server) sessionLocked(c *conn, t protocol.Type) *session {
	if c.sess == nil {
		s.protocolErrorLocked(c, protocol.CodeNoSession, fmt.Sprintf("%s before hello or resume (or session forgotten)", t), true)
	}
	return c.sess
}

// Each handler logs its event before queuing its reply: a client that has
// seen the reply can rely on the event being in the log.

func (s *Server) onHello(c *conn, m protocol.Hello) {
	s.unbindLocked(c)
	ss := s.newSessionLocked(c, m.ClientID)
	c.sess = ss
	s.emit(Event{Kind: EventHello, Conn: c.id, Session: ss.id, Detail: m.ClientID})
	s.sendLocked(c, protocol.Welcome{
		Session: ss.id, Token: ss.token,
		HeartbeatMS: s.cfg.Heartbeat.Milliseconds(), ResumeTTLMS: s.cfg.SessionTTL.Milliseconds(),
	})
}

func (s *Server) onResume(c *conn, m protocol.Resume) {
	ss, why := s.lookupLocked(m.Session, m.Token, time.Now())
	if ss == nil {
		reason := why
		if why == "wrong token" {
			reason = "unknown session" // do not confirm that the id exists
		}
		s.emit(Event{Kind: EventResumeFailed, Conn: c.id, Session: m.Session, Detail: why})
		s.sendLocked(c, protocol.ResumeFailed{Reason: reason})
		return
	}
	s.bindLocked(c, ss)
	s.emit(Event{Kind: EventResume, Conn: c.id, Session: ss.id, Seq: ss.acked})
	s.sendLocked(c, protocol.Resumed{Session: ss.id, Acked: ss.acked})
	s.redeliverLocked(c, ss)
}

// redeliverLocked sends a resumed session what it had not deliver_ack'd.
func (s *Server) redeliverLocked(c *conn, ss *session) {
	for name, sub := range ss.subs {
		ch := s.channels[name]
		if ch == nil || sub.delivered >= ch.head {
			continue
		}
		ev := Event{Kind: EventRedeliver, Conn: c.id, Session: ss.id, Channel: name,
			After: sub.delivered, Serial: ch.head, Oldest: ch.oldest()}
		var frames [][]byte
		if !ch.reaches(sub.delivered) {
			ev.ContinuityLost = true // the client's re-attach will be told
		} else {
			frames = ch.since(sub.delivered)
			ev.Count = len(frames)
		}
		s.emit(ev) // before the frames, so a client that sees them finds the event
		for _, f := range frames {
			c.enqueue(websocket.TextMessage, f)
		}
		s.count.replayed.Add(uint64(len(frames)))
	}
}

func (s *Server) onAttach(c *conn, m protocol.Attach) {
	ss := s.sessionLocked(c, m.MessageType())
	if ss == nil {
		return
	}
	ch := s.channelLocked(m.Channel)
	sub := ss.subs[m.Channel]
	start := m.After
	if start == 0 {
		if sub != nil {
			start = sub.delivered // a resumed session: from its last deliver_ack
		} else {
			start = ch.head // new to the channel: from now on
		}
	}
	lost := !ch.reaches(start)
	start = min(start, ch.head) // a client ahead of us gets nothing replayed
	if sub == nil {
		sub = &subscription{}
		ss.subs[m.Channel] = sub
		ch.subs[ss] = struct{}{}
	}
	sub.delivered = start
	frames := ch.since(start)
	s.emit(Event{Kind: EventAttach, Conn: c.id, Session: ss.id, Channel: m.Channel, After: m.After,
		Serial: ch.head, Oldest: ch.oldest(), ContinuityLost: lost, Count: len(frames)})
	s.sendLocked(c, protocol.Attached{Channel: m.Channel, Serial: ch.head, Oldest: ch.oldest(), ContinuityLost: lost})
	for _, f := range frames {
		c.enqueue(websocket.TextMessage, f)
	}
	s.count.replayed.Add(uint64(len(frames)))
}

func (s *Server) onDetach(c *conn, m protocol.Detach) {
	ss := s.sessionLocked(c, m.MessageType())
	if ss == nil {
		return
	}
	delete(ss.subs, m.Channel)
	if ch := s.channels[m.Channel]; ch != nil {
		delete(ch.subs, ss)
	}
	s.emit(Event{Kind: EventDetach, Conn: c.id, Session: ss.id, Channel: m.Channel})
	s.sendLocked(c, protocol.Detached{Channel: m.Channel})
}

func (s *Server) onPublish(c *conn, m protocol.Publish) {
	ss := s.sessionLocked(c, m.MessageType())
	if ss == nil {
		return
	}
	switch {
	case m.Seq <= ss.acked:
		s.count.duplicatesDropped.Add(1)
		s.emit(Event{Kind: EventDuplicate, Conn: c.id, Session: ss.id, Channel: m.Channel, Seq: m.Seq})
		s.sendLocked(c, protocol.Ack{Seq: ss.acked})
		return
	case m.Seq > ss.acked+1:
		s.protocolErrorLocked(c, protocol.CodeBadFrame,
			fmt.Sprintf("publish seq %d out of order: expected %d", m.Seq, ss.acked+1), true)
		s.sendLocked(c, protocol.Ack{Seq: ss.acked}) // tells the client where to resend from
		return
	}
	ss.acked = m.Seq
	if s.faults.lossy.dropLocked(m.Channel) {
		s.count.lossyDropped.Add(1)
		s.emit(Event{Kind: EventLossyDrop, Conn: c.id, Session: ss.id, Channel: m.Channel, Seq: m.Seq})
		s.sendLocked(c, protocol.Ack{Seq: m.Seq})
		return
	}
	s.sendLocked(c, protocol.Ack{Seq: m.Seq})
	s.count.publishesAccepted.Add(1)
	ch := s.channelLocked(m.Channel)
	frame, err := protocol.Encode(protocol.ChannelMessage{Channel: m.Channel, Serial: ch.head + 1, Data: m.Data})
	if err != nil {
		s.log.Error("failed to encode message", "err", err)
		return
	}
	serial := ch.append(frame)
	if s.faults.lossy.skipLocked(m.Channel) {
		s.count.lossySkipped.Add(1)
		s.emit(Event{Kind: EventLossySkip, Conn: c.id, Session: ss.id, Channel: m.Channel, Seq: m.Seq, Serial: serial})
		return
	}
	for sub := range ch.subs {
		if sub.conn != nil && sub.conn.enqueue(websocket.TextMessage, frame) {
			s.count.fannedOut.Add(1)
		}
	}
}

func (s *Server) onDeliverAck(c *conn, m protocol.DeliverAck) {
	ss := s.sessionLocked(c, m.MessageType())
	if ss == nil {
		return
	}
	sub, ch := ss.subs[m.Channel], s.channels[m.Channel]
	if sub == nil || ch == nil {
		return // detached meanwhile: nothing to track
	}
	sub.delivered = max(sub.delivered, min(m.Serial, ch.head))
}
