package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/websocket"
)

// Outbound is a message to send: Type is websocket.TextMessage or
// websocket.BinaryMessage.
type Outbound struct {
	Type int
	Data []byte
}

// Message is an inbound data frame.
type Message struct {
	Type int
	Data []byte
}

// OverflowPolicy says what Send does when the outbound queue is full.
type OverflowPolicy int

// Overflow policies. The zero value is OverflowBlock.
const (
	// OverflowBlock makes Send wait for room, honouring its context.
	OverflowBlock OverflowPolicy = iota
	// OverflowError makes Send return ErrQueueFull at once.
	OverflowError
	// OverflowDropOldest discards the oldest queued messages to make room,
	// handing each to QueueConfig.OnDrop (on the Send caller's goroutine).
	OverflowDropOldest
)

// QueueConfig bounds the outbound queue. Messages wait there while
// disconnected and pass through it while connected.
type QueueConfig struct {
	MaxMessages int            // bound on queued messages; 0 means 1024
	MaxBytes    int            // bound on queued payload bytes; 0 means 4 MiB
	Overflow    OverflowPolicy // default OverflowBlock
	OnDrop      func(Outbound) // called for each message OverflowDropOldest discards; may be nil
}

// Config configures a Client. The zero value is usable; every field documents
// its default. New copies it, so later changes by the caller have no effect.
type Config struct {
	// Header is sent with every handshake (e.g. Authorization, Origin). It
	// must not hold the headers the handshake sets itself (Upgrade,
	// Connection, Sec-WebSocket-Key, Sec-WebSocket-Version,
	// Sec-WebSocket-Extensions), nor Sec-WebSocket-Protocol when Subprotocols
	// (or Dialer.Subprotocols) are set: gorilla/websocket refuses such a
	// request, so every dial would fail. New and Dial return an error instead.
	// Without Subprotocols, Sec-WebSocket-Protocol here is sent as given.
	Header http.Header
	// Dialer, if set, is copied and used for the handshake; TLSConfig and
	// Subprotocols below fill its fields only where they are unset. nil means a
	// dialer with proxy from the environment, TLSConfig and Subprotocols.
	// Unless it sets WriteBufferPool or WriteBufferSize, connections take
	// their write buffer from a pool shared by all clients while writing a
	// message, instead of holding 4 KiB each.
	Dialer *websocket.Dialer
	// TLSConfig is used for wss:// URLs. nil means Go's defaults.
	TLSConfig *tls.Config
	// Subprotocols are offered in Sec-WebSocket-Protocol.
	Subprotocols []string
	// HandshakeTimeout bounds one dial: TCP, TLS and the HTTP upgrade. Default 5s.
	HandshakeTimeout time.Duration
	// ReadLimit is the largest inbound message accepted, in bytes; a larger one
	// ends the connection (the client sends close 1009, message too big; the
	// failure wraps websocket.ErrReadLimit) and it reconnects. Default 1 MiB.
	ReadLimit int64
	// WriteTimeout bounds one frame write; a write that takes longer ends the
	// connection. Default 10s.
	WriteTimeout time.Duration
	// Backoff computes the delay between attempts. Default: see Backoff.
	Backoff Backoff
	// MaxAttempts is how many consecutive attempts may fail (a failed dial, or
	// a connection lost before MinUptime) before the client gives up with a
	// *LimitError. 0 means unlimited.
	MaxAttempts int
	// MaxElapsed bounds the time since the connection was last healthy (or
	// since New): the client gives up with a *LimitError rather than wait out a
	// delay that would end past it. 0 means unlimited.
	MaxElapsed time.Duration
	// MinUptime is how long a connection must last to count as healthy: only
	// then are the attempt counter and the MaxElapsed clock reset. This keeps a
	// server that accepts and at once closes from driving a hot loop.
	// Default 5s.
	MinUptime time.Duration
	// PingInterval is the interval between pings on a live connection.
	// Default 10s; negative disables pings and the read deadline.
	PingInterval time.Duration
	// PongTimeout: a connection on which no frame at all (data, ping, pong or
	// close) arrives for this long is declared dead and replaced. Must exceed
	// PingInterval. Default 2*PingInterval (20s with the default interval).
	PongTimeout time.Duration
	// Queue bounds the outbound queue.
	Queue QueueConfig
	// Resubscribe, if set, is called after each successful handshake; the
	// messages it returns are written before the state becomes Connected and
	// before the queue flushes. Runs on the supervisor goroutine.
	Resubscribe func() []Outbound
	// Classify decides whether a failure is fatal; nil means DefaultClassify.
	// Runs on the supervisor goroutine.
	Classify func(Failure) Verdict
	// OnMessage receives every inbound data frame, in order, on the reader
	// goroutine. A slow handler slows reading (and with it pong processing:
	// keep it well under PongTimeout). data is owned by the handler.
	OnMessage func(Message)
	// OnEvent receives every Event, in order, on one goroutine at a time
	// (started while events are pending, gone when none are). A slow
	// handler delays later events only, never the connection; up to
	// EventQueue events wait meanwhile.
	OnEvent func(Event)
	// EventQueue bounds the events waiting for OnEvent. Past it, new events
	// are dropped, counted (Stats.EventsDropped) and replaced in the stream
	// by one EventOverflow saying how many; the final events (Failed or
	// Closed, and a session's EventSessionEnded) are always delivered.
	// Default 4096.
	EventQueue int
	// Logger receives state changes (Info), attempt failures (Warn) and dial
	// details (Debug). nil means no logging.
	Logger *slog.Logger
	// Rand is the source of the backoff jitter, so a caller can replay a
	// client's reconnect schedule: the same Backoff and a source seeded alike
	// (rand.NewPCG(seed, stream)) give the same Event.Delay sequence. Only the
	// client's supervisor goroutine draws from it, without locking, so every
	// client needs a source of its own; sharing one between clients (or
	// drawing from it elsewhere) is a data race. nil means a source seeded
	// from the runtime's: every client's schedule differs.
	Rand rand.Source

	// Unexported seams for tests.
	rnd  *rand.Rand                                                                                    // nil: Rand, else seeded from the runtime's source
	dial func(ctx context.Context, url string, h http.Header) (*websocket.Conn, *http.Response, error) // nil: the dialer
}

