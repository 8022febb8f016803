package client

import (
	"sync"
	"time"
)

// Stats is a snapshot of a client's counters.
type Stats struct {
	State         State
	Attempts      uint64        // dials started, in total
	Connects      uint64        // times the state became Connected
	Reconnects    uint64        // Connects after the first
	Written       uint64        // messages written from the queue
	Dropped       uint64        // messages discarded by OverflowDropOldest
	TimeConnected time.Duration // total time in StateConnected
	TimeDown      time.Duration // total time not connected, from New to now (or to the end)
	LastError     error         // the most recent attempt or connection failure
	QueueDepth    int           // messages waiting
	QueueBytes    int           // their payload bytes
	EventsDropped uint64        // events dropped because OnEvent fell behind EventQueue (see EventOverflow)
}

type statsBox struct {
	mu             sync.Mutex
	created        time.Time
	ended          time.Time // when a terminal state was reached
	connectedSince time.Time // zero when not connected
	connectedTotal time.Duration
	attempts       uint64
	connects       uint64
	written        uint64
	lastErr        error
}

func (c *Client) countAttempt() {
	c.stats.mu.Lock()
	c.stats.attempts++
	c.stats.mu.Unlock()
}

func (c *Client) countWritten() {
	c.stats.mu.Lock()
	c.stats.written++
	c.stats.mu.Unlock()
}

func (c *Client) setLastError(err error) {
	c.stats.mu.Lock()
	c.stats.lastErr = err
	c.stats.mu.Unlock()
}

// noteState keeps the connected-time accounting in step with the state.
func (c *Client) noteState(from, to State, now time.Time) {
	s := &c.stats
	s.mu.Lock()
	defer s.mu.Unlock()
	if from == StateConnected && !s.connectedSince.IsZero() {
		s.connectedTotal += now.Sub(s.connectedSince)
		s.connectedSince = time.Time{}
	}
	if to == StateConnected {
		s.connectedSince = now
		s.connects++
	}
	if to.terminal() {
		s.ended = now
	}
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	depth, bytes, dropped := c.q.depth()
	s := &c.stats
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.ended
	if now.IsZero() {
		now = time.Now()
	}
	connected := s.connectedTotal
	if !s.connectedSince.IsZero() {
		connected += now.Sub(s.connectedSince)
	}
	st := Stats{
		State: c.State(), Attempts: s.attempts, Connects: s.connects, Written: s.written,
		Dropped: dropped, TimeConnected: connected, TimeDown: now.Sub(s.created) - connected,
		LastError: s.lastErr, QueueDepth: depth, QueueBytes: bytes,
		EventsDropped: c.events.droppedCount(),
	}
	if s.connects > 0 {
		st.Reconnects = s.connects - 1
	}
	return st
}
