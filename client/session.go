package client

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wschaos/wschaos/protocol"
)

// Session event kinds, on the same ordered stream as EventStateChanged
// (Config.OnEvent). Channel and Serial are set where the kind says so.
const (
	// EventSessionStarted: the server opened a new session (welcome). Reason holds the session id.
	EventSessionStarted EventKind = 100 + iota
	// EventResumed: the session survived a reconnect. Serial is the server's cumulative ack.
	EventResumed
	// EventResynced: resume failed (Reason says why) and a new session
	// replaced the old one; Serial is how many unacked publications were
	// renumbered and will be republished.
	EventResynced
	// EventAttached: Channel is attached on this connection; Serial is its head.
	EventAttached
	// EventContinuityLost: messages of Channel were lost and will never be
	// delivered; Err is a *ContinuityLostError with the range; Serial is its first serial.
	EventContinuityLost
	// EventDetached: Channel was detached by the application.
	EventDetached
	// EventProtocolError: the server sent a frame the session could not use
	// (undecodable, binary, an unknown type or version, an attached no attach
	// asked for, an ack for a sequence never sent or going backwards) or an
	// error frame (Err is a *ServerError); Err says what. The frame is ignored.
	EventProtocolError
	// EventSessionEnded: the session failed or closed; Serial is how many
	// publications were handed back as failed (see Session.Unacked).
	EventSessionEnded
)

func init() {
	for k, n := range map[EventKind]string{
		EventSessionStarted: "session-started", EventResumed: "resumed", EventResynced: "resynced",
		EventAttached: "attached", EventContinuityLost: "continuity-lost", EventDetached: "detached",
		EventProtocolError: "protocol-error", EventSessionEnded: "session-ended",
	} {
		eventKindNames[k] = n
	}
}

// Session errors; compare with errors.Is.
var (
	// ErrWindowFull is returned by Publish when the unacked window is full and
	// SessionConfig.WindowOverflow is WindowError.
	ErrWindowFull = errors.New("client: unacked publish window full")
	// ErrDetached ends a Subscription after Detach.
	ErrDetached = errors.New("client: channel detached")
	// ErrAlreadyAttached is returned by Attach for a channel already attached.
	ErrAlreadyAttached = errors.New("client: channel already attached")
	// ErrPayloadTooLarge is returned by Publish for a payload that can never
	// be delivered: larger than SessionConfig.WindowBytes, or (once the server
	// announced its limits) a publish frame over the server's read limit or a
	// message frame over the client's own ReadLimit. It never enters the window.
	ErrPayloadTooLarge = errors.New("client: payload too large")
)

// ContinuityLostError describes messages of Channel that were lost: serials
// From..To (inclusive) will never be delivered. Oldest is the server's
// oldest replayable serial when it said so (0 if unknown).
type ContinuityLostError struct {
	Channel  string
	From, To uint64
	Oldest   uint64
	Reason   string
}

func (e *ContinuityLostError) Error() string {
	return fmt.Sprintf("client: continuity lost on %q: serials %d..%d will not be delivered (oldest available %d): %s",
		e.Channel, e.From, e.To, e.Oldest, e.Reason)
}

// WindowOverflow says what Publish does when the unacked window is full.
type WindowOverflow int

const (
	// WindowBlock (default): Publish waits for room, honouring its ctx.
	WindowBlock WindowOverflow = iota
	// WindowError: Publish fails at once with ErrWindowFull.
	WindowError
)

// SessionConfig configures a Session. The zero value is usable.
type SessionConfig struct {
	// Client configures the transport. OnMessage and Resubscribe must be nil:
	// the session owns every frame. OnEvent receives transport and session events.
	Client Config
	// ClientID is an optional label sent in hello (for server logs).
	ClientID string
	// Window bounds the unacked publications. Default 1024.
	Window int
	// WindowBytes bounds the payload bytes of the unacked publications.
	// Default 64 MiB. A payload larger than WindowBytes is refused with
	// ErrPayloadTooLarge.
	WindowBytes int
	// WindowOverflow: WindowBlock (default) or WindowError.
	WindowOverflow WindowOverflow
	// SubscriptionBuffer and SubscriptionBytes bound each subscription's
	// buffer (messages, payload bytes) against a server that ignores credit;
	// see Subscription and EventSubscriptionOverflow. Defaults
	// DefaultSubscriptionBuffer (4096) and DefaultSubscriptionBytes (64 MiB).
	SubscriptionBuffer, SubscriptionBytes int
	// noPSeq is a test seam: publish without producer sequence, as a v1
	// client does (the negative control of the dedupe test).
	noPSeq bool
	// ReplyTimeout bounds each wait for the server's answer while a connection
	// opens (welcome, resumed, attached): past it the connection is abandoned
	// and the transport reconnects. Default 10s.
	ReplyTimeout time.Duration
}

// DefaultWindow is the default bound on unacked publications.
const DefaultWindow = 1024

// DefaultWindowBytes is the default SessionConfig.WindowBytes.
const DefaultWindowBytes = 64 << 20

// DefaultReplyTimeout is the default SessionConfig.ReplyTimeout.
const DefaultReplyTimeout = 10 * time.Second

