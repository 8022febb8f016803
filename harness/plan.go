package harness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness/fault"
)

// Plan is one chaos run: where, with which clients, how much traffic, and
// which faults when. Zero fields take the defaults documented on each.
type Plan struct {
	// Name labels the run in reports.
	Name string `json:"name"`
	// Stack says where the server runs (embedded by default).
	Stack StackOptions `json:"-"`
	// Client configures every load client's transport. The harness sets
	// OnEvent, a Dialer that records each dial and Rand (from Seed; Rand set
	// here is ignored, since clients must not share a source);
	// HandshakeTimeout, Backoff, limits, heartbeat and Queue are yours.
	// OnMessage/Resubscribe must be nil.
	Client client.Config `json:"-"`
	// Window bounds each session's unacked publications (client default 1024).
	Window int `json:"window,omitempty"`
	// Load is the traffic.
	Load Load `json:"load"`
	// Timeline places faults; it must end within Load.Duration.
	Timeline Timeline `json:"timeline"`
	// Seed seeds the fault server's random choices (Config.Seed, when that
	// is zero) and every client's backoff jitter: client i (and the agent)
	// gets client.Config.Rand from a stream of its own derived from Seed, so
	// two runs with one Seed schedule the same reconnect delays for clients
	// that meet the same failures. 0 leaves the clients seeded from the
	// runtime. Toxiproxy's toxicity and jitter draw from math/rand's global
	// source, and sockets and scheduling vary, so two runs never replay
	// exactly.
	Seed uint64 `json:"seed,omitempty"`
	// Drain bounds the wait, after the load stops, for messages still in
	// flight. Default: Client.WorstCaseRecovery() + 5s.
	Drain time.Duration `json:"drain,omitempty"`
	// ConnectTimeout bounds the initial connect and attach of every client
	// and agent; past it Run fails with a *ConnectTimeoutError saying how
	// many connected and attached. Default DefaultConnectTimeout(Clients,
	// Channels): 30s plus 10ms per connection and per channel attach.
	ConnectTimeout time.Duration `json:"connect_timeout,omitempty"`
	// ClientOffset is the global index of this plan's client 0 when the
	// plan is one shard of a larger one (internal/shard): client i is named
	// on the wire, and seeded, as client ClientOffset+i, so a shard's
	// clients behave as they would in the unsharded run. Default 0.
	ClientOffset int `json:"client_offset,omitempty"`
	// RunID prefixes the run's channel names ("<RunID>.c<i>.<k>"); every
	// shard of a run passes the same one. Default: random per run. It must
	// be 1-63 of [A-Za-z0-9_-].
	RunID string `json:"run_id,omitempty"`
}

// Load is the traffic a run generates. Each client i attaches Channels
// private channels ("<run>.c<i>.<k>", <run> a random id per run, so runs
// sharing a target server stay apart; [ClientResult.Channels] lists them);
// a server-side agent session, connected to the server directly (the local
// fault server, or the Stack's Target; not through the proxy), attaches
// them all, publishes the downstream traffic and observes what clients
// publish.
type Load struct {
	// Clients is the number of session clients. Default 4.
	Clients int `json:"clients"`
	// Channels per client. Default 2.
	Channels int `json:"channels"`
	// Up is messages per second each client publishes (round-robin over its
	// channels). Default 5; negative means none.
	Up float64 `json:"up"`
	// Down is messages per second the server side publishes on each
	// channel. Default 5; negative means none.
	Down float64 `json:"down"`
	// MessageSize is the payload size in bytes (at least the id). Default 64.
	MessageSize int `json:"message_size"`
	// Duration is how long the load runs. Required.
	Duration Duration `json:"duration"`
}

// Load defaults.
const (
	DefaultClients     = 4
	DefaultChannels    = 2
	DefaultRate        = 5.0
	DefaultMessageSize = 64
)

// RunOptions are the caller's hooks into a run; they do not change what is
// measured.
type RunOptions struct {
	// Progress, if set, is called every ProgressEvery (default 250ms) and on
	// each phase change, from one goroutine.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// KeepRecords puts every raw record in Result.Records (large).
	KeepRecords bool
	// Logger receives the harness's own logs (nil: none).
	Logger *slog.Logger
	// BeforeLoad, if set, runs once every client is connected and
	// attached, just before the load and the timeline start (PhaseRun); an
	// error ends the run with it. Sharded runs wait there for their common
	// start instant, so every shard's timeline counts from one moment.
	BeforeLoad func(ctx context.Context) error
}

// Phase names a stage of a run.
type Phase string

