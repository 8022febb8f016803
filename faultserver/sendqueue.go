package faultserver

import (
	"sync"

	"github.com/gorilla/websocket"
)

// sendQueue is a connection's bounded outbound queue. Its buffer grows on
// demand and is released once drained, so an idle connection holds none of
// it (a buffered channel of SendQueue frames cost 128 KiB per connection
// up front).
type sendQueue struct {
	mu     sync.Mutex
	frames []outFrame
	head   int // frames[head:] are queued
	limit  int
	wake   chan struct{} // a token when frames were added
	// ackAt indexes the queued ack that a later ack may advance instead of
	// queuing another (-1: none). See pushAck.
	ackAt int
	// coalesced counts acks folded into a queued one.
	coalesced uint64
}

func newSendQueue(limit int) *sendQueue {
	return &sendQueue{limit: limit, wake: make(chan struct{}, 1), ackAt: -1}
}

// push queues f; false when the queue already holds limit frames. A reply
// (anything but a channel message, see pushMessage) ends ack coalescing: an
// ack queued after it must stay after it (rejected{seq} before the ack that
// covers seq, an error before the re-ack).
func (q *sendQueue) push(f outFrame) bool {
	return q.add(f, true)
}

// pushMessage queues a channel message. It leaves ack coalescing on: a later
// ack may advance an ack queued before this message, which only makes the
// ack reach the client earlier than the messages it precedes, as the
// protocol asks ("ack before fan-out").
func (q *sendQueue) pushMessage(f outFrame) bool {
	return q.add(f, false)
}

// pushAck queues a cumulative ack of seq at protocol version v. If an ack is
// still queued and no reply was queued after it, that ack is advanced to
// seq instead (acks are cumulative, so the client loses nothing): under
// load the server sends one ack per batch the writer catches up on, not one
// per publish, with no timer. Seq never moves backwards.
func (q *sendQueue) pushAck(seq uint64, v int) bool {
	q.mu.Lock()
	if q.ackAt >= q.head && q.ackAt < len(q.frames) {
		f := &q.frames[q.ackAt]
		f.ackSeq = max(f.ackSeq, seq)
		q.coalesced++
		q.mu.Unlock()
		return true
	}
	ok := q.addLocked(outFrame{typ: websocket.TextMessage, isAck: true, ackSeq: seq, ackV: v}, true)
	if ok {
		q.ackAt = len(q.frames) - 1
	}
	q.mu.Unlock()
	if ok {
		q.signal()
	}
	return ok
}

func (q *sendQueue) add(f outFrame, reply bool) bool {
	q.mu.Lock()
	ok := q.addLocked(f, reply)
	q.mu.Unlock()
	if ok {
		q.signal()
	}
	return ok
}

func (q *sendQueue) addLocked(f outFrame, reply bool) bool {
	if len(q.frames)-q.head >= q.limit {
		return false
	}
	q.frames = append(q.frames, f)
	if reply {
		q.ackAt = -1
	}
	return true
}

// signal wakes the writer.
func (q *sendQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop takes the oldest frame, if any.
func (q *sendQueue) pop() (outFrame, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.frames) {
		return outFrame{}, false
	}
	f := q.frames[q.head]
	q.frames[q.head] = outFrame{} // let the frame be collected
	if q.ackAt == q.head {        // on its way out: too late to advance
		q.ackAt = -1
	}
	q.head++
	if q.head == len(q.frames) { // drained: release the buffer unless small
		q.head = 0
		q.ackAt = -1
		if cap(q.frames) > 64 {
			q.frames = nil
		} else {
			q.frames = q.frames[:0]
		}
	}
	return f, true
}

// len is the number of frames queued.
func (q *sendQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.frames) - q.head
}

// enqueueAck queues a cumulative ack, possibly folded into one still queued
// (see pushAck). A full queue marks a slow consumer. Caller holds s.mu.
func (c *conn) enqueueAck(seq uint64) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	if c.out.pushAck(seq, c.version) {
		return true
	}
	c.slowConsumerLocked()
	return false
}

// enqueueMessage queues a channel message frame (see pushMessage). A full
// queue marks a slow consumer. Caller holds s.mu.
func (c *conn) enqueueMessage(frame []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	if c.out.pushMessage(outFrame{typ: websocket.TextMessage, data: frame}) {
		return true
	}
	c.slowConsumerLocked()
	return false
}
