package client

import (
	"context"
	"fmt"
	"sync"

	"github.com/wschaos/wschaos/protocol"
)

// Delivery is one channel message handed to the application.
type Delivery struct {
	Channel string
	// Serial is the message's position on the channel: consecutive deliveries
	// have consecutive serials unless a ContinuityLost event came in between.
	Serial uint64
	Data   []byte
	// Epoch is the channel epoch Serial belongs to (protocol v3; 0 from an
	// older server): when the server frees a channel and creates it again,
	// serials restart at 1 under a new epoch, announced by an
	// EventContinuityLost whose Err is a *ChannelResetError.
	Epoch uint64
}

// Subscription is one attached channel. Next returns its messages exactly
// once and in serial order, across any number of reconnects and resumes.
// Messages are buffered in memory until Next takes them. A v2+ server sends
// at most its Limits.DeliverWindow beyond the deliver_acks Next triggers
// (credit), so the buffer stays below that. Against a server that ignores
// credit (v1, or broken) the buffer is bounded by
// SessionConfig.SubscriptionBuffer messages and SubscriptionBytes bytes: a
// message arriving at a full buffer is dropped and counted
// (SessionStats.Overflows), the position stays, and once Next has taken half
// the buffer the subscription re-attaches from its last serial, so the
// server's history replays what was dropped, in order; what the history no
// longer holds is reported by EventContinuityLost. Safe for concurrent use,
// though a single consumer calling Next is the intended pattern.
type Subscription struct {
	s       *Session
	channel string

	ready chan struct{} // closed on the first attached

	mu       sync.Mutex
	attached bool          // the server confirmed an attach at least once, so last is meaningful
	last     uint64        // highest serial accepted into queue; re-attach asks for after=last
	syncing  bool          // an attach was sent on this connection and not yet answered
	syncGen  uint64        // connection generation of the last attach sent
	fresh    bool          // that attach went to a server session new to this channel (after a resync)
	synced   chan struct{} // closed when that attach is answered
	// repairFrom is the expected serial at the last gap repair; a second gap
	// at the same point is reported as loss rather than repaired forever.
	repairFrom uint64
	queue      []Delivery
	wake       chan struct{} // closed and replaced when queue grows or the subscription ends
	waited     bool          // wake was handed to a waiter since it was last replaced
	consumed   uint64        // highest serial Next returned (or skipped past)
	skipTo     uint64        // skipped serial behind the buffer: consumed once the buffer drains
	acked      uint64        // highest serial a deliver_ack was queued for
	err        error         // set once the subscription ended
	// epoch is the channel epoch of last (v3 attached.epoch; 0: unknown).
	epoch uint64
	// bytes is the payload bytes in queue; maxLen and maxBytes bound queue
	// (SessionConfig.SubscriptionBuffer, SubscriptionBytes).
	bytes            int
	maxLen, maxBytes int
	// overflowed is set when a message was dropped at a full buffer; Next
	// re-attaches from last once the buffer is half empty.
	overflowed bool
	// notify is Notify's callback (nil: none).
	notify func()
}

func newSubscription(s *Session, channel string) *Subscription {
	return &Subscription{s: s, channel: channel, wake: make(chan struct{}), ready: make(chan struct{}),
		maxLen: s.cfg.SubscriptionBuffer, maxBytes: s.cfg.SubscriptionBytes}
}

// Channel is the channel name.
func (sub *Subscription) Channel() string { return sub.channel }

// LastSerial is the highest serial received for the channel (delivered or
// buffered); a re-attach asks the server for everything after it.
func (sub *Subscription) LastSerial() uint64 {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.last
}

// Buffered is the number of messages received but not yet taken by Next.
func (sub *Subscription) Buffered() int {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return len(sub.queue)
}

// Next returns the next message, blocking until one arrives, ctx ends, or the
// subscription ends (Detach, Session.Close, or the session failing), in which
// case buffered messages are still returned first and then the error.
func (sub *Subscription) Next(ctx context.Context) (Delivery, error) {
	for {
		d, ok, wake, err := sub.take()
		if ok || err != nil {
			return d, err
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return Delivery{}, fmt.Errorf("client: failed to receive on %q: %w", sub.channel, ctx.Err())
		}
	}
}

// TryNext is Next without waiting: it returns the next buffered message (ok),
// or, with nothing buffered, the error once the subscription has ended (and
// ok false, nil error while it is still live). With Notify it lets a few
// goroutines consume many subscriptions instead of one blocked in Next each.
func (sub *Subscription) TryNext() (d Delivery, ok bool, err error) {
	d, ok, _, err = sub.take()
	return d, ok, err
}

