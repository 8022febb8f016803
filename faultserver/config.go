package faultserver

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/wschaos/wschaos/protocol"
)

// Endpoint paths served on the main listener.
const (
	// SessionPath is the session-protocol WebSocket endpoint.
	SessionPath = "/ws"
	// EchoPath is the plain echo WebSocket endpoint for generic-mode clients.
	EchoPath = "/echo"
	// HealthPath answers 200 while the listener is up.
	HealthPath = "/healthz"
)

// Config configures a [Server]. The zero value is usable: every field
// documents its default. [New] copies it, so the caller's value never changes.
type Config struct {
	// Addr is the main listener address. Default "127.0.0.1:0" (an OS-chosen
	// loopback port).
	Addr string
	// AdminAddr is the admin API listener address. Default "127.0.0.1:0".
	// A non-loopback address requires AdminToken.
	AdminAddr string
	// DisableAdmin turns the admin listener off (Go API only).
	DisableAdmin bool
	// AdminToken, when set, must be sent as "Authorization: Bearer <token>"
	// on every admin request except GET /healthz.
	AdminToken string
	// HistorySize is how many messages each channel keeps for replay.
	// Default 1024.
	HistorySize int
	// SessionTTL is how long a session outlives its connection. Default 30s.
	SessionTTL time.Duration
	// ReadLimit is the largest frame accepted, in bytes. Default
	// protocol.MaxFrameBytes (1 MiB).
	ReadLimit int64
	// Heartbeat is the ping interval suggested to clients in welcome.
	// Default 10s.
	Heartbeat time.Duration
	// SendQueue is how many frames may wait for a slow connection before it
	// is dropped as a slow consumer. Default 4096.
	SendQueue int
	// DeliverWindow is the credit of a v2 session on each channel: the most
	// messages sent beyond its last deliver_ack there (announced in
	// welcome/resumed as limits.deliver_window). v1 sessions get no credit
	// limit; replay to them is bounded by the send queue alone. Default 256.
	DeliverWindow int
	// SessionWindow bounds the pending replay of one session: the messages
	// sent to it and not yet deliver_ack'd, summed over all its channels
	// (v2+ sessions; announced to v3 ones as limits.session_window). The
	// pump stops there until deliver_acks come back, so a session that
	// attached many channels with a backlog each never has more than this
	// in flight (DeliverWindow bounds each channel). Default 16384
	// (64 channels at the default DeliverWindow); negative: no bound.
	SessionWindow int
	// MaxVersion is the newest protocol version the server speaks. A frame
	// with a higher v is answered error{unsupported}, so 1 plays a strict v1
	// server (clients fall back to v1). Default protocol.Version.
	MaxVersion int
	// DedupeTTL is the v2 dedupe horizon: how long the highest PSeq of a
	// producer is remembered after its last publish (announced as
	// limits.dedupe_ttl_ms). A producer that republishes after a resync
	// within it is not fanned out twice. Default 10m.
	DedupeTTL time.Duration
	// MaxProducers bounds the producers remembered; past it the least
	// recently active is forgotten (Stats.ProducersEvicted). Default 100000.
	MaxProducers int
	// IdleTimeout ends a connection on which nothing (frame, ping or pong)
	// arrived for that long; the server pings every Heartbeat, so a live
	// peer always answers in time. Default 3*Heartbeat; negative disables.
	IdleTimeout time.Duration
	// HandshakeTimeout bounds reading a handshake's request headers, so a
	// peer that dribbles them (slowloris) is cut off. Default 10s.
	HandshakeTimeout time.Duration
	// MaxChannels caps the channels one session may attach (announced as
	// limits.max_channels); an attach past it gets error too_large. Default
	// 1024; negative: no cap.
	MaxChannels int
	// MaxConns caps the open WebSocket connections; a handshake past it is
	// answered 503 with Retry-After: 1. Default 10000; negative: no cap.
	MaxConns int
	// WriteTimeout bounds each frame write. Default 10s.
	WriteTimeout time.Duration
	// ObserveFrames is how many received frames the observation log keeps
	// for Server.Frames (the newest; each record holds at most 512 payload
	// bytes). Default 10000; negative: frames are not recorded. (It grew
	// without bound: a publish flood kept every frame's record.)
	ObserveFrames int
	// EventLogSize is how many events the log keeps (oldest dropped first,
	// counted in Stats.EventsDropped). Default 10000.
	EventLogSize int
	// Seed seeds the random choice of DropConnections/CloseConnections/Stall
	// with a Fraction selector. 0 picks a random seed.
	Seed uint64
	// Logger receives structured logs. Default: discard.
	Logger *slog.Logger
}

