package scenario

import (
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/internal/slo"
)

// Stack modes.
const (
	// StackEmbedded runs the fault server and Toxiproxy in-process on loopback.
	StackEmbedded = "embedded"
	// StackExternal points at a running server through a running Toxiproxy.
	StackExternal = "external"
)

// Scenario is a validated scenario file. Zero client and load fields mean the
// documented defaults (the client package's for client settings).
type Scenario struct {
	Name        string
	Description string
	// Source is the file path, or "builtin:NAME" for an embedded scenario.
	Source string
	// Seed, when HasSeed, makes the run's randomness (jitter, load) repeatable.
	Seed    uint64
	HasSeed bool

	Stack    Stack
	Client   Client
	Load     Load
	Timeline []Step
	SLOs     []SLO
	// ShortSpec says how [Scenario.Short] scales this scenario.
	ShortSpec ShortSpec
}

// Stack says where the server under test runs.
type Stack struct {
	// Mode is StackEmbedded (default) or StackExternal.
	Mode string
	// Target, in external mode, is the WebSocket URL of the server under
	// test (it must speak the session protocol): the Toxiproxy proxy
	// forwards to its host:port, the load clients dial the proxy, and the
	// harness's server-side agent dials Target directly. Empty means
	// wschaos's own fault server behind the external Toxiproxy.
	Target string
	// Toxiproxy is the Toxiproxy API URL (external mode). Empty with a
	// Target means an in-process Toxiproxy in front of the target; external
	// mode needs at least one of the two.
	Toxiproxy string
	// Proxy is the name of the Toxiproxy proxy to inject toxics on (with
	// Toxiproxy); default "wschaos_session", the one toxiproxy.json declares.
	Proxy string
}

// Client holds reconnecting-client settings. Zero means the client default.
type Client struct {
	HandshakeTimeout time.Duration
	MinUptime        time.Duration
	Backoff          Backoff
	MaxAttempts      int
	MaxElapsed       time.Duration
	// PingInterval and PongTimeout drive half-open detection.
	PingInterval time.Duration
	PongTimeout  time.Duration
	// HeartbeatDisabled turns pings off (PingInterval < 0 in the client).
	HeartbeatDisabled bool
	QueueMessages     int
	QueueBytes        int
	// Overflow is the queue's overflow policy (block by default).
	Overflow client.OverflowPolicy
}

// Backoff is the reconnect delay schedule.
type Backoff struct {
	Base       time.Duration
	Cap        time.Duration
	Multiplier float64
	// Jitter is the jitter mode (proportional by default).
	Jitter   client.JitterMode
	Fraction float64
}

// Load is the traffic the run generates.
type Load struct {
	// Clients is the number of reconnecting clients (default 4).
	Clients int
	// Channels each client attaches to (default 2, at least 1).
	Channels int
	// Up is messages per second each client publishes (default 5).
	Up float64
	// Down is messages per second the server publishes on each channel
	// (default 5).
	Down float64
	// MessageSize is the payload size in bytes (default 64).
	MessageSize int
	// Duration is the length of the run (required).
	Duration time.Duration
	// ConnectTimeout bounds connecting and attaching every client before
	// the load starts (1s..1h); zero means the harness's default, which
	// grows with the client count (harness.DefaultConnectTimeout).
	ConnectTimeout time.Duration
}

// Step is one fault on the timeline.
type Step struct {
	At time.Duration
	// Duration is how long the fault lasts; zero for instant faults.
	Duration time.Duration
	// Fault is the kind's canonical name (an alias in the file reads as it).
	Fault string
	// Attributes are the fault's parameters as written, typed per the
	// registry: time.Duration, int64, float64 or string.
	Attributes map[string]any
	// Value is the fault decoded into its registered kind's type and
	// validated: what the harness applies.
	Value fault.Fault
	// Index is the step's place in the file's timeline list, and Pos where
	// it starts in the file, for messages about it.
	Index int
	Pos   Pos
}

// End is when the step's fault is undone.
func (s Step) End() time.Duration { return s.At + s.Duration }

// SLO is one objective with its place in the file.
type SLO struct {
	Expr slo.Expr
	Pos  Pos
}

// ShortSpec scales a scenario for --short.
type ShortSpec struct {
	// TimeScale multiplies every duration on the timeline and the run length
	// (default 0.5).
	TimeScale float64
	// Clients replaces the client count (default: a quarter, at least 2).
	Clients int
}

// Pos is a place in a scenario file.
type Pos struct {
	File   string
	Line   int
	Column int
}

// Defaults applied to zero load fields. Each is the harness's own default
// (written once, in package harness), named here for scenario-file callers;
// only the short-run time scale is the file format's own.
const (
	DefaultClients     = harness.DefaultClients
	DefaultChannels    = harness.DefaultChannels
	DefaultUp          = harness.DefaultRate
	DefaultDown        = harness.DefaultRate
	DefaultMessageSize = harness.DefaultMessageSize
	DefaultTimeScale   = 0.5
	DefaultProxy       = harness.DefaultProxyName
)
