package client

import (
	"fmt"

	"github.com/wschaos/wschaos/protocol"
)

// EventSubscriptionOverflow: a message of Channel (Serial) arrived while its
// subscription buffer was full (SessionConfig.SubscriptionBuffer or
// SubscriptionBytes): the server sent beyond its credit (a v1 server, or a
// broken one). The message and those after it are dropped, not delivered,
// until Next has taken half the buffer; then the subscription re-attaches
// from its last serial and the server's history replays them in order
// (what it no longer holds is reported by EventContinuityLost). Raised once
// per overflow; every dropped message counts in SessionStats.Overflows.
const EventSubscriptionOverflow EventKind = 120

// Default subscription buffer bounds (SessionConfig.SubscriptionBuffer,
// SubscriptionBytes).
const (
	DefaultSubscriptionBuffer = 4096
	DefaultSubscriptionBytes  = 64 << 20
)

func init() {
	eventKindNames[EventSubscriptionOverflow] = "subscription-overflow"
}

// fullLocked reports whether a message of n bytes finds the buffer full.
// The caller holds sub.mu.
func (sub *Subscription) fullLocked(n int) bool {
	return (sub.maxLen > 0 && len(sub.queue) >= sub.maxLen) ||
		(sub.maxBytes > 0 && len(sub.queue) > 0 && sub.bytes+n > sub.maxBytes)
}

// refillLocked reports, after Next took a message, whether an overflowed
// subscription has drained to half its bounds: it then starts the re-attach
// (syncing, so live messages overtaking the replay are dropped). The caller
// holds sub.mu and calls Session.repairOverflow without it.
func (sub *Subscription) refillLocked() bool {
	if !sub.overflowed || sub.syncing || sub.err != nil ||
		(sub.maxLen > 0 && len(sub.queue) > sub.maxLen/2) || (sub.maxBytes > 0 && sub.bytes > sub.maxBytes/2) {
		return false
	}
	sub.overflowed = false
	sub.syncing = true
	sub.synced = make(chan struct{})
	return true
}

// repairOverflow queues the re-attach of an overflowed subscription.
func (s *Session) repairOverflow(sub *Subscription) {
	s.mu.Lock()
	if s.subs[sub.channel] == sub {
		s.repairs[sub] = struct{}{}
		s.stats.OverflowRepairs++
	}
	s.mu.Unlock()
	s.poke()
}

func (s *Session) overflowEvent(sub *Subscription, m protocol.ChannelMessage) {
	reason := fmt.Sprintf("subscription buffer full (%d messages, %d bytes; SubscriptionBuffer %d, SubscriptionBytes %d): the server sent beyond its credit; dropped until the consumer catches up, then replayed from serial %d",
		sub.Buffered(), sub.bufferedBytes(), sub.maxLen, sub.maxBytes, sub.LastSerial()+1)
	s.log.Warn("session: subscription overflow", "channel", m.Channel, "serial", m.Serial, "reason", reason)
	s.c.emit(Event{Kind: EventSubscriptionOverflow, Channel: m.Channel, Serial: m.Serial, Reason: reason})
}

func (sub *Subscription) bufferedBytes() int {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.bytes
}

// attachMsg is the attach that continues sub after its last serial, in its
// epoch.
func (sub *Subscription) attachMsg() protocol.Attach {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return protocol.Attach{Channel: sub.channel, After: sub.last, Epoch: sub.epoch}
}
