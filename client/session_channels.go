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
	var after uint64
	if w != nil {
		after, _ = sub.beginSync(gen, false)
	}
	s.mu.Unlock()
	if w != nil {
		// On failure the connection is dying; the next one attaches (syncGen differs).
		_ = s.write(ctx, w, protocol.Attach{Channel: channel, After: after})
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
