package client

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Client is a WebSocket connection that reconnects by itself. Create one with
// New or Dial; all methods are safe for concurrent use.
type Client struct {
	url    string
	cfg    Config
	hooks  connHooks
	dialer *websocket.Dialer
	rnd    *rand.Rand // supervisor goroutine only
	log    *slog.Logger
	q      *queue
	state  *stateBox
	events *dispatcher

	ctx       context.Context // ends when Close is called
	cancel    context.CancelFunc
	supDone   chan struct{}
	closeOnce sync.Once

	// evMu makes a state change and its event one step, so that whoever sees
	// the new state and then emits is ordered after the state's event.
	evMu sync.Mutex

	mu          sync.Mutex
	term        error
	undelivered []Outbound

	stats statsBox
}

// connHooks let the session layer (same package) drive each connection.
type connHooks struct {
	// opened runs on the supervisor goroutine after every successful
	// handshake, before Resubscribe, before the state becomes Connected and
	// before the queue flushes. w writes directly on the new connection; the
	// reader is already running. An error abandons the connection and counts
	// as a failed attempt (fatal if it wraps *FatalError).
	opened func(ctx context.Context, w frameWriter) error
	// received gets every inbound data frame, in order, on the reader
	// goroutine (replaces OnMessage).
	received func(msgType int, data []byte)
	// lost runs on the supervisor goroutine when a live (Connected)
	// connection ends, before backoff.
	lost func(err error)
	// terminated runs once, on the supervisor goroutine, on reaching Failed or
	// Closed: after State reports it and before the final event.
	terminated func(final State, err error)
}

// New validates cfg, starts the supervisor and returns at once; the client
// starts in StateConnecting. Use WaitFor or Dial to wait for the connection.
func New(url string, cfg Config) (*Client, error) {
	return newClient(url, cfg, connHooks{})
}

// Dial is New followed by waiting until the client is connected. If ctx ends
// or the client fails first, the client is closed and the error returned.
func Dial(ctx context.Context, url string, cfg Config) (*Client, error) {
	c, err := New(url, cfg)
	if err != nil {
		return nil, err
	}
	if err := c.WaitFor(ctx, StateConnected); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = c.Close(cctx)
		return nil, fmt.Errorf("client: failed to dial %s: %w", url, err)
	}
	return c, nil
}

func newClient(url string, cfg Config, hooks connHooks) (*Client, error) {
	if err := validateURL(url); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	rnd := cfg.rnd
	switch {
	case rnd != nil:
	case cfg.Rand != nil:
		rnd = rand.New(cfg.Rand)
	default:
		rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		url: url, cfg: cfg, hooks: hooks, dialer: buildDialer(cfg), rnd: rnd, log: cfg.Logger,
		q: newQueue(cfg.Queue), state: newStateBox(), events: newDispatcher(cfg.OnEvent, cfg.EventQueue),
		ctx: ctx, cancel: cancel, supDone: make(chan struct{}),
	}
	c.stats.created = time.Now()
	go c.run()
	return c, nil
}

// Send queues m for writing, in order, on the current or next connection. It
// returns once the message is accepted; from then on the client owns m.Data
// (do not modify it) until it is written or handed back by Undelivered. When
// the queue is full, the QueueConfig.Overflow policy applies. A message that
// Send refused (any error) was not accepted and stays the caller's.
//
// Delivery: a message whose write fails is put back at the head of the queue
// and written again on the next connection (at-least-once across that
// failure); a message whose write succeeded is gone from the client, and if
// the connection then drops before the server reads it, it is lost
// (at-most-once across a drop). The session layer closes that gap with acks.
func (c *Client) Send(ctx context.Context, m Outbound) error {
	return c.enqueue(ctx, m, nil)
}

// enqueue is Send with a callback: written runs once, on the writer
// goroutine, after the frame was successfully written to a socket.
func (c *Client) enqueue(ctx context.Context, m Outbound, written func()) error {
	if m.Type != websocket.TextMessage && m.Type != websocket.BinaryMessage {
		return fmt.Errorf("client: failed to send: invalid message type %d (want text %d or binary %d)",
			m.Type, websocket.TextMessage, websocket.BinaryMessage)
	}
	if err := c.q.push(ctx, qitem{msg: m, written: written}); err != nil {
		return fmt.Errorf("client: failed to send: %w", err)
	}
	return nil
}

// emit places an event on the ordered event stream. Events emitted after the
// final event are dropped.
func (c *Client) emit(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	c.evMu.Lock()
	defer c.evMu.Unlock()
	c.events.push(ev)
}

// Err returns the terminal error once the client has failed (a *LimitError
// or *FatalError), and nil otherwise (including after Close).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.term
}

// Undelivered returns, once the client has failed or closed, every message
// Send accepted and never wrote, in order. Before that it returns nil.
func (c *Client) Undelivered() []Outbound {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Outbound(nil), c.undelivered...)
}

// Close stops the client: it sends a normal close frame on a live
// connection, hands back the queue (Undelivered and the final event) and
// waits until every goroutine the client started has ended, including the
// OnEvent dispatcher once it has delivered the final event. It does not
// flush the queue first. If ctx ends first, Close returns its error and the
// goroutines finish in the background. Calling Close again is safe.
func (c *Client) Close(ctx context.Context) error {
	c.closeOnce.Do(c.cancel)
	for _, done := range []<-chan struct{}{c.supDone, c.events.done} {
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("client: failed to close: %w", ctx.Err())
		}
	}
	return nil
}
