package fault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// Fault is one fault of the vocabulary: a value of a registered kind.
type Fault interface {
	// Name is the kind's canonical name ("latency", "delay_handshake", ...).
	Name() string
	// Tags says where the fault acts and how it lasts.
	Tags() Tags
	// NeedsDuration reports whether a timeline step of this value must say
	// how long it lasts (the fault cannot end by itself).
	NeedsDuration() bool
	// Validate checks the attributes with the rules of whatever enforces
	// them (Toxiproxy, the fault server). Errors wrap [ErrInvalid] and are
	// an [*AttrError] when one attribute is at fault.
	Validate() error
	// Apply injects the fault on env. d is how long it lasts, for kinds
	// that time themselves (reject, delay_handshake, stall, restart);
	// others ignore it and last until undone. The Undo is nil for instant
	// faults.
	Apply(ctx context.Context, env Env, d time.Duration) (Undo, error)
	// String is a short human description, e.g. "latency 100ms±20ms".
	String() string
}

// Undo lifts an applied fault.
type Undo func(ctx context.Context) error

// Env is what faults are applied to: the harness's stack.
type Env interface {
	// AddToxic adds one Toxiproxy toxic of type typ on stream with the
	// given toxicity and attributes; the Undo removes it.
	AddToxic(ctx context.Context, typ string, stream Stream, toxicity float32, attrs map[string]any) (Undo, error)
	// SetProxyEnabled enables or disables the Toxiproxy proxy.
	SetProxyEnabled(ctx context.Context, on bool) error
	// Server is the local fault server, nil against an external target.
	Server() *faultserver.Server
}

// Tags classify a kind.
type Tags uint8

// Tags of a kind.
const (
	// Network faults act on the Toxiproxy proxy.
	Network Tags = 1 << iota
	// Server faults are fault-server actions: they need a local fault
	// server (they are rejected against an external target).
	Server
	// Outage faults make the service unavailable while they last; uptime
	// "excluding injected outages" leaves their windows out.
	Outage
	// Instant faults are one-shot actions with nothing to undo; a timeline
	// step of one takes no duration.
	Instant
)

// Has reports whether t holds every tag of u.
func (t Tags) Has(u Tags) bool { return t&u == u }

// ErrInvalid is wrapped by every validation error of a fault.
var ErrInvalid = errors.New("invalid fault")

// ErrNeedsServer is returned when a server fault is applied without a
// local fault server (an external target).
var ErrNeedsServer = errors.New("fault needs a local fault server")

// ErrUnknown is wrapped when a kind name is not registered.
var ErrUnknown = errors.New("unknown fault")

// AttrError is a validation error naming the attribute at fault, so a
// scenario file can point at its line.
type AttrError struct {
	Kind string
	Attr string // "" when the fault as a whole is at fault
	Msg  string
}

func (e *AttrError) Error() string {
	if e.Attr == "" {
		return fmt.Sprintf("%s: %s: %s", ErrInvalid, e.Kind, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s: %s", ErrInvalid, e.Kind, e.Attr, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *AttrError) Unwrap() error { return ErrInvalid }

func attrErr(kind, attr, format string, args ...any) error {
	return &AttrError{Kind: kind, Attr: attr, Msg: fmt.Sprintf(format, args...)}
}

// needServer returns env's fault server or ErrNeedsServer.
func needServer(env Env, kind string) (*faultserver.Server, error) {
	if srv := env.Server(); srv != nil {
		return srv, nil
	}
	return nil, fmt.Errorf("%s: %w", kind, ErrNeedsServer)
}

// serverTags are the tags every fault-server kind shares.
const serverTags = Server
