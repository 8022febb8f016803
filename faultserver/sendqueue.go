package faultserver

import "sync"

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
}

func newSendQueue(limit int) *sendQueue {
	return &sendQueue{limit: limit, wake: make(chan struct{}, 1)}
}

// push queues f; false when the queue already holds limit frames.
func (q *sendQueue) push(f outFrame) bool {
	q.mu.Lock()
	if len(q.frames)-q.head >= q.limit {
		q.mu.Unlock()
		return false
	}
	q.frames = append(q.frames, f)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
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
	q.head++
	if q.head == len(q.frames) { // drained: release the buffer unless small
		q.head = 0
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