// Defaults applied by New to zero fields of Config.
const (
	DefaultHandshakeTimeout = 5 * time.Second
	DefaultReadLimit        = 1 << 20
	DefaultEventQueue       = 4096
	DefaultWriteTimeout     = 10 * time.Second
	DefaultMinUptime        = 5 * time.Second
	DefaultPingInterval     = 10 * time.Second
	DefaultQueueMessages    = 1024
	DefaultQueueBytes       = 4 << 20
)

// WorstCaseRecovery returns the longest time, with this configuration, from
// the server becoming reachable again to the client being connected (absent
// limits and an open hook): a dial that started just before and hangs for
// HandshakeTimeout, then the longest backoff delay, then a handshake of up to
// HandshakeTimeout. With the defaults: 5s + 12.5s + 5s = 22.5s. A Session's
// opening (resume or hello, re-attaches) comes on top: see
// SessionConfig.WorstCaseRecovery.
func (cfg Config) WorstCaseRecovery() time.Duration {
	c := cfg.withDefaults()
	return 2*c.HandshakeTimeout + c.Backoff.Max()
}

func (cfg Config) withDefaults() Config {
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.ReadLimit == 0 {
		cfg.ReadLimit = DefaultReadLimit
	}
	if cfg.EventQueue == 0 {
		cfg.EventQueue = DefaultEventQueue
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MinUptime == 0 {
		cfg.MinUptime = DefaultMinUptime
	}
	if cfg.PingInterval == 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.PongTimeout == 0 && cfg.PingInterval > 0 {
		cfg.PongTimeout = 2 * cfg.PingInterval
	}
	if cfg.Queue.MaxMessages == 0 {
		cfg.Queue.MaxMessages = DefaultQueueMessages
	}
	if cfg.Queue.MaxBytes == 0 {
		cfg.Queue.MaxBytes = DefaultQueueBytes
	}
	cfg.Backoff = cfg.Backoff.WithDefaults()
	if cfg.Classify == nil {
		cfg.Classify = DefaultClassify
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Header = cfg.Header.Clone()
	cfg.Subprotocols = append([]string(nil), cfg.Subprotocols...)
	return cfg
}

func (cfg Config) validate() error {
	switch {
	case cfg.HandshakeTimeout < 0:
		return fmt.Errorf("client: invalid HandshakeTimeout %s", cfg.HandshakeTimeout)
	case cfg.EventQueue < 0:
		return fmt.Errorf("client: invalid EventQueue %d", cfg.EventQueue)
	case cfg.ReadLimit < 0:
		return fmt.Errorf("client: invalid ReadLimit %d", cfg.ReadLimit)
	case cfg.WriteTimeout < 0:
		return fmt.Errorf("client: invalid WriteTimeout %s", cfg.WriteTimeout)
	case cfg.MaxAttempts < 0:
		return fmt.Errorf("client: invalid MaxAttempts %d", cfg.MaxAttempts)
	case cfg.MaxElapsed < 0:
		return fmt.Errorf("client: invalid MaxElapsed %s", cfg.MaxElapsed)
	case cfg.MinUptime < 0:
		return fmt.Errorf("client: invalid MinUptime %s", cfg.MinUptime)
	case cfg.PingInterval > 0 && cfg.PongTimeout <= cfg.PingInterval:
		return fmt.Errorf("client: invalid PongTimeout %s: must exceed PingInterval %s", cfg.PongTimeout, cfg.PingInterval)
	case cfg.Queue.MaxMessages < 0 || cfg.Queue.MaxBytes < 0:
		return fmt.Errorf("client: invalid Queue bounds %d messages, %d bytes", cfg.Queue.MaxMessages, cfg.Queue.MaxBytes)
	case cfg.Queue.Overflow < OverflowBlock || cfg.Queue.Overflow > OverflowDropOldest:
		return fmt.Errorf("client: invalid Queue.Overflow %d", int(cfg.Queue.Overflow))
	}
	if err := validateHeader(cfg.Header, buildDialer(cfg).Subprotocols); err != nil {
		return err
	}
	return cfg.Backoff.validate()
}

// reservedHeaders are the handshake headers gorilla/websocket (v1.5.3,
// Dialer.DialContext) sets itself and refuses in the request header with
// "duplicate header not allowed". Caught here, not on every dial: a dial
// failing that way would be retried forever.
var reservedHeaders = []string{"Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions"}

// validateHeader rejects what gorilla would refuse on every dial. Keys are
// compared in canonical form: a non-canonical "upgrade" would slip past
// gorilla's check only to send the header twice.
func validateHeader(h http.Header, subprotocols []string) error {
	for k := range h {
		ck := http.CanonicalHeaderKey(k)
		if slices.Contains(reservedHeaders, ck) || (ck == "Sec-Websocket-Protocol" && len(subprotocols) > 0) {
			return fmt.Errorf("client: invalid Header %q: set by the WebSocket handshake itself", k)
		}
	}
	return nil
}
