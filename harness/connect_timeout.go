package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wschaos/wschaos/client"
)

// Connect-timeout default: ConnectTimeoutBase plus ConnectTimeoutPerStep for
// each connection and each channel attach the plan needs (every client's
// connection and its Channels attaches). Measured with `wschaos run` of the
// scale built-in (1 channel per client, in-process stack) on the 2-core
// machine: 4,500 clients connected and attached in 6.7 s at load average 1.8
// (1.5 ms per client, 0.7 ms per step); at load average 14, 2,000 clients
// did not make it within 30 s (over 7.5 ms per step). 10 ms per step
// covers that loaded machine; the base covers a slow first handshake and a
// few reconnect attempts (a 5 s handshake timeout plus backoff) for small
// plans.
const (
	ConnectTimeoutBase    = 30 * time.Second
	ConnectTimeoutPerStep = 10 * time.Millisecond
)

// DefaultConnectTimeout is Plan.ConnectTimeout's default for clients
// clients with channels channels each: ConnectTimeoutBase +
// ConnectTimeoutPerStep x clients x (1 + channels). 30 s for 4 clients of 2
// channels, 70 s for 2,000 of 1, 230 s for 10,000 of 1.
func DefaultConnectTimeout(clients, channels int) time.Duration {
	steps := max(clients, 0) * (1 + max(channels, 0))
	return ConnectTimeoutBase + time.Duration(steps)*ConnectTimeoutPerStep
}

// ErrConnectTimeout is wrapped by every [ConnectTimeoutError].
var ErrConnectTimeout = errors.New("connect timeout")

// errConnectDeadline is the connect phase's own deadline cause, told apart
// from a caller's deadline or cancellation.
var errConnectDeadline = errors.New("harness: connect deadline")

// ConnectTimeoutError is a run that did not connect and attach every
// client within Plan.ConnectTimeout: how far it got, what it was waiting
// for, and how to raise the bound.
type ConnectTimeoutError struct {
	// Timeout is the plan's ConnectTimeout.
	Timeout time.Duration
	// Waiting names what was still pending: "the agents' attaches" or
	// "the clients' attaches".
	Waiting string
	// Clients is the plan's load clients, Connected those connected when
	// the error was built, Attached those with every channel attached.
	Clients, Connected, Attached int
	// ChannelsPer is each client's channel count.
	ChannelsPer int
	// Agents is the server-side agent sessions, AgentsConnected those
	// connected; AgentChannels is the channels they had to attach,
	// AgentAttached those attached.
	Agents, AgentsConnected, AgentChannels, AgentAttached int
	// LastError is the last connection error of one client that was not
	// connected (e.g. a refused dial, a 503), if any.
	LastError string
	// Others are errors that were not the deadline (at most a few), e.g.
	// an attach the server refused.
	Others []string
}

// Error says the counts, what timed out and how to raise the bound.
func (e *ConnectTimeoutError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "harness: connect timed out after %v waiting for %s: %d of %d clients connected, %d of %d attached their %d channel(s); agents: %d of %d connected, %d of %d channels attached",
		e.Timeout, e.Waiting, e.Connected, e.Clients, e.Attached, e.Clients, e.ChannelsPer,
		e.AgentsConnected, e.Agents, e.AgentAttached, e.AgentChannels)
	if e.LastError != "" {
		fmt.Fprintf(&b, "; last error of a client not connected: %s", e.LastError)
	}
	for _, o := range e.Others {
		fmt.Fprintf(&b, "; %s", o)
	}
	fmt.Fprintf(&b, "; raise load.connect_timeout in the scenario file (Plan.ConnectTimeout; default %v + %v per client and per channel attach: %v for this plan), or run fewer clients per process (wschaos run --shard)",
		ConnectTimeoutBase, ConnectTimeoutPerStep, DefaultConnectTimeout(e.Clients, e.ChannelsPer))
	return b.String()
}

// Unwrap makes errors.Is(err, ErrConnectTimeout) hold.
func (e *ConnectTimeoutError) Unwrap() error { return ErrConnectTimeout }

// connectProgress counts the connect phase's completed attaches.
type connectProgress struct {
	agentAttached   atomic.Int64 // agent channels attached
	clientsAttached atomic.Int64 // clients with every channel attached
}

// maxOtherErrors bounds the non-deadline errors a connect failure lists.
const maxOtherErrors = 3

// connectFailed turns the connect phase's errors into one: a
// *ConnectTimeoutError when its own deadline passed (ctx is the phase's
// context), else the first few errors and how many more there were.
func (r *runner) connectFailed(ctx context.Context, prog *connectProgress, waiting string, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	var others []string
	more := 0
	for _, err := range errs {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			continue
		}
		if len(others) == maxOtherErrors {
			more++
			continue
		}
		others = append(others, err.Error())
	}
	if more > 0 {
		others = append(others, fmt.Sprintf("and %d more errors", more))
	}
	if !errors.Is(context.Cause(ctx), errConnectDeadline) {
		if len(errs) > maxOtherErrors {
			return fmt.Errorf("%w (and %d more)", errors.Join(errs[:maxOtherErrors]...), len(errs)-maxOtherErrors)
		}
		return errors.Join(errs...)
	}
	e := &ConnectTimeoutError{
		Timeout: r.plan.ConnectTimeout, Waiting: waiting, Clients: len(r.load), ChannelsPer: r.plan.Load.Channels,
		Attached: int(prog.clientsAttached.Load()), Agents: len(r.agents),
		AgentChannels: len(r.agentOf), AgentAttached: int(prog.agentAttached.Load()), Others: others,
	}
	for _, a := range r.agents {
		if a.sess.Client().State() == client.StateConnected {
			e.AgentsConnected++
		}
	}
	for _, m := range r.load {
		st := m.sess.Client().Stats()
		if st.State == client.StateConnected {
			e.Connected++
		} else if st.LastError != nil {
			e.LastError = fmt.Sprintf("%s: %v", m.name, st.LastError)
		}
	}
	return e
}
