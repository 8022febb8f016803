package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/internal/cork"
)

// frameWriter writes one frame directly on a live connection (through its
// writer goroutine), bypassing the queue. Used by the open hook and Resubscribe.
type frameWriter interface {
	writeFrame(ctx context.Context, msgType int, data []byte) error
	// writeFrames writes text frames in order, coalesced into as few
	// syscalls as the connection allows; nil only if all were written.
	writeFrames(ctx context.Context, frames [][]byte) error
	// connCtx ends when the connection does.
	connCtx() context.Context
	// abort ends the connection with cause; the supervisor then reconnects.
	abort(cause error)
}

// liveConn is one connection: exactly one reader and one writer goroutine
// (gorilla's concurrency contract), plus pings from the writer. Its ctx ends
// with the first failure as cause; the supervisor then tears it down.
type liveConn struct {
	c      *Client
	ws     *websocket.Conn
	ctx    context.Context
	cancel context.CancelCauseFunc
	direct chan directReq
	flush  chan struct{} // closed by the supervisor: start draining the queue
	wg     sync.WaitGroup
	// cork, when the dialer wrapped the socket, coalesces a batch of frames
	// into one write (nil: one syscall per frame, as gorilla does).
	cork *cork.Conn
	// donePool holds writeFrames' reply channels (chan error, 1-buffered),
	// so a steady stream of batches allocates none.
	donePool sync.Pool
}

type directReq struct {
	ctx     context.Context
	msgType int
	data    []byte
	frames  [][]byte   // text frames written as one batch, if non-nil
	done    chan error // 1-buffered
}

// openError wraps a failure of the open hook or of a Resubscribe write.
type openError struct{ err error }

func (e *openError) Error() string { return "client: failed to open the connection: " + e.err.Error() }
func (e *openError) Unwrap() error { return e.err }

func (c *Client) startConn(ws *websocket.Conn) *liveConn {
	ctx, cancel := context.WithCancelCause(c.ctx)
	lc := &liveConn{c: c, ws: ws, ctx: ctx, cancel: cancel,
		direct: make(chan directReq), flush: make(chan struct{})}
	lc.cork, _ = ws.NetConn().(*cork.Conn)
	ws.SetReadLimit(c.cfg.ReadLimit)
	if c.cfg.PingInterval > 0 {
		lc.extendRead()
		ws.SetPongHandler(func(string) error { lc.extendRead(); return nil })
		ws.SetPingHandler(func(data string) error {
			lc.extendRead()
			// As gorilla's default handler: answer, ignoring a closed connection.
			err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.cfg.WriteTimeout))
			if errors.Is(err, websocket.ErrCloseSent) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil
			}
			return err
		})
	}
	lc.wg.Add(2)
	go lc.readLoop()
	go lc.writeLoop()
	return lc
}

// extendRead pushes the read deadline: any inbound frame proves the peer alive.
func (lc *liveConn) extendRead() {
	_ = lc.ws.SetReadDeadline(time.Now().Add(lc.c.cfg.PongTimeout))
}

func (lc *liveConn) readLoop() {
	defer lc.wg.Done()
	deliver := lc.c.hooks.received
	if deliver == nil && lc.c.cfg.OnMessage != nil {
		on := lc.c.cfg.OnMessage
		deliver = func(t int, d []byte) { on(Message{Type: t, Data: d}) }
	}
	for {
		mt, data, err := lc.ws.ReadMessage()
		if err != nil {
			lc.cancel(lc.readError(err))
			return
		}
		if lc.c.cfg.PingInterval > 0 {
			lc.extendRead()
		}
		if deliver != nil {
			deliver(mt, data)
		}
	}
}

// readError turns a gorilla read error into one of ours.
func (lc *liveConn) readError(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Code == websocket.CloseAbnormalClosure {
			// gorilla's name for an unexpected EOF: an abrupt drop, not a close frame.
			return fmt.Errorf("client: connection dropped: %w", &CloseError{Code: ce.Code, Reason: ce.Text})
		}
		return &CloseError{Code: ce.Code, Reason: ce.Text}
	}
	if errors.Is(err, websocket.ErrReadLimit) {
		// gorilla has already sent close 1009 (message too big) to the server.
		return fmt.Errorf("client: inbound message larger than ReadLimit %d bytes: %w", lc.c.cfg.ReadLimit, err)
	}
	var ne net.Error
	if lc.c.cfg.PingInterval > 0 && errors.As(err, &ne) && ne.Timeout() {
		return &HeartbeatError{Timeout: lc.c.cfg.PongTimeout, Err: err}
	}
	return fmt.Errorf("client: failed to read: %w", err)
}