// Notify registers f to be called each time a message is buffered and when
// the subscription ends, so a consumer using TryNext knows when to look; f
// replaces any earlier one (nil: none). If the subscription has a message
// buffered or has ended already, f is called once at once. f runs on the
// session's reader (or closing) goroutine after the subscription's lock is
// released: it must not block; it may call the Subscription's methods.
// Calls may be spurious or coalesced, never missing: after the last call,
// TryNext sees every message buffered before it.
func (sub *Subscription) Notify(f func()) {
	sub.mu.Lock()
	sub.notify = f
	due := f != nil && (len(sub.queue) > 0 || sub.err != nil)
	sub.mu.Unlock()
	if due {
		f()
	}
}

// take returns the next buffered message (ok), or the subscription's error
// once it ended with nothing buffered, or, when neither, the channel closed
// on the next change.
func (sub *Subscription) take() (d Delivery, ok bool, wake <-chan struct{}, err error) {
	sub.mu.Lock()
	if len(sub.queue) == 0 {
		err, wake = sub.err, sub.wake
		sub.waited = true
		sub.mu.Unlock()
		return Delivery{}, false, wake, err
	}
	d = sub.queue[0]
	sub.queue[0] = Delivery{}
	sub.queue = sub.queue[1:]
	sub.bytes -= len(d.Data)
	if d.Epoch == sub.epoch { // one of an old epoch says nothing about the new numbering
		sub.consumed = d.Serial
	}
	if len(sub.queue) == 0 && sub.skipTo > sub.consumed {
		sub.consumed = sub.skipTo
	}
	ackNow := sub.consumed-sub.acked >= deliverAckEvery || len(sub.queue) == 0
	refill := sub.refillLocked()
	sub.mu.Unlock()
	if refill {
		sub.s.repairOverflow(sub)
	}
	if ackNow {
		sub.s.deliverAckDue(sub)
	}
	return d, true, nil, nil
}

// Detach unsubscribes: it tells the server (waiting for its confirmation, or
// ctx) and ends the subscription. Messages already buffered stay readable
// with Next, which then returns ErrDetached.
func (sub *Subscription) Detach(ctx context.Context) error {
	return sub.s.detach(ctx, sub)
}

// deliverAckEvery is how many consumed messages may go unacknowledged to the
// server while the consumer is still behind; a drained queue acks at once.
const deliverAckEvery = 64

// pendingAck returns the serial to acknowledge to the server, if any, and
// records it as acknowledged.
func (sub *Subscription) pendingAck() (uint64, bool) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.consumed <= sub.acked {
		return 0, false
	}
	sub.acked = sub.consumed
	return sub.acked, true
}

// verdict is what to do with an inbound channel message.
type verdict int

const (
	verdictDeliver       verdict = iota // the next serial: deliver it
	verdictDuplicate                    // at or below the last accepted serial: drop it
	verdictGap                          // beyond the next serial: messages in between are missing
	verdictEarly                        // before the pending attach was answered: the replay it asked for will bring it
	verdictRepair                       // a gap: dropped, and a re-attach from last must be sent to replay the hole
	verdictOverflowStart                // the buffer is full: dropped, replayed by a re-attach once Next drained it
	verdictOverflow                     // dropped while still overflowed
)

// offer runs on the reader goroutine for each channel message. Serials at or
// below last are duplicates (replays after a reconnect) and are dropped. A
// serial beyond last+1 is a gap: on a live connection the server should have
// sent the serials in between, so it lost them on the way (its history may
// still hold them). The first gap at a point is repaired: the message is
// dropped and the caller re-attaches from last, so the replay fills the hole
// in order. If the same gap comes back, the message is delivered and the
// caller raises a ContinuityLost event: loss is surfaced, never silent.
func (sub *Subscription) offer(m protocol.ChannelMessage) (v verdict, expected uint64) {
	var notify func()
	defer func() { // after the unlock below
		if notify != nil {
			notify()
		}
	}()
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.err != nil {
		return verdictDuplicate, 0 // detached or closed: nothing more is delivered
	}
	if !sub.attached {
		return verdictEarly, 0
	}
	expected = sub.last + 1
	switch {
	case m.Serial < expected && !testhookKeepDuplicate(): // hook: client/testhooks_*.go
		return verdictDuplicate, expected
	case sub.overflowed:
		return verdictOverflow, expected
	case sub.fullLocked(len(m.Data)):
		// The server ignores credit and the consumer is behind: drop it,
		// keep the position; the re-attach after Next drained replays it.
		sub.overflowed = true
		return verdictOverflowStart, expected
	case m.Serial > expected && sub.syncing:
		// A live message overtook the replay our pending attach asked for
		// (after a resume the server fans out at once). The replay covers it.
		return verdictEarly, expected
	case m.Serial > expected && sub.repairFrom != expected:
		// First gap at this point: the missing serials may still be in the
		// server's history. Re-attach from last and let the replay fill it.
		sub.repairFrom = expected
		sub.syncing = true
		sub.synced = make(chan struct{})
		return verdictRepair, expected
	case m.Serial > expected:
		// The repair from here already ran and the serials are still
		// missing without the server saying so: report and go on.
		v = verdictGap
	}
	sub.last = m.Serial
	if testhookDropDelivery(sub) { // hook: client/testhooks_*.go
		return verdictDuplicate, expected
	}
	sub.queue = append(sub.queue, Delivery{Channel: m.Channel, Serial: m.Serial, Data: m.Data, Epoch: sub.epoch})
	sub.bytes += len(m.Data)
	notify = sub.signal()
	return v, expected
}

