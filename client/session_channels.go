package client

import (
	"context"
	"fmt"
	"slices"

	"github.com/wschaos/wschaos/protocol"
)

// Attach subscribes to channel and waits until the server confirms it (or
// ctx ends, or the session ends). The subscription starts at the channel's
// head: messages published after the attach. It survives reconnects: each new
// connection re-attaches with after = the last serial received, so nothing
// is delivered twice or skipped; what the server can no longer replay is
// reported by an EventContinuityLost. If ctx ends first, the attach is
// withdrawn and the error returned.
func (s *Session) Attach(ctx context.Context, channel string) (*Subscription, error) {
	if err := protocol.Validate(protocol.Attach{Channel: channel}); err != nil {
		return nil, fmt.Errorf("client: failed to attach: %w", err)
	}
	s.mu.Lock()
	if s.endErr != nil {
		err := s.endErr
		s.mu.Unlock()
		return nil, fmt.Errorf("client: failed to attach %q: %w", channel, err)
	}
	if s.subs[channel] != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("client: failed to attach %q: %w", channel, ErrAlreadyAttached)
	}
	sub := newSubscription(s, channel)
	s.subs[channel] = sub
	s.detaches = slices.DeleteFunc(s.detaches, func(ch string) bool { return ch == channel })
	w, gen := s.conn, s.gen
	var attach protocol.Attach
	if w != nil {
		attach, _ = sub.beginSync(gen, false)
	}
	s.mu.Unlock()
	if w != nil {
		// On failure the connection is dying; the next one attaches (syncGen differs).
		_ = s.write(ctx, w, attach)
	}
	select {
	case <-sub.ready:
		return sub, nil
	case <-s.ended:
		return nil, fmt.Errorf("client: failed to attach %q: %w", channel, s.Err())
	case <-ctx.Done():
		_ = s.detach(context.WithoutCancel(ctx), sub)
		return nil, fmt.Errorf("client: failed to attach %q: %w", channel, ctx.Err())
	}
}

// Subscription returns the subscription of channel, or nil.
func (s *Session) Subscription(channel string) *Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subs[channel]
}

// detach removes sub and tells the server: now on a live connection, or on
// the next one.
func (s *Session) detach(ctx context.Context, sub *Subscription) error {
	s.mu.Lock()
	if s.subs[sub.channel] != sub {
		s.mu.Unlock()
		return nil
	}
	delete(s.subs, sub.channel)
	delete(s.ackDue, sub)
	w := s.conn
	if w == nil {
		s.detaches = append(s.detaches, sub.channel)
	}
	s.mu.Unlock()
	sub.end(fmt.Errorf("client: %q: %w", sub.channel, ErrDetached))
	s.c.emit(Event{Kind: EventDetached, Channel: sub.channel, Serial: sub.LastSerial()})
	if w == nil {
		return nil
	}
	if err := s.write(ctx, w, protocol.Detach{Channel: sub.channel}); err != nil {
		s.mu.Lock()
		if s.subs[sub.channel] == nil {
			s.detaches = append(s.detaches, sub.channel)
		}
		s.mu.Unlock()
		return fmt.Errorf("client: failed to detach %q (will retry on the next connection): %w", sub.channel, err)
	}
	return nil
}

// ChannelResetError is the Err of the EventContinuityLost raised when the
// server freed a channel and created it again (protocol v3: attached
// carried another epoch). Serials restart under NewEpoch: LastSerial, the
// last serial received in OldEpoch, says nothing about the new numbering,
// and whatever the old incarnation held after it is gone (how much is
// unknown, so it is not counted in LostMessages). Delivery continues with
// the new incarnation's whole retained history, from Oldest; if Oldest > 1,
// its serials 1..Oldest-1 were lost too (counted).
type ChannelResetError struct {
	Channel            string
	OldEpoch, NewEpoch uint64
	LastSerial         uint64
	Oldest, Head       uint64
}

func (e *ChannelResetError) Error() string {
	return fmt.Sprintf("client: channel %q was recreated on the server (epoch %d -> %d): serials restart; messages after serial %d of the old epoch are lost; delivery continues from serial %d of %d in the new epoch",
		e.Channel, e.OldEpoch, e.NewEpoch, e.LastSerial, e.Oldest, e.Head)
}

// resetLocked follows a channel recreated under a new epoch: the attach
// named the old epoch, so the server streams its whole retained history
// (serials after Oldest-1), which becomes the position. The caller holds
// sub.mu.
func (sub *Subscription) resetLocked(a protocol.Attached) *loss {
	e := &ChannelResetError{Channel: sub.channel, OldEpoch: sub.epoch, NewEpoch: a.Epoch,
		LastSerial: sub.last, Oldest: a.Oldest, Head: a.Serial}
	start := min(max(a.Oldest, 1)-1, a.Serial)
	sub.epoch, sub.last = a.Epoch, start
	sub.consumed, sub.acked, sub.skipTo, sub.repairFrom = start, start, 0, 0
	return &loss{From: 1, To: start, Oldest: a.Oldest, Reason: e.Error(), reset: e}
}

// reportLoss counts and raises a loss found by an attached.
func (s *Session) reportLoss(channel string, l *loss) {
	s.mu.Lock()
	s.stats.ContinuityLosses++
	if l.reset != nil {
		s.stats.ChannelResets++
	}
	if l.To >= l.From {
		s.stats.LostMessages += l.To - l.From + 1
	}
	s.mu.Unlock()
	if l.reset != nil {
		s.log.Warn("session: channel reset", "channel", channel, "err", l.reset)
		s.c.emit(Event{Kind: EventContinuityLost, Channel: channel, Serial: l.reset.Oldest, Err: l.reset, Reason: l.Reason})
		return
	}
	s.continuityLost(&ContinuityLostError{Channel: channel, From: l.From, To: l.To, Oldest: l.Oldest, Reason: l.Reason})
}