func (lc *liveConn) writeLoop() {
	defer lc.wg.Done()
	var tick <-chan time.Time
	if lc.c.cfg.PingInterval > 0 {
		t := time.NewTicker(lc.c.cfg.PingInterval)
		defer t.Stop()
		tick = t.C
	}
	flush := lc.flush
	var ready <-chan struct{}
	for {
		select {
		case <-lc.ctx.Done():
			return
		case r := <-lc.direct:
			if err := r.ctx.Err(); err != nil {
				r.done <- fmt.Errorf("client: failed to write: %w", err)
				continue
			}
			var err error
			if r.frames != nil {
				err = lc.writeBatch(r.frames)
			} else {
				err = lc.write(r.msgType, r.data)
			}
			r.done <- err
			if err != nil {
				lc.cancel(err)
				return
			}
		case <-tick:
			if err := lc.ping(); err != nil {
				lc.cancel(err)
				return
			}
		case <-flush:
			flush, ready = nil, lc.c.q.ready
			if !lc.drain(tick) {
				return
			}
		case <-ready:
			if !lc.drain(tick) {
				return
			}
		}
	}
}

// drain writes queued messages until the queue is empty. A message whose
// write fails goes back to the head of the queue for the next connection.
func (lc *liveConn) drain(tick <-chan time.Time) bool {
	for lc.ctx.Err() == nil {
		select { // keep pinging under sustained load
		case <-tick:
			if err := lc.ping(); err != nil {
				lc.cancel(err)
				return false
			}
		default:
		}
		it, ok := lc.c.q.pop()
		if !ok {
			return true
		}
		if err := lc.write(it.msg.Type, it.msg.Data); err != nil {
			lc.c.q.pushFront(it)
			lc.cancel(err)
			return false
		}
		lc.c.countWritten()
		if it.written != nil {
			it.written()
		}
	}
	return false
}

func (lc *liveConn) write(msgType int, data []byte) error {
	_ = lc.ws.SetWriteDeadline(time.Now().Add(lc.c.cfg.WriteTimeout))
	if err := lc.ws.WriteMessage(msgType, data); err != nil {
		return fmt.Errorf("client: failed to write: %w", err)
	}
	return nil
}

// writeBatch writes frames as text messages, corked into one syscall when
// the socket allows. A frame counts as written only once the flush succeeded.
func (lc *liveConn) writeBatch(frames [][]byte) error {
	if lc.cork == nil || len(frames) == 1 {
		for _, f := range frames {
			if err := lc.write(websocket.TextMessage, f); err != nil {
				return err
			}
		}
		return nil
	}
	lc.cork.Cork()
	for _, f := range frames {
		if err := lc.write(websocket.TextMessage, f); err != nil {
			_ = lc.cork.Flush(time.Now().Add(lc.c.cfg.WriteTimeout))
			return err
		}
	}
	if err := lc.cork.Flush(time.Now().Add(lc.c.cfg.WriteTimeout)); err != nil {
		return fmt.Errorf("client: failed to write: %w", err)
	}
	return nil
}

func (lc *liveConn) ping() error {
	if err := lc.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(lc.c.cfg.WriteTimeout)); err != nil {
		return fmt.Errorf("client: failed to ping: %w", err)
	}
	return nil
}

// writeFrame implements frameWriter.
func (lc *liveConn) writeFrame(ctx context.Context, msgType int, data []byte) error {
	if msgType != websocket.TextMessage && msgType != websocket.BinaryMessage {
		return fmt.Errorf("client: invalid message type %d", msgType)
	}
	r := directReq{ctx: ctx, msgType: msgType, data: data, done: make(chan error, 1)}
	select {
	case lc.direct <- r:
	case <-ctx.Done():
		return fmt.Errorf("client: failed to write: %w", ctx.Err())
	case <-lc.ctx.Done():
		return fmt.Errorf("client: failed to write: connection lost: %w", context.Cause(lc.ctx))
	}
	return <-r.done // the writer always answers a request it took
}

// writeFrames implements frameWriter.
func (lc *liveConn) writeFrames(ctx context.Context, frames [][]byte) error {
	if len(frames) == 0 {
		return nil
	}
	done, _ := lc.donePool.Get().(chan error)
	if done == nil {
		done = make(chan error, 1)
	}
	r := directReq{ctx: ctx, msgType: websocket.TextMessage, frames: frames, done: done}
	select {
	case lc.direct <- r:
	case <-ctx.Done():
		lc.donePool.Put(done)
		return fmt.Errorf("client: failed to write: %w", ctx.Err())
	case <-lc.ctx.Done():
		lc.donePool.Put(done)
		return fmt.Errorf("client: failed to write: connection lost: %w", context.Cause(lc.ctx))
	}
	err := <-done // the writer always answers a request it took
	lc.donePool.Put(done)
	return err
}

func (lc *liveConn) connCtx() context.Context { return lc.ctx }

func (lc *liveConn) abort(cause error) { lc.cancel(cause) }

// teardown ends the connection with cause (if it has not ended already) and
// waits for its goroutines. graceful sends a normal close frame first.
func (lc *liveConn) teardown(cause error, graceful bool) {
	if graceful {
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "client closing")
		_ = lc.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	}
	lc.cancel(cause)
	_ = lc.ws.Close()
	lc.wg.Wait()
}
