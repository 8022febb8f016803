package harness

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/wschaos/wschaos/client"
)

// consumeWorkers is how many goroutines record the deliveries of one pool's
// subscriptions (agents' and clients' apart), instead of one goroutine per
// subscription blocked in Next: at 4,500 clients that was 9,000 goroutines
// and their stacks.
const consumeWorkers = 8

// consumerPool records deliveries of many subscriptions on a few workers.
// A subscription's Notify schedules it; one worker at a time drains it with
// TryNext, so each subscription's deliveries are recorded in order by one
// goroutine at a time, as a goroutine of its own would.
type consumerPool struct {
	record func(m *member, d client.Delivery, senders map[string]string)

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*consumed // scheduled, not yet taken by a worker
	live    int         // subscriptions not yet ended and drained
	closing bool        // wait was called: workers leave once live is 0
	stopped atomic.Bool // ctx ended: workers leave at once (written under mu)
	workers sync.WaitGroup
	stop    func() bool // unregisters the ctx hook
}

// consumed is one subscription in a pool.
type consumed struct {
	m       *member
	sub     *client.Subscription
	senders map[string]string // interned sender names, used by the draining worker only
	// state is guarded by the pool's mu.
	state consumeState
}

type consumeState int

const (
	consumeIdle    consumeState = iota // nothing to do until notified
	consumeQueued                      // in the queue
	consumeRunning                     // a worker drains it
	consumeAgain                       // notified while running: drain again
	consumeDone                        // ended and drained
)

// newConsumerPool starts workers recording with record until every
// subscription added has ended and been drained (wait), or ctx ends.
func newConsumerPool(ctx context.Context, workers int, record func(m *member, d client.Delivery, senders map[string]string)) *consumerPool {
	p := &consumerPool{record: record}
	p.cond = sync.NewCond(&p.mu)
	p.stop = context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.stopped.Store(true)
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	for range max(workers, 1) {
		p.workers.Go(p.work)
	}
	return p
}

// add makes the pool record sub's deliveries as m's.
func (p *consumerPool) add(m *member, sub *client.Subscription) {
	c := &consumed{m: m, sub: sub, senders: map[string]string{}}
	p.mu.Lock()
	p.live++
	p.mu.Unlock()
	sub.Notify(func() { p.schedule(c) })
}

// schedule queues c unless it is queued or being drained already (then the
// worker drains it again before letting it go).
func (p *consumerPool) schedule(c *consumed) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch c.state {
	case consumeIdle:
		c.state = consumeQueued
		p.queue = append(p.queue, c)
		p.cond.Signal()
	case consumeRunning:
		c.state = consumeAgain
	}
}

func (p *consumerPool) work() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for len(p.queue) == 0 && !p.stopped.Load() && !(p.closing && p.live == 0) {
			p.cond.Wait()
		}
		if p.stopped.Load() || (p.closing && p.live == 0) {
			p.cond.Broadcast() // the other workers and wait
			return
		}
		c := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		c.state = consumeRunning
		for {
			p.mu.Unlock()
			ended := p.drain(c)
			p.mu.Lock()
			if ended {
				c.state = consumeDone
				p.live--
				if p.live == 0 {
					p.cond.Broadcast() // wait, and idle workers if closing
				}
				break
			}
			if c.state != consumeAgain || p.stopped.Load() {
				c.state = consumeIdle
				break
			}
			c.state = consumeRunning
		}
	}
}

// drain records what c's subscription holds; true once it ended and is empty.
func (p *consumerPool) drain(c *consumed) bool {
	for {
		d, ok, err := c.sub.TryNext()
		if err != nil {
			return true
		}
		if !ok {
			return false
		}
		p.record(c.m, d, c.senders)
		if p.stopped.Load() {
			return false
		}
	}
}

// wait returns once every subscription added has ended and been drained, or
// the pool's ctx ended, and its workers are gone.
func (p *consumerPool) wait() {
	p.mu.Lock()
	p.closing = true
	p.cond.Broadcast()
	for p.live > 0 && !p.stopped.Load() {
		p.cond.Wait()
	}
	p.mu.Unlock()
	p.workers.Wait()
	p.stop()
}
