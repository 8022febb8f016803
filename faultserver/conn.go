package faultserver

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/internal/cork"
	"github.com/wschaos/wschaos/protocol"
)

// closeGrace is how long a connection closed by a fault waits for the peer's
// close frame before the TCP connection is closed.
const closeGrace = time.Second

// controlWait bounds writes of control frames (pong, close).
const controlWait = time.Second

type outFrame struct {
	typ  int
	data []byte
	// An ack is queued unencoded (isAck, ackSeq at version ackV) so that a
	// later ack can advance it in the queue; see sendQueue.pushAck.
	isAck  bool
	ackSeq uint64
	ackV   int
}

// conn is one upgraded WebSocket connection. Its handler goroutine is the
// only reader; writeLoop is the only writer of data frames (gorilla allows one
// of each, plus concurrent WriteControl).
type conn struct {
	id       uint64
	s        *Server
	ws       *websocket.Conn
	path     string
	remote   string
	out      *sendQueue
	done     chan struct{} // closed by kill: stop everything
	finished chan struct{} // closed once the handler has cleaned up
	killOnce sync.Once
	cause    atomic.Pointer[string] // first reason the connection is ending
	closing  atomic.Bool            // a close frame was sent by a fault

	stallMu    sync.Mutex
	stallCh    chan struct{} // non-nil while stalled; closed on unstall
	stallTimer *time.Timer
	closeTimer *time.Timer

	sess *session // guarded by s.mu
	// version is the protocol version of the client's hello/resume (1 until
	// then); replies are encoded in it. Guarded by s.mu.
	version int
	// starved is set when the pump stopped for lack of queue room.
	starved atomic.Bool
}

func newConn(s *Server, id uint64, ws *websocket.Conn, path string) *conn {
	c := &conn{
		id: id, s: s, ws: ws, path: path, remote: ws.RemoteAddr().String(),
		out:      newSendQueue(s.cfg.SendQueue),
		done:     make(chan struct{}),
		finished: make(chan struct{}),
		version:  1,
	}
	// Frames up to twice ReadLimit are read so that an oversized publish
	// can be answered with rejected instead of close 1009, which a client
	// would retry forever; beyond that gorilla closes with 1009.
	ws.SetReadLimit(2*s.cfg.ReadLimit + 4096)
	ws.SetPingHandler(c.onPing)
	ws.SetPongHandler(func(string) error { c.extendRead(); return nil })
	return c
}

// extendRead pushes the read deadline IdleTimeout ahead: called before each
// read and on every ping and pong, so only a silent peer times out.
// While stalled there is no deadline: a stall plays a dead peer, so the
// server must not end the connection itself (a client that never notices a
// half-open link has to be seen never noticing it).
func (c *conn) extendRead() {
	d := c.s.cfg.IdleTimeout
	switch {
	case d <= 0:
	case c.stalled():
		_ = c.ws.SetReadDeadline(time.Time{})
	default:
		_ = c.ws.SetReadDeadline(time.Now().Add(d))
	}
}

// onPing answers pings like gorilla's default handler, except while stalled.
func (c *conn) onPing(data string) error {
	c.extendRead()
	if c.stalled() {
		return nil
	}
	err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(controlWait))
	var ne net.Error
	if errors.Is(err, websocket.ErrCloseSent) || (errors.As(err, &ne) && ne.Timeout()) {
		return nil
	}
	return err
}

func (c *conn) setCause(why string) { c.cause.CompareAndSwap(nil, &why) }

func (c *conn) causeOr(def string) string {
	if p := c.cause.Load(); p != nil {
		return *p
	}
	return def
}

// kill ends the connection abruptly: no close frame, TCP closed. Idempotent,
// never blocks.
func (c *conn) kill(why string) {
	c.setCause(why)
	c.killOnce.Do(func() {
		close(c.done)
		_ = c.ws.NetConn().Close()
		c.stallMu.Lock()
		if c.stallTimer != nil {
			c.stallTimer.Stop()
		}
		if c.closeTimer != nil {
			c.closeTimer.Stop()
		}
		c.stallMu.Unlock()
	})
}

// closeWith sends a close frame and kills the connection after closeGrace
// unless the peer's close reply ends it first.
func (c *conn) closeWith(code int, reason string) error {
	c.setCause(fmt.Sprintf("closed by fault: %d %s", code, reason))
	c.closing.Store(true)
	err := c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason),
		time.Now().Add(controlWait))
	c.stallMu.Lock()
	defer c.stallMu.Unlock()
	select {
	case <-c.done: // already gone; kill stops timers under stallMu, so none may start now
	default:
		if c.closeTimer == nil {
			c.closeTimer = time.AfterFunc(closeGrace, func() { c.kill("close grace expired") })
		}
	}
	return err
}

// enqueue queues a frame for writeLoop without blocking. A full queue marks a
// slow consumer: the connection is dropped. Caller holds s.mu.
func (c *conn) enqueue(typ int, data []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	if c.out.push(outFrame{typ: typ, data: data}) {
		return true
	}
	c.slowConsumerLocked()
	return false
}

// slowConsumerLocked drops c, whose send queue is full. Caller holds s.mu.
func (c *conn) slowConsumerLocked() {
	c.s.emit(Event{Kind: EventSlowConsumer, Conn: c.id, Session: c.sessionIDLocked(),
		Detail: fmt.Sprintf("send queue full (%d frames)", c.out.limit)})
	c.kill("slow consumer")
}