// WorstCaseRecovery is Config.WorstCaseRecovery with the session opening
// included: from the server becoming reachable again to the session being
// open (resumed or resynced, every subscription re-attached). Each attempt may
// take HandshakeTimeout plus up to three ReplyTimeouts (resume, hello after
// resume_failed, the attach round) before it fails, so the bound is two such
// attempts and the longest backoff delay between them:
// 2*(HandshakeTimeout + 3*ReplyTimeout) + the largest backoff delay. With the
// defaults: 2*(5s + 30s) + 12.5s = 82.5s. An Attach called while a connection
// opens adds one more attach round (ReplyTimeout) to that opening. Gaps seen
// during opening never extend it: they are repaired after it. A server that
// loses the session again during an opening (error no_session to the attach
// round) restarts it at once with a new session, at most twice more, each
// restart adding at most two ReplyTimeouts (hello, attach round).
func (cfg SessionConfig) WorstCaseRecovery() time.Duration {
	c := cfg.Client.withDefaults()
	reply := cfg.ReplyTimeout
	if reply == 0 {
		reply = DefaultReplyTimeout
	}
	return 2*(c.HandshakeTimeout+3*reply) + c.Backoff.Max()
}

// Session is a protocol session on a reconnecting Client: publications are
// numbered, kept until the server acks them and resent after a reconnect;
// channel messages are delivered exactly once and in order (or a
// ContinuityLost event says what was lost). All methods are safe for
// concurrent use.
type Session struct {
	c       *Client
	cfg     SessionConfig
	log     *slog.Logger
	ctrl    chan protocol.Message // handshake answers, from the reader to opened
	kick    chan struct{}         // 1-buffered: the pump has work
	pumpEnd chan struct{}
	ready   chan struct{} // closed once c is set: the hooks may run before newClient returns

	openMu sync.Mutex // serialises opened and reopen: one handshake at a time
	// wmu orders the pump's writes against a new generation: the pump holds
	// it from its generation check to the end of the write, and open bumps
	// gen under it, so no frame of an older generation follows a hello or
	// resume on the same connection (a resync after no_session keeps it).
	wmu sync.Mutex
	bg  sync.WaitGroup // reopen goroutines, waited for by Close

	// wire is the protocol version frames are written in: protocol.Version
	// until a server refuses it (then the version it speaks; see
	// session_version.go).
	wire atomic.Int32

	mu       sync.Mutex
	producer string          // v2 producer id, stable for the session's life
	limits   protocol.Limits // as announced by the last welcome/resumed (zero: unknown, v1)
	lostWhy  string          // the server lost the session (no_session): the next open starts a new one
	openLost chan struct{}   // while an opening waits for attached: closed by a no_session (session_lost.go)
	id       string          // server session id, "" before the first welcome
	token    string
	win      *window
	space    chan struct{} // closed and replaced when the window shrinks
	nextID   uint64
	conn     frameWriter // current connection once opened, nil otherwise
	gen      uint64      // connection generation, +1 per opened
	fresh    bool        // the current server session started on this connection (welcome)
	subs     map[string]*Subscription
	detaches []string // detached while disconnected: tell the server on the next connection
	ackDue   map[*Subscription]struct{}
	repairs  map[*Subscription]struct{} // gaps to repair with a re-attach from last
	failed   []*Publication             // handed back on Failed/Closed
	endErr   error                      // set once terminated
	ended    chan struct{}              // closed once terminated
	stats    SessionStats
}

// DialSession starts a session on url and waits until it is established
// (the first welcome). If ctx ends or the transport fails first, the session
// is closed and the error returned.
func DialSession(ctx context.Context, url string, cfg SessionConfig) (*Session, error) {
	s, err := NewSession(url, cfg)
	if err != nil {
		return nil, err
	}
	if err := s.c.WaitFor(ctx, StateConnected); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = s.Close(cctx)
		return nil, fmt.Errorf("client: failed to dial session %s: %w", url, err)
	}
	return s, nil
}

