// Package cork coalesces WebSocket frames into fewer write syscalls.
//
// gorilla/websocket writes every frame (and every control frame) with its own
// net.Conn.Write, so a writer that has 64 frames ready still makes 64
// syscalls. A [Conn] sits under the websocket.Conn: between [Conn.Cork] and
// [Conn.Flush] every Write is appended to a buffer, and Flush sends the
// buffer with one Write. Outside a cork, writes go straight through, so a
// lone frame (a pong, a close) is never delayed.
//
// Nothing on the wire changes: the peer reads the same bytes, in the same
// order, in fewer TCP segments. The cost is that a write error surfaces at
// Flush instead of at the frame's Write; callers treat a Flush error as the
// connection's end, as they treat a failed frame write.
package cork

import (
	"net"
	"sync"
	"time"
)

// maxBuffered is the buffer size at which a corked Write flushes on its own,
// so a long batch never holds more than this in memory.
const maxBuffered = 64 << 10

// Conn is a net.Conn whose writes can be corked. Safe for concurrent use, as
// net.Conn is: gorilla serialises its own writes, and Cork/Flush may run on
// another goroutine (a pong written while the writer is corked is sent with
// the writer's next Flush).
type Conn struct {
	net.Conn

	mu     sync.Mutex
	corked bool
	buf    []byte
	err    error // sticky: the first failed flush
	writes int   // underlying Write calls, for benchmarks
}

// New wraps c.
func New(c net.Conn) *Conn { return &Conn{Conn: c} }

// Write implements net.Conn.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if !c.corked {
		c.writes++
		return c.Conn.Write(p)
	}
	c.buf = append(c.buf, p...)
	if len(c.buf) >= maxBuffered {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Cork starts buffering writes until Flush.
func (c *Conn) Cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// Flush sends what was buffered since Cork with one Write, bounded by
// deadline (zero: the deadline in force), and stops buffering.
func (c *Conn) Flush(deadline time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if c.err != nil {
		return c.err
	}
	if len(c.buf) == 0 {
		return nil
	}
	if !deadline.IsZero() {
		if err := c.Conn.SetWriteDeadline(deadline); err != nil {
			c.err = err
			return err
		}
	}
	return c.flushLocked()
}

// SetWriteDeadline implements net.Conn. It waits for a Flush in progress, so
// a control frame written from another goroutine cannot shorten or extend
// the deadline of a flush already on the wire.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline implements net.Conn (see SetWriteDeadline).
func (c *Conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *Conn) flushLocked() error {
	if len(c.buf) == 0 {
		return nil
	}
	c.writes++
	_, err := c.Conn.Write(c.buf)
	if cap(c.buf) > maxBuffered*2 {
		c.buf = nil
	} else {
		c.buf = c.buf[:0]
	}
	if err != nil {
		c.err = err
	}
	return err
}

// Writes reports how many Write calls reached the underlying connection.
func (c *Conn) Writes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}
