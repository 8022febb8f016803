package faultserver

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

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
	var buf bytes.Buffer // reused: nothing keeps a frame past handleFrame (decoding copies)
	for {
		var typ int
		var data []byte
		c.extendRead()
		typ, data, err = readFrame(ws, &buf)
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

// readFrame reads the next data frame into buf, which it reuses.
func readFrame(ws *websocket.Conn, buf *bytes.Buffer) (int, []byte, error) {
	typ, r, err := ws.NextReader()
	if err != nil {
		return typ, nil, err
	}
	if buf.Cap() > 1<<20 { // do not pin one huge frame's buffer for the connection's life
		*buf = bytes.Buffer{}
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return typ, nil, err
	}
	return typ, buf.Bytes(), nil
}

// handleFrame decodes and dispatches one frame. Bad frames get an error
// message and an event; the connection stays open.
func (s *Server) handleFrame(c *conn, typ int, data []byte) {
	if typ != websocket.TextMessage {
		s.protocolError(c, protocol.CodeBadFrame, "binary frames are not part of the protocol", true)
		return
	}
	if !utf8.Valid(data) { // RFC 6455 text frames are UTF-8; encoding/json would silently patch it
		s.protocolError(c, protocol.CodeBadFrame, "text frame is not valid UTF-8", true)
		return
	}
	m, v, err := protocol.DecodeLimitVersion(data, 2*int(s.cfg.ReadLimit)+4096)
	if err == nil && v > s.cfg.MaxVersion {
		err = &protocol.Error{Type: m.MessageType(), Field: "v", Err: fmt.Errorf("%w: %d (this server speaks %d to %d: Config.MaxVersion)",
			protocol.ErrVersion, v, protocol.MinVersion, s.cfg.MaxVersion)}
	}
	if err != nil {
		code := protocol.CodeBadFrame
		var pe *protocol.Error
		if errors.As(err, &pe) {
			code = pe.Code()
		}
		if int64(len(data)) > s.cfg.ReadLimit {
			code = protocol.CodeTooLarge // whatever else is wrong with it
		}
		s.protocolError(c, code, err.Error(), true)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m.(type) {
	case protocol.Hello, protocol.Resume:
		c.version = v // the session is answered in the version it opened with
	}
	if int64(len(data)) > s.cfg.ReadLimit {
		if p, ok := m.(protocol.Publish); ok {
			s.onPublishTooLarge(c, p, len(data))
		} else {
			s.protocolErrorLocked(c, protocol.CodeTooLarge, fmt.Sprintf("%s frame of %d bytes over read limit %d", m.MessageType(), len(data), s.cfg.ReadLimit), true)
		}
		return
	}
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

// sendLocked encodes m and queues it on c. Caller holds mu. An ack is
// queued unencoded and may be folded into an ack still queued (see
// sendQueue.pushAck).
func (s *Server) sendLocked(c *conn, m protocol.Message) {
	if a, ok := m.(protocol.Ack); ok {
		c.enqueueAck(a.Seq)
		return
	}
	frame, err := protocol.EncodeVersion(c.version, m)
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
	ss.readLimit, ss.producer = m.ReadLimit, m.Producer
	c.sess = ss
	s.emit(Event{Kind: EventHello, Conn: c.id, Session: ss.id, Detail: m.ClientID})
	s.sendLocked(c, protocol.Welcome{
		Session: ss.id, Token: ss.token,
		HeartbeatMS: s.cfg.Heartbeat.Milliseconds(), ResumeTTLMS: s.cfg.SessionTTL.Milliseconds(),
		Limits: s.limits(),
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
	ss.readLimit = m.ReadLimit
	s.emit(Event{Kind: EventResume, Conn: c.id, Session: ss.id, Seq: ss.acked})
	s.sendLocked(c, protocol.Resumed{Session: ss.id, Acked: ss.acked, Limits: s.limits()})
	s.redeliverLocked(c, ss)
}

// redeliverLocked starts streaming a resumed session what it had not
// deliver_ack'd: the pump sends it as credit and queue room allow, and the
// client's re-attach does not replay it a second time.
func (s *Server) redeliverLocked(c *conn, ss *session) {
	for name, sub := range ss.subs {
		ch := s.channels[name]
		if ch == nil || sub.delivered >= ch.head {
			continue
		}
		ev := Event{Kind: EventRedeliver, Conn: c.id, Session: ss.id, Channel: name,
			After: sub.delivered, Serial: ch.head, Oldest: ch.oldest()}
		if !ch.reaches(sub.delivered) {
			ev.ContinuityLost = true // the client's re-attach is told, then streamed
			sub.held = true
		} else {
			ev.Count = int(ch.head - sub.delivered)
		}
		s.emit(ev) // before the frames, so a client that sees them finds the event
	}
	s.pumpLocked(c)
}

func (s *Server) onAttach(c *conn, m protocol.Attach) {
	ss := s.sessionLocked(c, m.MessageType())
	if ss == nil {
		return
	}
	if ss.subs[m.Channel] == nil && s.cfg.MaxChannels > 0 && len(ss.subs) >= s.cfg.MaxChannels {
		s.protocolErrorLocked(c, protocol.CodeTooLarge, fmt.Sprintf("attach %q: session already attached to %d channels (max_channels)", m.Channel, len(ss.subs)), true)
		return
	}
	ch := s.channelLocked(m.Channel)
	sub := ss.subs[m.Channel]
	start, lost := attachStart(ch, sub, m)
	start = min(start, ch.head) // a client ahead of us gets nothing replayed
	if sub == nil {
		sub = &subscription{sent: start}
		ss.subs[m.Channel] = sub
		ch.subs[ss] = struct{}{}
		ch.idleSince = time.Time{}
	} else if !sub.resumed || sub.held || sub.sent < start {
		sub.sent = start // replay from where the client asks
	} // else: the redelivery since the resume already streams past start
	sub.held, sub.resumed = false, false
	// What fell out of history is never sent and never deliver_ack'd (the
	// client, told continuity_lost, moves on to oldest-1): it takes no credit.
	sub.delivered = max(start, ch.oldest()-1)
	sub.sent = max(sub.sent, ch.oldest()-1)
	ss.recount(sub)
	s.emit(Event{Kind: EventAttach, Conn: c.id, Session: ss.id, Channel: m.Channel, After: m.After,
		Serial: ch.head, Oldest: ch.oldest(), ContinuityLost: lost, Count: int(ch.head - min(sub.sent, ch.head))})
	s.sendLocked(c, protocol.Attached{Channel: m.Channel, Serial: ch.head, Oldest: ch.oldest(), ContinuityLost: lost, Epoch: ch.epoch})
	s.pumpSubLocked(c, ch, sub, &s.count.replayed)
}

func (s *Server) onDetach(c *conn, m protocol.Detach) {
	ss := s.sessionLocked(c, m.MessageType())
	if ss == nil {
		return
	}
	if sub := ss.subs[m.Channel]; sub != nil {
		ss.inflight -= sub.inflight
	}
	delete(ss.subs, m.Channel)
	if ch := s.channels[m.Channel]; ch != nil {
		s.unsubscribedLocked(ch, ss)
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
		c.enqueueAck(ss.acked)
		return
	case m.Seq > ss.acked+1:
		s.protocolErrorLocked(c, protocol.CodeBadFrame,
			fmt.Sprintf("publish seq %d out of order: expected %d", m.Seq, ss.acked+1), true)
		c.enqueueAck(ss.acked) // tells the client where to resend from
		return
	}
	ss.acked = m.Seq
	if s.producerDuplicateLocked(ss, m.PSeq, time.Now()) {
		s.count.producerDuplicates.Add(1)
		s.emit(Event{Kind: EventDuplicate, Conn: c.id, Session: ss.id, Channel: m.Channel, Seq: m.Seq,
			Detail: fmt.Sprintf("producer %s pseq %d already accepted", ss.producer, m.PSeq)})
		c.enqueueAck(m.Seq)
		return
	}
	if s.faults.lossy.dropLocked(m.Channel) {
		s.count.lossyDropped.Add(1)
		s.emit(Event{Kind: EventLossyDrop, Conn: c.id, Session: ss.id, Channel: m.Channel, Seq: m.Seq})
		c.enqueueAck(m.Seq)
		return
	}
	c.enqueueAck(m.Seq)
	s.count.publishesAccepted.Add(1)
	ch := s.channelLocked(m.Channel)
	// Stored at v1, which every peer reads (the body is the same in v2).
	frame, err := protocol.EncodeMessage(protocol.MinVersion, protocol.ChannelMessage{Channel: m.Channel, Serial: ch.head + 1, Data: m.Data})
	if err != nil {
		s.log.Error("failed to encode message", "err", err)
		return
	}
	serial := ch.append(frame)
	if s.faults.lossy.skipLocked(m.Channel) {
		s.count.lossySkipped.Add(1)
		s.emit(Event{Kind: EventLossySkip, Conn: c.id, Session: ss.id, Channel: m.Channel, Seq: m.Seq, Serial: serial})
		for sub := range ch.subs {
			if st := sub.subs[m.Channel]; st.sent == serial-1 {
				st.sent = serial // a live subscriber must see the gap
				sub.recount(st)
			}
		}
		return
	}
	for sub := range ch.subs {
		if sub.conn != nil {
			s.pumpSubLocked(sub.conn, ch, sub.subs[m.Channel], &s.count.fannedOut)
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
	ss.recount(sub)
	if ss.windowBlocked { // the session window, not this channel's credit, stopped the pump
		ss.windowBlocked = false
		s.pumpLocked(c)
		return
	}
	s.pumpSubLocked(c, ch, sub, &s.count.replayed) // credit came back
}
