package client

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/wschaos/wschaos/protocol"
)

// ErrRejected is wrapped by the error of a publication the server refused
// (v2 rejected): it is failed, never resent. A too_large refusal also
// matches ErrPayloadTooLarge.
var ErrRejected = errors.New("client: publication rejected by the server")

// RejectedError is the error of a publication the server refused.
type RejectedError struct {
	Seq     uint64
	Code    string
	Message string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("client: server rejected publication seq %d: %s: %s", e.Seq, e.Code, e.Message)
}

// Is matches ErrRejected, and ErrPayloadTooLarge for code too_large.
func (e *RejectedError) Is(target error) bool {
	return target == ErrRejected || (target == ErrPayloadTooLarge && e.Code == protocol.CodeTooLarge)
}

// newProducer is a random 128-bit producer id (v2 Hello.Producer), stable for
// the Session's life, so the server dedupes republished publications by PSeq
// across sessions.
func newProducer() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// sizeCheckLocked refuses, before it enters the window, a payload that could
// never be delivered: the message frame the server fans out would exceed the
// client's own ReadLimit (every subscriber with the same limit would loop on
// close 1009, or be sent skipped), or the publish frame would exceed the
// server's announced read limit (s.limits.MaxFrame, 0 while unknown). Both
// lengths are exact for the encoder (protocol.MessageFrameLen,
// PublishFrameLen). The caller holds s.mu.
func (s *Session) sizeCheckLocked(channel string, size int) error {
	if msg, limit := protocol.MessageFrameLen(channel, size), s.c.cfg.ReadLimit; msg > limit {
		return fmt.Errorf("client: failed to publish %d bytes to %q: its message frame (%d bytes) exceeds ReadLimit %d: %w",
			size, channel, msg, limit, ErrPayloadTooLarge)
	}
	if max := s.limits.MaxFrame; max > 0 {
		if pub := protocol.PublishFrameLen(channel, size); pub > max {
			return fmt.Errorf("client: failed to publish %d bytes to %q: its frame (%d bytes) exceeds the server's read limit %d: %w",
				size, channel, pub, max, ErrPayloadTooLarge)
		}
	}
	return nil
}

// onRejected fails the publication the server refused. It stays in the
// window until the cumulative ack covers it (the server counts it settled)
// and leaves at a resync; it is never resent as a new publication.
func (s *Session) onRejected(m protocol.Rejected) {
	s.mu.Lock()
	var p *Publication
	if m.Seq > s.win.acked && m.Seq-s.win.acked <= uint64(s.win.len()) {
		p = s.win.live()[m.Seq-s.win.acked-1]
		s.stats.Rejected++
	}
	s.mu.Unlock()
	if p == nil {
		s.protocolError(fmt.Errorf("client: rejected seq %d is not in the unacked window", m.Seq))
		return
	}
	err := &RejectedError{Seq: m.Seq, Code: m.Code, Message: m.Message}
	s.log.Warn("session: publication rejected", "id", p.id, "seq", m.Seq, "code", m.Code, "message", m.Message)
	p.finish(PublishFailed, fmt.Errorf("client: publication %d to %q: %w", p.id, p.channel, err))
}

// onSkipped advances a subscription past a message the server will not send
// it (too large for this session's read limit): nothing is delivered for it,
// the loss is raised as EventContinuityLost and counted (Unreadable), and
// the deliver_ack moves past it.
func (s *Session) onSkipped(m protocol.Skipped) {
	s.mu.Lock()
	sub := s.subs[m.Channel]
	s.mu.Unlock()
	if sub == nil {
		return // a detached channel's straggler
	}
	from, ok := sub.skip(m.Serial)
	if !ok {
		return // at or below the position: a replayed notice
	}
	s.mu.Lock()
	s.stats.Unreadable++
	s.stats.ContinuityLosses++
	s.stats.LostMessages += m.Serial - from + 1
	s.mu.Unlock()
	s.continuityLost(&ContinuityLostError{Channel: m.Channel, From: from, To: m.Serial,
		Reason: fmt.Sprintf("server skipped serial %d (%d bytes): %s", m.Serial, m.Size, m.Reason)})
	s.deliverAckDue(sub)
}