// ConfigError reports an invalid [Config] field.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("faultserver: invalid config %s: %s", e.Field, e.Reason)
}

// ErrAdminTokenRequired is wrapped by the error [New] returns when the admin
// listener is bound off loopback without a token.
var ErrAdminTokenRequired = errors.New("admin token required when the admin listener is not on loopback")

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.AdminAddr == "" {
		c.AdminAddr = "127.0.0.1:0"
	}
	if c.HistorySize == 0 {
		c.HistorySize = 1024
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = 30 * time.Second
	}
	if c.ReadLimit == 0 {
		c.ReadLimit = protocol.MaxFrameBytes
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = 10 * time.Second
	}
	if c.SendQueue == 0 {
		c.SendQueue = 4096
	}
	if c.DeliverWindow == 0 {
		c.DeliverWindow = 256
	}
	if c.SessionWindow == 0 {
		c.SessionWindow = 16384
	}
	if c.MaxVersion == 0 {
		c.MaxVersion = protocol.Version
	}
	if c.DedupeTTL == 0 {
		c.DedupeTTL = 10 * time.Minute
	}
	if c.MaxProducers == 0 {
		c.MaxProducers = 100000
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 3 * c.Heartbeat
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	if c.MaxChannels == 0 {
		c.MaxChannels = 1024
	}
	if c.MaxConns == 0 {
		c.MaxConns = 10000
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.ObserveFrames == 0 {
		c.ObserveFrames = 10000
	}
	if c.EventLogSize == 0 {
		c.EventLogSize = 10000
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.HistorySize < 0:
		return &ConfigError{"HistorySize", "must not be negative"}
	case c.SessionTTL < 0:
		return &ConfigError{"SessionTTL", "must not be negative"}
	case c.ReadLimit < 0:
		return &ConfigError{"ReadLimit", "must not be negative"}
	case c.Heartbeat < 0:
		return &ConfigError{"Heartbeat", "must not be negative"}
	case c.DedupeTTL < 0 || c.MaxProducers < 0:
		return &ConfigError{"DedupeTTL/MaxProducers", "must not be negative"}
	case c.MaxVersion < protocol.MinVersion || c.MaxVersion > protocol.Version:
		return &ConfigError{"MaxVersion", fmt.Sprintf("must be %d to %d", protocol.MinVersion, protocol.Version)}
	case c.DeliverWindow < 0:
		return &ConfigError{"DeliverWindow", "must not be negative"}
	case c.SendQueue < 0:
		return &ConfigError{"SendQueue", "must not be negative"}
	case c.WriteTimeout < 0:
		return &ConfigError{"WriteTimeout", "must not be negative"}
	case c.EventLogSize < 0:
		return &ConfigError{"EventLogSize", "must not be negative"}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return &ConfigError{"Addr", err.Error()}
	}
	if c.DisableAdmin {
		return nil
	}
	host, _, err := net.SplitHostPort(c.AdminAddr)
	if err != nil {
		return &ConfigError{"AdminAddr", err.Error()}
	}
	if c.AdminToken == "" && !IsLoopbackHost(host) {
		return fmt.Errorf("faultserver: admin address %q: %w", c.AdminAddr, ErrAdminTokenRequired)
	}
	return nil
}

// IsLoopbackHost reports whether host (from host:port) names only loopback:
// "localhost" or a 127.0.0.0/8 or ::1 address. An empty host, 0.0.0.0 and
// any other name are not loopback.
func IsLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
