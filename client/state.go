package client

import (
	"context"
	"fmt"
	"sync"
)

// State is the connection state. The supervisor goroutine is its only writer.
type State int

// The states. A client starts in StateConnecting; StateFailed and StateClosed
// are terminal.
const (
	// StateConnecting: a dial (handshake, then the open hook and re-subscribe) is in progress.
	StateConnecting State = iota
	// StateConnected: the connection is live and the queue is flowing.
	StateConnected
	// StateReconnecting: waiting out a backoff delay before the next dial.
	StateReconnecting
	// StateFailed: a retry limit was reached or a failure was fatal (see Client.Err).
	StateFailed
	// StateClosed: Close was called.
	StateClosed
)

// String returns the state's name (see MarshalText).
func (s State) String() string {
	if n, err := nameOf("State", stateNames, int(s)); err == nil {
		return n
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// terminal reports whether s is a final state.
func (s State) terminal() bool { return s == StateFailed || s == StateClosed }

// stateBox holds the state and a channel closed on every change (grpc-go's
// connectivity-state manager pattern).
type stateBox struct {
	mu      sync.Mutex
	state   State
	changed chan struct{}
}

func newStateBox() *stateBox { return &stateBox{changed: make(chan struct{})} }

// update sets the state; it drops repeats and anything after a terminal
// state, and reports whether the state changed (and from what).
func (b *stateBox) update(to State) (from State, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	from = b.state
	if from == to || from.terminal() {
		return from, false
	}
	b.state = to
	close(b.changed)
	b.changed = make(chan struct{})
	return from, true
}

func (b *stateBox) get() (State, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state, b.changed
}

// State returns the current state.
func (c *Client) State() State {
	s, _ := c.state.get()
	return s
}

// WaitForStateChange blocks until the state differs from from, and returns the
// new state, or ctx's error. It returns at once if the state already differs.
func (c *Client) WaitForStateChange(ctx context.Context, from State) (State, error) {
	for {
		s, ch := c.state.get()
		if s != from {
			return s, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return s, fmt.Errorf("client: failed to wait for a change from %s: %w", from, ctx.Err())
		}
	}
}

// WaitFor blocks until the state is want. It returns an error if ctx ends or
// the client reaches a terminal state other than want (wrapping ErrFailed and
// the terminal error, or ErrClosed).
func (c *Client) WaitFor(ctx context.Context, want State) error {
	for {
		s, ch := c.state.get()
		switch {
		case s == want:
			return nil
		case s == StateFailed:
			return fmt.Errorf("client: waiting for %s: %w: %w", want, ErrFailed, c.Err())
		case s == StateClosed:
			return fmt.Errorf("client: waiting for %s: %w", want, ErrClosed)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("client: failed to wait for %s (now %s): %w", want, s, ctx.Err())
		}
	}
}