// Run phases, in order.
const (
	PhaseSetup   Phase = "setup"   // starting the stack
	PhaseConnect Phase = "connect" // clients connecting and attaching
	PhaseRun     Phase = "run"     // load and faults
	PhaseDrain   Phase = "drain"   // load stopped; waiting for in-flight messages
	PhaseCheck   Phase = "check"   // closing clients and checking
	PhaseDone    Phase = "done"
)

// Progress is a snapshot for a progress display.
type Progress struct {
	Phase Phase `json:"phase"`
	// Elapsed counts from the start of PhaseRun; Total is Load.Duration.
	Elapsed time.Duration `json:"elapsed"`
	Total   time.Duration `json:"total"`
	// Clients and Connected count load clients (the agent excluded).
	Clients   int `json:"clients"`
	Connected int `json:"connected"`
	// Sent counts expected deliveries so far, Delivered the deliveries
	// made. InFlight counts those still owed to receivers whose session
	// lives: a message handed back, or addressed to a client that failed or
	// closed, is no longer in flight.
	Sent      int `json:"sent"`
	Delivered int `json:"delivered"`
	InFlight  int `json:"in_flight"`
	// Faults are the faults in force now.
	Faults []fault.Fault `json:"faults"`
}

// withDefaults fills zero fields.
func (p Plan) withDefaults() Plan {
	if p.Load.Clients == 0 {
		p.Load.Clients = DefaultClients
	}
	if p.Load.Channels == 0 {
		p.Load.Channels = DefaultChannels
	}
	if p.Load.Up == 0 {
		p.Load.Up = DefaultRate
	}
	if p.Load.Down == 0 {
		p.Load.Down = DefaultRate
	}
	if p.Load.MessageSize == 0 {
		p.Load.MessageSize = DefaultMessageSize
	}
	if p.Drain == 0 {
		p.Drain = p.Client.WorstCaseRecovery() + 5*time.Second
	}
	if p.ConnectTimeout == 0 {
		p.ConnectTimeout = DefaultConnectTimeout(p.Load.Clients, p.Load.Channels)
	}
	if p.Stack.Server.Seed == 0 {
		p.Stack.Server.Seed = p.Seed
	}
	return p
}

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)

// runID is RunID, else a random id.
func (p Plan) runID() string {
	if p.RunID != "" {
		return p.RunID
	}
	return newRunID()
}

// ErrInvalidPlan is wrapped by every Plan validation error.
var ErrInvalidPlan = errors.New("invalid plan")

// Validate checks the plan (after defaults).
func (p Plan) Validate() error {
	p = p.withDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("harness: %w: %s", ErrInvalidPlan, fmt.Sprintf(format, args...))
	}
	switch {
	case p.Load.Clients < 0 || p.Load.Channels < 0:
		return bad("clients and channels must not be negative")
	case p.Load.Duration <= 0:
		return bad("load duration is required")
	case p.Load.MessageSize < 0 || p.Load.MessageSize > 1<<20:
		return bad("message size %d outside 0..1MiB", p.Load.MessageSize)
	case p.Timeline.End() > p.Load.Duration.D():
		return bad("timeline ends at %v, after the load (%v)", p.Timeline.End(), p.Load.Duration)
	case p.Client.OnMessage != nil || p.Client.Resubscribe != nil:
		return bad("Client.OnMessage and Resubscribe must be nil: the session owns every frame")
	}
	if p.ConnectTimeout < 0 {
		return bad("connect timeout %v is negative", p.ConnectTimeout)
	}
	if p.ClientOffset < 0 {
		return bad("client offset %d is negative", p.ClientOffset)
	}
	if p.RunID != "" && !runIDPattern.MatchString(p.RunID) {
		return bad("run id %q: want 1-63 of [A-Za-z0-9_-], starting alphanumeric", p.RunID)
	}
	if err := p.Timeline.Validate(); err != nil {
		return fmt.Errorf("harness: %w: %w", ErrInvalidPlan, err)
	}
	return p.validateTarget()
}

// validateTarget refuses fault-server actions against a Target: there is no
// fault server of ours to drive, and a plan that cannot replay what it says
// must not start.
func (p Plan) validateTarget() error {
	if p.Stack.Target == "" || p.Stack.TargetAdmin != nil {
		return nil // the local fault server, or the target's admin API
	}
	for i, st := range p.Timeline {
		if st.Fault != nil && st.Fault.Tags().Has(fault.Server) {
			return fmt.Errorf("harness: %w: timeline step %d: %s against Target %s: %w; only network faults apply",
				ErrInvalidPlan, i, st.Fault.Name(), p.Stack.Target, ErrNeedsServer)
		}
	}
	return nil
}
