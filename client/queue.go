package client

import (
	"context"
	"fmt"
	"sync"
)

// qitem is one queued message; written (may be nil) runs after a successful write.
type qitem struct {
	msg     Outbound
	written func()
}

// queue is the bounded outbound FIFO shared by Send (producers) and the
// writer goroutine of the live connection (the consumer).
type queue struct {
	maxMsgs, maxBytes int
	policy            OverflowPolicy
	onDrop            func(Outbound)

	mu      sync.Mutex
	items   []qitem
	bytes   int
	dropped uint64
	closed  error         // non-nil once closed: returned by push
	space   chan struct{} // closed and replaced whenever room frees (or on close)
	ready   chan struct{} // 1-buffered: "there may be something to pop"
}

func newQueue(c QueueConfig) *queue {
	return &queue{
		maxMsgs: c.MaxMessages, maxBytes: c.MaxBytes, policy: c.Overflow, onDrop: c.OnDrop,
		space: make(chan struct{}), ready: make(chan struct{}, 1),
	}
}

func (q *queue) fits(n int) bool {
	return len(q.items) < q.maxMsgs && q.bytes+n <= q.maxBytes
}

// push appends it, applying the overflow policy when full.
func (q *queue) push(ctx context.Context, it qitem) error {
	n := len(it.msg.Data)
	if n > q.maxBytes {
		return fmt.Errorf("client: failed to queue %d bytes (bound %d): %w", n, q.maxBytes, ErrTooLarge)
	}
	var dropped []Outbound
	defer func() {
		// OnDrop runs outside the lock, on the caller's goroutine.
		for _, m := range dropped {
			if q.onDrop != nil {
				q.onDrop(m)
			}
		}
	}()
	for {
		q.mu.Lock()
		if q.closed != nil {
			err := q.closed
			q.mu.Unlock()
			return err
		}
		if q.fits(n) {
			q.items = append(q.items, it)
			q.bytes += n
			q.mu.Unlock()
			q.signal()
			return nil
		}
		switch q.policy {
		case OverflowError:
			q.mu.Unlock()
			return fmt.Errorf("client: failed to queue message (%d messages, %d bytes queued): %w",
				q.maxMsgs, q.maxBytes, ErrQueueFull)
		case OverflowDropOldest:
			for !q.fits(n) && len(q.items) > 0 {
				dropped = append(dropped, q.popLocked().msg)
				q.dropped++
			}
			q.mu.Unlock()
			continue
		}
		space := q.space
		q.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return fmt.Errorf("client: failed to queue message: queue full: %w", ctx.Err())
		}
	}
}

func (q *queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *queue) popLocked() qitem {
	it := q.items[0]
	q.items[0] = qitem{}
	q.items = q.items[1:]
	if len(q.items) == 0 {
		q.items = nil // let append start a fresh backing array
	}
	q.bytes -= len(it.msg.Data)
	close(q.space)
	q.space = make(chan struct{})
	return it
}

// pop removes the head, if any.
func (q *queue) pop() (qitem, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 || q.closed != nil {
		return qitem{}, false
	}
	return q.popLocked(), true
}

// pushFront returns a message whose write failed to the head, ignoring the
// bounds (it was counted when first queued).
func (q *queue) pushFront(it qitem) {
	q.mu.Lock()
	q.items = append([]qitem{it}, q.items...)
	q.bytes += len(it.msg.Data)
	q.mu.Unlock()
	q.signal()
}

// close makes later pushes fail with err, wakes blocked producers and returns
// everything still queued, in order.
func (q *queue) close(err error) []Outbound {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed == nil {
		q.closed = err
		close(q.space)
	}
	out := make([]Outbound, 0, len(q.items))
	for _, it := range q.items {
		out = append(out, it.msg)
	}
	q.items, q.bytes = nil, 0
	return out
}

func (q *queue) depth() (msgs, bytes int, dropped uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items), q.bytes, q.dropped
}