func (c *conn) sessionIDLocked() string {
	if c.sess == nil {
		return ""
	}
	return c.sess.id
}

// writeLoop writes queued frames until the connection ends.
func (c *conn) writeLoop() {
	defer c.s.wg.Done()
	ping := time.NewTicker(c.s.cfg.Heartbeat)
	defer ping.Stop()
	cc, _ := c.ws.NetConn().(*cork.Conn) // nil: no coalescing, one syscall per frame
	for {
		select {
		case <-c.done:
			return
		case <-ping.C:
			if !c.stalled() && !c.closing.Load() { // server pings keep idle peers honest
				_ = c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(controlWait))
			}
			continue
		case <-c.out.wake:
		}
		if !c.writeQueued(cc) {
			return
		}
	}
}

// writeBatch is how many frames writeLoop coalesces into one write.
const writeBatch = 64

// writeQueued writes every queued frame, corked in batches of writeBatch
// frames per syscall; false when the connection ended.
func (c *conn) writeQueued(cc *cork.Conn) bool {
	n := 0
	flush := func() bool {
		if cc == nil || n == 0 {
			return true
		}
		n = 0
		if err := cc.Flush(time.Now().Add(c.s.cfg.WriteTimeout)); err != nil {
			c.kill("write failed: " + err.Error())
			return false
		}
		return true
	}
	for {
		f, ok := c.out.pop()
		if !ok {
			return flush()
		}
		if c.stalled() && !flush() { // nothing waits in the buffer through a stall
			return false
		}
		if !c.waitStall() {
			return false
		}
		if c.closing.Load() {
			continue // a close frame went out; nothing may follow it
		}
		data := f.data
		if f.isAck {
			var err error
			if data, err = protocol.EncodeVersion(f.ackV, protocol.Ack{Seq: f.ackSeq}); err != nil {
				c.s.log.Error("failed to encode", "type", protocol.TypeAck, "err", err)
				continue
			}
		}
		if cc != nil && n == 0 {
			cc.Cork()
		}
		_ = c.ws.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
		if err := c.ws.WriteMessage(f.typ, data); err != nil {
			if errors.Is(err, websocket.ErrCloseSent) {
				continue
			}
			c.kill("write failed: " + err.Error())
			return false
		}
		n++
		if n >= writeBatch && !flush() {
			return false
		}
		c.afterWrite()
		select {
		case <-c.done:
			return false
		default:
		}
	}
}

func (c *conn) stalled() bool {
	c.stallMu.Lock()
	defer c.stallMu.Unlock()
	return c.stallCh != nil
}

// waitStall blocks while the connection is stalled; false if it ended.
func (c *conn) waitStall() bool {
	c.stallMu.Lock()
	ch := c.stallCh
	c.stallMu.Unlock()
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	case <-c.done:
		return false
	}
}

// stall stops reading, writing and answering pings, for d (0: until
// unstalled). Stalling a stalled connection restarts its timer.
func (c *conn) stall(d time.Duration) {
	c.stallMu.Lock()
	defer c.stallMu.Unlock()
	if c.stallCh == nil {
		c.stallCh = make(chan struct{})
		if c.s.cfg.IdleTimeout > 0 { // the idle timeout sleeps with the stall (see extendRead)
			_ = c.ws.SetReadDeadline(time.Time{})
		}
	}
	if c.stallTimer != nil {
		c.stallTimer.Stop()
		c.stallTimer = nil
	}
	if d > 0 {
		c.stallTimer = time.AfterFunc(d, func() { c.unstall() })
	}
}

// unstall lifts a stall; false if the connection was not stalled.
func (c *conn) unstall() bool {
	c.stallMu.Lock()
	if c.stallCh == nil {
		c.stallMu.Unlock()
		return false
	}
	ch := c.stallCh
	c.stallCh = nil
	if c.stallTimer != nil {
		c.stallTimer.Stop()
		c.stallTimer = nil
	}
	c.stallMu.Unlock()
	c.extendRead()
	select {
	case <-c.done:
	default:
		c.s.emit(Event{Kind: EventUnstall, Conn: c.id}) // logged before anything moves again
	}
	close(ch)
	return true
}

// register adopts an upgraded connection, or closes it when the server is
// not running (a handshake that finished during a restart or Close).
func (s *Server) register(ws *websocket.Conn, path string) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateRunning {
		_ = ws.NetConn().Close()
		return nil
	}
	s.nextConn++
	c := newConn(s, s.nextConn, ws, path)
	s.conns[c] = struct{}{}
	s.count.connectionsTotal.Add(1)
	s.wg.Add(2) // the handler's cleanup and writeLoop
	go c.writeLoop()
	s.emit(Event{Kind: EventConnect, Conn: c.id, Detail: path + " from " + c.remote})
	return c
}

// finish unregisters c after its reader ended with err, detaching its
// session (which then ages toward its TTL).
func (s *Server) finish(c *conn, err error) {
	defer s.wg.Done()
	c.kill(errString(err))
	code := 0
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		code = ce.Code
	}
	s.mu.Lock()
	delete(s.conns, c)
	sid := ""
	if c.sess != nil {
		sid = c.sess.id
		if c.sess.conn == c {
			c.sess.conn = nil
			c.sess.detachedAt = time.Now()
		}
		c.sess = nil
	}
	s.emit(Event{Kind: EventDisconnect, Conn: c.id, Session: sid, CloseCode: code, Detail: c.causeOr(errString(err))})
	s.mu.Unlock()
	close(c.finished)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