// NewSession validates cfg and starts connecting in the background; use
// Client().WaitFor or DialSession to wait for the connection. Publish and
// Attach may be called at once: they take effect when the session is up.
func NewSession(url string, cfg SessionConfig) (*Session, error) {
	if cfg.Client.OnMessage != nil || cfg.Client.Resubscribe != nil {
		return nil, errors.New("client: SessionConfig.Client.OnMessage and Resubscribe must be nil: the session owns every frame")
	}
	if cfg.Window < 0 || cfg.WindowBytes < 0 || cfg.ReplyTimeout < 0 || cfg.SubscriptionBuffer < 0 || cfg.SubscriptionBytes < 0 {
		return nil, errors.New("client: SessionConfig.Window, WindowBytes, ReplyTimeout, SubscriptionBuffer and SubscriptionBytes must not be negative")
	}
	cfg.SubscriptionBuffer = cmp.Or(cfg.SubscriptionBuffer, DefaultSubscriptionBuffer)
	cfg.SubscriptionBytes = cmp.Or(cfg.SubscriptionBytes, DefaultSubscriptionBytes)
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.WindowBytes == 0 {
		cfg.WindowBytes = DefaultWindowBytes
	}
	if cfg.ReplyTimeout == 0 {
		cfg.ReplyTimeout = DefaultReplyTimeout
	}
	if cfg.ClientID != "" {
		if err := protocol.Validate(protocol.Hello{ClientID: cfg.ClientID}); err != nil {
			return nil, fmt.Errorf("client: invalid ClientID: %w", err)
		}
	}
	s := &Session{
		cfg: cfg, log: cfg.Client.Logger, ctrl: make(chan protocol.Message, 4),
		kick: make(chan struct{}, 1), pumpEnd: make(chan struct{}), ready: make(chan struct{}),
		win: &window{limit: cfg.Window, maxBytes: cfg.WindowBytes}, space: make(chan struct{}),
		subs: map[string]*Subscription{}, ackDue: map[*Subscription]struct{}{},
		repairs: map[*Subscription]struct{}{}, ended: make(chan struct{}),
		producer: newProducer(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	c, err := newClient(url, cfg.Client, connHooks{
		opened: s.opened, received: s.received, lost: s.lost, terminated: s.terminated,
	})
	if err != nil {
		return nil, err
	}
	s.wire.Store(protocol.Version)
	s.c = c
	close(s.ready)
	go s.pump()
	return s, nil
}

// Limits returns the limits the server announced when the session last
// opened (welcome or resumed; protocol v2). The zero value means unknown (a
// v1 server, or not opened yet).
func (s *Session) Limits() protocol.Limits {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limits
}

// Client is the underlying transport, for State, WaitFor and Stats.
func (s *Session) Client() *Client { return s.c }

// SessionID is the server's session id: "" until the first welcome, then
// stable across resumes; it changes only when a resync starts a new session.
func (s *Session) SessionID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Publish queues data for channel and returns its handle at once (status
// PublishQueued); Publication.Wait waits for the server's ack. data is copied.
// When the unacked window is full, Publish waits for room (honouring ctx) or
// fails with ErrWindowFull, per SessionConfig.WindowOverflow. Once the session
// has failed or closed, Publish returns an error wrapping ErrFailed or ErrClosed.
func (s *Session) Publish(ctx context.Context, channel string, data []byte) (*Publication, error) {
	if err := protocol.Validate(protocol.Publish{Seq: 1, Channel: channel}); err != nil {
		return nil, fmt.Errorf("client: failed to publish: %w", err)
	}
	if len(data) > s.cfg.WindowBytes {
		return nil, fmt.Errorf("client: failed to publish %d bytes to %q (WindowBytes %d): %w",
			len(data), channel, s.cfg.WindowBytes, ErrPayloadTooLarge)
	}
	s.mu.Lock()
	if err := s.sizeCheckLocked(channel, len(data)); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	for s.endErr == nil && !s.win.fits(len(data)) {
		if s.cfg.WindowOverflow == WindowError {
			s.mu.Unlock()
			return nil, fmt.Errorf("client: failed to publish to %q (%d unacked): %w", channel, s.cfg.Window, ErrWindowFull)
		}
		space := s.space
		s.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return nil, fmt.Errorf("client: failed to publish to %q: window full: %w", channel, ctx.Err())
		}
		s.mu.Lock()
	}
	if s.endErr != nil {
		err := s.endErr
		s.mu.Unlock()
		return nil, fmt.Errorf("client: failed to publish to %q: %w", channel, err)
	}
	s.nextID++
	p := newPublication(s.nextID, channel, bytes.Clone(data))
	s.win.push(p)
	s.stats.Published++
	s.mu.Unlock()
	s.poke()
	return p, nil
}

// PublishAndWait publishes and waits for the server's ack.
func (s *Session) PublishAndWait(ctx context.Context, channel string, data []byte) (*Publication, error) {
	p, err := s.Publish(ctx, channel, data)
	if err != nil {
		return nil, err
	}
	return p, p.Wait(ctx)
}

// Unacked returns, once the session has failed or closed, every publication
// that was never acked (all with status PublishFailed), in publish order.
// Before that it returns nil.
func (s *Session) Unacked() []*Publication {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Publication(nil), s.failed...)
}

// Done is closed once the session has failed or closed; Err then says why.
func (s *Session) Done() <-chan struct{} { return s.ended }

// Err is the terminal error: nil while running, wrapping ErrClosed after
// Close, or ErrFailed (and the transport's *LimitError or *FatalError).
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endErr
}

// Close ends the session and the transport. Unacked publications fail with
// ErrClosed (see Unacked); subscriptions end after their buffered messages.
// It waits for every goroutine the session started, or for ctx.
func (s *Session) Close(ctx context.Context) error {
	if err := s.c.Close(ctx); err != nil {
		return err
	}
	bgDone := make(chan struct{})
	go func() { s.bg.Wait(); close(bgDone) }()
	select {
	case <-s.pumpEnd:
		select {
		case <-bgDone:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("client: failed to close session: %w", ctx.Err())
		}
	case <-ctx.Done():
		return fmt.Errorf("client: failed to close session: %w", ctx.Err())
	}
}

func (s *Session) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}
