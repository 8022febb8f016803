package client

import (
	"context"
	"fmt"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// opened runs on the supervisor for each new connection, before it counts as
// connected: hello (first time) or resume; on resume_failed a new session
// (hello) whose window is renumbered from 1 (the server's dedupe is per
// session, so the whole unacked window is republished under new numbers);
// then pending detaches and an attach per subscription with after = the last
// serial received, waiting for every attached. Only then does the pump start
// writing publications on this connection, resending the unacked window from
// its oldest entry (the server drops what it already has by seq).
func (s *Session) opened(ctx context.Context, w frameWriter) error {
	<-s.ready
	s.openMu.Lock()
	defer s.openMu.Unlock()
	return s.open(ctx, w)
}

// openOnce is one try of open (session_lost.go); the caller holds openMu.
func (s *Session) openOnce(ctx context.Context, w frameWriter) error {
	s.wmu.Lock()
	s.mu.Lock()
	s.gen++
	gen, id, token, lostWhy := s.gen, s.id, s.token, s.lostWhy
	s.conn = nil
	s.openLost = make(chan struct{})
	s.wmu.Unlock()
	clear(s.repairs) // the re-attach below replays from last anyway
	s.mu.Unlock()
	s.drainCtrl()

	var resumeFailed *protocol.ResumeFailed
	if id != "" && lostWhy != "" {
		// The server said it has no session for us: a resume cannot succeed.
		resumeFailed = &protocol.ResumeFailed{Reason: lostWhy}
	} else if id != "" {
		reply, err := s.handshake(ctx, w, protocol.Resume{Session: id, Token: token, ReadLimit: s.c.cfg.ReadLimit})
		if err != nil {
			return err
		}
		switch m := reply.(type) {
		case protocol.Resumed:
			if err := s.onResumed(id, m); err != nil {
				return err
			}
		case protocol.ResumeFailed:
			resumeFailed = &m
		default:
			return fmt.Errorf("client: unexpected %s in answer to resume", reply.MessageType())
		}
	}
	fresh := resumeFailed != nil
	if id == "" || fresh {
		reply, err := s.handshake(ctx, w, protocol.Hello{ClientID: s.cfg.ClientID, ReadLimit: s.c.cfg.ReadLimit, Producer: s.producer})
		if err != nil {
			return err
		}
		m, ok := reply.(protocol.Welcome)
		if !ok {
			return fmt.Errorf("client: unexpected %s in answer to hello", reply.MessageType())
		}
		s.onWelcome(m, resumeFailed)
	}
	if err := s.syncChannels(ctx, w, gen, fresh); err != nil {
		return err
	}
	s.poke()
	return nil
}

// request writes m and waits for the server's answer on the control channel.
func (s *Session) request(ctx context.Context, w frameWriter, m protocol.Message) (protocol.Message, error) {
	if err := s.write(ctx, w, m); err != nil {
		return nil, err
	}
	t := time.NewTimer(s.cfg.ReplyTimeout)
	defer t.Stop()
	select {
	case reply := <-s.ctrl:
		if e, ok := reply.(protocol.ErrorMessage); ok {
			return nil, fmt.Errorf("client: server refused %s: %w", m.MessageType(), &ServerError{Code: e.Code, Message: e.Message})
		}
		return reply, nil
	case <-t.C:
		return nil, fmt.Errorf("client: no answer to %s within %s", m.MessageType(), s.cfg.ReplyTimeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("client: failed to wait for the answer to %s: %w", m.MessageType(), context.Cause(ctx))
	}
}

func (s *Session) write(ctx context.Context, w frameWriter, m protocol.Message) error {
	frame, err := s.encode(m)
	if err != nil {
		return fmt.Errorf("client: failed to encode %s: %w", m.MessageType(), err)
	}
	return w.writeFrame(ctx, websocket.TextMessage, frame)
}

func (s *Session) drainCtrl() {
	for {
		select {
		case <-s.ctrl:
		default:
			return
		}
	}
}

func (s *Session) onResumed(id string, m protocol.Resumed) error {
	if m.Session != id {
		return fmt.Errorf("client: resumed session %q, asked for %q", m.Session, id)
	}
	s.mu.Lock()
	s.stats.Resumes++
	s.limits = m.Limits
	acked := s.ackLocked(m.Acked)
	s.mu.Unlock()
	s.finishAcked(acked)
	s.c.emit(Event{Kind: EventResumed, Serial: m.Acked, Reason: "session " + id + " resumed"})
	return nil
}

func (s *Session) onWelcome(m protocol.Welcome, resumeFailed *protocol.ResumeFailed) {
	s.mu.Lock()
	s.id, s.token, s.lostWhy, s.limits = m.Session, m.Token, "", m.Limits
	s.stats.Sessions++
	n := s.win.len()
	if resumeFailed != nil {
		s.win.restart()
		s.stats.Resyncs++
	}
	s.mu.Unlock()
	s.c.emit(Event{Kind: EventSessionStarted, Reason: m.Session})
	if resumeFailed != nil {
		s.c.emit(Event{Kind: EventResynced, Serial: uint64(n),
			Reason: "resume failed (" + resumeFailed.Reason + "): new session " + m.Session})
	}
}

// syncChannels sends pending detaches and attaches every subscription not yet
// attached on connection gen, waits for the answers, and repeats for
// subscriptions added meanwhile; once none is left it makes w the pump's
// connection (under the same lock, so no Attach slips between).
func (s *Session) syncChannels(ctx context.Context, w frameWriter, gen uint64, fresh bool) error {
	for {
		type attach struct {
			sub    *Subscription
			msg    protocol.Attach
			synced <-chan struct{}
		}
		var todo []attach
		s.mu.Lock()
		for _, sub := range s.subs {
			sub.mu.Lock()
			pending := sub.syncGen != gen
			sub.mu.Unlock()
			if pending {
				msg, synced := sub.beginSync(gen, fresh)
				todo = append(todo, attach{sub, msg, synced})
			}
		}
		detaches := s.detaches
		s.detaches = nil
		if len(todo) == 0 && len(detaches) == 0 {
			s.conn, s.openLost = w, nil
			s.win.rewind()
			s.mu.Unlock()
			return nil
		}
		openLost := s.openLost
		s.mu.Unlock()
		for i, ch := range detaches {
			if err := s.write(ctx, w, protocol.Detach{Channel: ch}); err != nil {
				s.mu.Lock()
				s.detaches = append(s.detaches, detaches[i:]...)
				s.mu.Unlock()
				return err
			}
		}
		for _, a := range todo {
			if err := s.write(ctx, w, a.msg); err != nil {
				return err
			}
		}
		t := time.NewTimer(s.cfg.ReplyTimeout)
		for _, a := range todo {
			select {
			case <-a.synced:
			case <-openLost:
				t.Stop()
				return errOpeningLost
			case <-t.C:
				return fmt.Errorf("client: no attached for %q within %s", a.sub.channel, s.cfg.ReplyTimeout)
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("client: failed to wait for attached: %w", context.Cause(ctx))
			}
		}
		t.Stop()
	}
}

// received handles every inbound frame, in order, on the reader goroutine.
func (s *Session) received(msgType int, data []byte) {
	<-s.ready
	if msgType != websocket.TextMessage {
		// The protocol is text frames only; a binary frame is ignored whole,
		// even if it would decode.
		s.protocolError(fmt.Errorf("client: binary frame (%d bytes) from the server, the protocol uses text frames", len(data)))
		return
	}
	m, err := protocol.Decode(data)
	if err != nil {
		s.protocolError(fmt.Errorf("client: failed to decode a frame from the server: %w", err))
		return
	}
	switch m := m.(type) {
	case protocol.ChannelMessage:
		s.onMessage(m)
	case protocol.Ack:
		s.mu.Lock()
		acked := s.ackLocked(m.Seq)
		s.mu.Unlock()
		s.finishAcked(acked)
	case protocol.Attached:
		s.onAttached(m)
	case protocol.Rejected:
		s.onRejected(m)
	case protocol.Skipped:
		s.onSkipped(m)
	case protocol.ErrorMessage:
		s.onServerError(m)
	case protocol.Welcome, protocol.Resumed, protocol.ResumeFailed:
		select {
		case s.ctrl <- m:
		default: // nobody is waiting: drop, opened drains stale answers anyway
		}
	case protocol.Detached:
	default:
		s.protocolError(fmt.Errorf("client: unexpected %s from the server", m.MessageType()))
	}
}

func (s *Session) onMessage(m protocol.ChannelMessage) {
	s.mu.Lock()
	sub := s.subs[m.Channel]
	if sub == nil {
		s.stats.Duplicates++ // a detached channel's straggler
		s.mu.Unlock()
		return
	}
	v, expected := sub.offer(m)
	switch v {
	case verdictDeliver:
		s.stats.Delivered++
	case verdictDuplicate:
		s.stats.Duplicates++
	case verdictEarly:
		s.stats.Overtaken++
	case verdictRepair:
		s.stats.Overtaken++
		s.stats.Repairs++
		s.repairs[sub] = struct{}{}
	case verdictOverflowStart, verdictOverflow:
		s.stats.Overflows++
	case verdictGap:
		s.stats.Delivered++
		s.stats.ContinuityLosses++
		s.stats.LostMessages += m.Serial - expected
	}
	s.mu.Unlock()
	if v == verdictRepair {
		s.poke()
	}
	if v == verdictOverflowStart {
		s.overflowEvent(sub, m)
	}
	if v == verdictGap {
		s.continuityLost(&ContinuityLostError{Channel: m.Channel, From: expected, To: m.Serial - 1,
			Reason: "gap on a live connection: the server skipped serials"})
	}
}

func (s *Session) onAttached(a protocol.Attached) {
	s.mu.Lock()
	sub := s.subs[a.Channel]
	s.mu.Unlock()
	if sub == nil {
		s.protocolError(fmt.Errorf("client: unsolicited attached for %q: not subscribed", a.Channel))
		return
	}
	l, ok := sub.onAttached(a)
	if !ok {
		s.protocolError(fmt.Errorf("client: unsolicited attached for %q (serial %d): no attach pending", a.Channel, a.Serial))
		return
	}
	s.c.emit(Event{Kind: EventAttached, Channel: a.Channel, Serial: a.Serial})
	if l != nil {
		s.reportLoss(a.Channel, l)
	}
}

func (s *Session) continuityLost(e *ContinuityLostError) {
	s.log.Warn("session: continuity lost", "channel", e.Channel, "from", e.From, "to", e.To, "oldest", e.Oldest, "reason", e.Reason)
	s.c.emit(Event{Kind: EventContinuityLost, Channel: e.Channel, Serial: e.From, Err: e, Reason: e.Reason})
}

func (s *Session) protocolError(err error) {
	s.mu.Lock()
	s.stats.ProtocolErrors++
	s.mu.Unlock()
	s.log.Warn("session: protocol error", "err", err)
	s.c.emit(Event{Kind: EventProtocolError, Err: err, Reason: "protocol error"})
}

// ackLocked applies a cumulative ack; the caller holds s.mu and then calls
// finishAcked without it.
func (s *Session) ackLocked(seq uint64) []*Publication {
	if seq < s.win.acked {
		// Harmless (the window keeps its position) but the server broke the
		// protocol: its acks are cumulative.
		err := fmt.Errorf("client: server ack went backwards from seq %d to %d", s.win.acked, seq)
		s.stats.ProtocolErrors++
		s.log.Warn("session: protocol error", "err", err)
		s.c.emit(Event{Kind: EventProtocolError, Err: err, Reason: "ack going backwards"})
		return nil
	}
	done, err := s.win.ack(seq)
	if err != nil {
		s.stats.ProtocolErrors++
		s.log.Warn("session: protocol error", "err", err)
		s.c.emit(Event{Kind: EventProtocolError, Err: err, Reason: "ack beyond the last publication"})
		return nil
	}
	if len(done) > 0 {
		for _, p := range done {
			if p.Status() < PublishAcked { // rejected ones are settled, not acked
				s.stats.Acked++
			}
		}
		close(s.space)
		s.space = make(chan struct{})
	}
	return done
}

func (s *Session) finishAcked(done []*Publication) {
	for _, p := range done {
		p.finish(PublishAcked, nil)
	}
}

// lost runs on the supervisor when a live connection ends.
func (s *Session) lost(error) {
	s.mu.Lock()
	s.conn = nil
	s.mu.Unlock()
}

// terminated runs once when the transport fails or closes: every unacked
// publication fails (and is listed by Unacked), every subscription ends.
func (s *Session) terminated(final State, err error) {
	<-s.ready
	endErr := error(ErrClosed)
	if final == StateFailed {
		endErr = fmt.Errorf("%w: %w", ErrFailed, err)
	}
	s.mu.Lock()
	s.endErr, s.conn = endErr, nil
	pubs := s.win.drain()
	s.failed = pubs
	s.stats.Failed += uint64(len(pubs))
	subs := make([]*Subscription, 0, len(s.subs))
	for _, sub := range s.subs {
		subs = append(subs, sub)
	}
	close(s.space)
	close(s.ended)
	s.mu.Unlock()
	for _, p := range pubs {
		p.finish(PublishFailed, fmt.Errorf("client: publication %d to %q was not acked: %w", p.id, p.channel, endErr))
	}
	for _, sub := range subs {
		sub.end(endErr)
	}
	s.c.emit(Event{Kind: EventSessionEnded, Serial: uint64(len(pubs)), Err: endErr, Reason: "session ended"})
}
