package client

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// run is the supervisor: the only goroutine that changes the state. It dials,
// runs each live connection until it ends, classifies the failure, applies
// the limits and waits out the backoff.
//
// Counting: attempt is the number of the dial in the current streak. A dial
// that fails, or a connection lost before MinUptime, is a failed attempt; a
// connection that lasted MinUptime resets attempt (and the MaxElapsed clock)
// to zero before its loss is handled. The delay after a failure is
// Backoff.Delay(max(attempt, 1)).
func (c *Client) run() {
	defer close(c.supDone)
	var (
		attempt     int
		prev        time.Duration
		streakStart = time.Now()
	)
	for {
		attempt++
		c.setState(StateConnecting, Event{Attempt: attempt, Reason: "dialing"})
		c.countAttempt()
		lc, err := c.connect()
		if lc != nil {
			connectedAt := time.Now()
			c.setState(StateConnected, Event{Attempt: attempt, Reason: "connected", Subprotocol: lc.ws.Subprotocol()})
			close(lc.flush)
			<-lc.ctx.Done()
			if c.ctx.Err() != nil {
				c.finish(lc, StateClosed, nil, Event{Reason: "closed by the caller"})
				return
			}
			err = context.Cause(lc.ctx)
			lc.teardown(err, false)
			if up := time.Since(connectedAt); up >= c.cfg.MinUptime {
				attempt, prev, streakStart = 0, 0, time.Now()
			}
			c.log.Warn("websocket connection lost", "url", c.url, "err", err)
			if c.hooks.lost != nil {
				c.hooks.lost(err)
			}
		} else if c.ctx.Err() != nil {
			c.finish(nil, StateClosed, nil, Event{Reason: "closed by the caller"})
			return
		} else {
			c.log.Warn("websocket attempt failed", "url", c.url, "attempt", attempt, "err", err)
		}
		c.setLastError(err)

		f := failureOf(err)
		ev := Event{Attempt: attempt, Err: err, CloseCode: f.CloseCode, HTTPStatus: f.HTTPStatus}
		if fe, ok := asFatal(err); ok || c.cfg.Classify(f) == Fatal {
			if !ok {
				fe = &FatalError{HTTPStatus: f.HTTPStatus, CloseCode: f.CloseCode, Err: err}
				err = fe
			}
			ev.Err, ev.Reason = err, "fatal "+f.Stage.String()+" failure"
			c.finish(nil, StateFailed, err, ev)
			return
		}
		if c.cfg.MaxAttempts > 0 && attempt >= c.cfg.MaxAttempts {
			le := &LimitError{Kind: LimitMaxAttempts, Limit: LimitMaxAttempts.String(), Attempts: attempt, Elapsed: time.Since(streakStart), Last: err}
			ev.Err, ev.Reason = le, "max attempts reached"
			c.finish(nil, StateFailed, le, ev)
			return
		}
		delay := c.cfg.Backoff.Delay(max(attempt, 1), prev, c.rnd)
		var he *HandshakeError
		if errors.As(err, &he) && he.RetryAfter > 0 {
			// Honour the server's Retry-After, but never beyond the cap.
			delay = max(delay, min(he.RetryAfter, c.cfg.Backoff.Cap))
			ev.RetryAfter = he.RetryAfter
		}
		prev = delay
		if elapsed := time.Since(streakStart); c.cfg.MaxElapsed > 0 && elapsed+delay > c.cfg.MaxElapsed {
			le := &LimitError{Kind: LimitMaxElapsed, Limit: LimitMaxElapsed.String(), Attempts: attempt, Elapsed: elapsed, Last: err}
			ev.Err, ev.Reason = le, "max elapsed reached"
			c.finish(nil, StateFailed, le, ev)
			return
		}
		ev.Delay, ev.Reason = delay, f.Stage.String()+" failure"
		c.setState(StateReconnecting, ev)
		if !waitDelay(c.ctx, delay) {
			c.finish(nil, StateClosed, nil, Event{Reason: "closed by the caller"})
			return
		}
	}
}

// connect dials once and brings the connection up to the point where the
// queue may flush: reader and writer running, open hook done, Resubscribe
// written. On error the connection is already torn down.
func (c *Client) connect() (*liveConn, error) {
	ws, err := c.dialOnce(c.ctx)
	if err != nil {
		return nil, err
	}
	lc := c.startConn(ws)
	fail := func(err error) (*liveConn, error) {
		if lc.ctx.Err() != nil {
			err = context.Cause(lc.ctx) // the connection's own end says more
		} else {
			err = &openError{err: err}
		}
		// Close during the open hook or Resubscribe: still say goodbye with a
		// close frame, as on a connected client.
		lc.teardown(err, c.ctx.Err() != nil)
		return nil, err
	}
	if c.hooks.opened != nil {
		if err := c.hooks.opened(lc.ctx, lc); err != nil {
			return fail(err)
		}
	}
	if c.cfg.Resubscribe != nil {
		for i, m := range c.cfg.Resubscribe() {
			if err := lc.writeFrame(lc.ctx, m.Type, m.Data); err != nil {
				return fail(fmt.Errorf("resubscribe message %d: %w", i, err))
			}
		}
	}
	return lc, nil
}

// setState changes the state (dropping repeats and anything after a terminal
// state) and emits the event. Supervisor goroutine only.
func (c *Client) setState(to State, ev Event) bool {
	c.evMu.Lock()
	from, ok := c.state.update(to)
	if !ok {
		c.evMu.Unlock()
		return false
	}
	now := time.Now()
	c.noteState(from, to, now)
	ev.Kind, ev.From, ev.To, ev.Time = EventStateChanged, from, to, now
	c.events.push(ev)
	c.evMu.Unlock()
	c.log.Info("websocket state", "url", c.url, "from", from, "to", to, "attempt", ev.Attempt,
		"delay", ev.Delay, "reason", ev.Reason, "err", ev.Err)
	return true
}

// finish moves to a terminal state: the connection ends, the queue is handed
// back, terminated runs, the final event is emitted and the event stream ends.
func (c *Client) finish(lc *liveConn, final State, err error, ev Event) {
	if lc != nil {
		lc.teardown(ErrClosed, final == StateClosed)
	}
	qerr := error(ErrClosed)
	if final == StateFailed {
		qerr = fmt.Errorf("%w: %w", ErrFailed, err)
	}
	undelivered := c.q.close(qerr)
	c.mu.Lock()
	c.term, c.undelivered = err, undelivered
	c.mu.Unlock()
	from, _ := c.state.update(final)
	now := time.Now()
	c.noteState(from, final, now)
	if c.hooks.terminated != nil {
		c.hooks.terminated(final, err)
	}
	ev.Kind, ev.From, ev.To, ev.Time, ev.Undelivered = EventStateChanged, from, final, now, undelivered
	if ev.Err == nil {
		ev.Err = err
	}
	c.log.Info("websocket state", "url", c.url, "from", from, "to", final, "reason", ev.Reason,
		"undelivered", len(undelivered), "err", err)
	c.events.push(ev)
	c.events.close()
}