// skip moves the position past serial (a v2 skipped notice) and returns the
// first serial not delivered; false if serial is at or below the position.
// When nothing is buffered the consumed position moves too, so the next
// deliver_ack covers it.
func (sub *Subscription) skip(serial uint64) (from uint64, ok bool) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.err != nil || !sub.attached || serial <= sub.last {
		return 0, false
	}
	from = sub.last + 1
	sub.last = serial
	if len(sub.queue) == 0 {
		sub.consumed = serial
	} else {
		sub.skipTo = serial
	}
	return from, true
}

// loss describes a hole in a channel's serials: From..To were never delivered.
type loss struct {
	From, To uint64
	Oldest   uint64 // the server's oldest replayable serial, when known
	Reason   string
	reset    *ChannelResetError // the channel was recreated (epoch changed)
}

// beginSync records that an attach is about to be sent on connection gen and
// returns it: after 0 for a first attach ("from now on"), else the last
// serial received, in its epoch. fresh says the server session is new to the
// channel (after a resync). synced is closed when this attach is answered:
// the opening waits on it, not on syncedChan, because a live gap after the
// answer swaps in a repair's signal that only a post-opening repair closes.
func (sub *Subscription) beginSync(gen uint64, fresh bool) (attach protocol.Attach, synced <-chan struct{}) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	sub.syncing, sub.syncGen, sub.fresh = true, gen, fresh
	sub.synced = make(chan struct{})
	return protocol.Attach{Channel: sub.channel, After: testhookAfter(sub.last), Epoch: sub.epoch}, sub.synced
}

// syncedChan is closed when the pending attach is answered.
func (sub *Subscription) syncedChan() <-chan struct{} {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.synced
}

// onAttached applies the server's answer to an attach. A first attach starts
// the stream at the channel head (serials after a.Serial). A re-attach keeps
// last, unless messages were lost; the returned loss then says which, and the
// stream continues with what the server has:
//   - continuity_lost: the history starts at a.Oldest > last+1;
//   - the head is behind last: the channel was reset on the server;
//   - a resync re-attach with last = 0: the new session takes after=0 as
//     "from now on", so anything up to the head is out of reach.
//
// ok is false for an attached no attach of ours is waiting for (forged or
// duplicated): it changes nothing.
func (sub *Subscription) onAttached(a protocol.Attached) (_ *loss, ok bool) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if !sub.syncing || sub.synced == nil {
		return nil, false
	}
	sub.syncing = false
	close(sub.synced)
	if !sub.attached {
		sub.attached = true
		sub.last, sub.epoch = a.Serial, a.Epoch
		sub.consumed, sub.acked = a.Serial, a.Serial
		close(sub.ready)
		return nil, true
	}
	testhookReattached(sub) // hook: client/testhooks_*.go
	if a.Epoch != 0 && sub.epoch != 0 && a.Epoch != sub.epoch {
		return sub.resetLocked(a), true
	}
	if a.Epoch != 0 {
		sub.epoch = a.Epoch // first epoch heard (the server was upgraded to v3)
	}
	var l *loss
	switch {
	case a.ContinuityLost && a.Oldest > sub.last+1:
		l = &loss{From: sub.last + 1, To: a.Oldest - 1, Oldest: a.Oldest, Reason: "server history no longer reaches the last received serial"}
		sub.last = a.Oldest - 1
	case a.Serial < sub.last:
		l = &loss{From: a.Serial + 1, To: sub.last, Oldest: a.Oldest,
			Reason: fmt.Sprintf("channel head %d is behind the last received serial %d: channel reset, serials will repeat", a.Serial, sub.last)}
		sub.last = a.Serial
	case sub.fresh && sub.last == 0 && a.Serial > 0:
		l = &loss{From: 1, To: a.Serial, Oldest: a.Oldest, Reason: "new session after resync: attach after=0 means from now on"}
		sub.last = a.Serial
	}
	return l, true
}

// end stops the subscription with err; buffered messages stay readable.
func (sub *Subscription) end(err error) {
	var notify func()
	defer func() { // after the unlock below
		if notify != nil {
			notify()
		}
	}()
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.err == nil {
		sub.err = err
		notify = sub.signal()
	}
	if sub.syncing { // release an opened waiting for this attach
		sub.syncing = false
		close(sub.synced)
	}
}

// signal wakes waiters in Next and returns the Notify callback for the
// caller to run once it released sub.mu; the caller holds sub.mu.
func (sub *Subscription) signal() func() {
	if sub.waited { // else nobody holds wake: keep it (no allocation per message)
		close(sub.wake)
		sub.wake = make(chan struct{})
		sub.waited = false
	}
	return sub.notify
}
