package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wschaos/wschaos/harness/fault"
)

// FaultKind names a fault kind of the registry in package
// [github.com/wschaos/wschaos/harness/fault]: an alias of [fault.Kind],
// kept so the older name stays valid. The constants below are the kinds'
// canonical names, kept for callers of the flat [Fault] form.
type FaultKind = fault.Kind

// Network faults, applied on the Toxiproxy proxy in front of the server.
// Each is documented on its type in package fault.
const (
	FaultLatency   FaultKind = "latency"    // fault.Latency
	FaultBandwidth FaultKind = "bandwidth"  // fault.Bandwidth
	FaultSlowClose FaultKind = "slow_close" // fault.SlowClose
	FaultTimeout   FaultKind = "timeout"    // fault.Timeout
	FaultResetPeer FaultKind = "reset_peer" // fault.ResetPeer
	FaultSlicer    FaultKind = "slicer"     // fault.Slicer
	FaultLimitData FaultKind = "limit_data" // fault.LimitData
	FaultProxyDown FaultKind = "proxy_down" // fault.ProxyDown
)

// Fault-server actions. They need Stack.Server (a local fault server).
const (
	FaultDrop           FaultKind = "drop"            // fault.Drop
	FaultClose          FaultKind = "close"           // fault.Close
	FaultReject         FaultKind = "reject"          // fault.Reject
	FaultDelayHandshake FaultKind = "delay_handshake" // fault.DelayHandshake
	FaultStall          FaultKind = "stall"           // fault.Stall
	FaultForget         FaultKind = "forget_sessions" // fault.ForgetSessions
	FaultRestart        FaultKind = "restart"         // fault.Restart
	FaultLossy          FaultKind = "lossy"           // fault.Lossy
)

// Streams a toxic applies to (the flat form's Stream field).
const (
	StreamBoth       = string(fault.StreamBoth)
	StreamUpstream   = string(fault.StreamUpstream)   // client to server
	StreamDownstream = string(fault.StreamDownstream) // server to client
)

// Kinds lists every registered fault kind, network kinds first.
func Kinds() []FaultKind {
	var out []FaultKind
	for _, n := range fault.Names() {
		out = append(out, FaultKind(n))
	}
	return out
}

// ErrInvalidFault is wrapped by every validation error of a fault; it is
// [fault.ErrInvalid].
var ErrInvalidFault = fault.ErrInvalid

// Fault is the flat form of a fault, kept for callers that spell faults as
// one struct: Kind plus the attributes that kind takes (the rest must be
// zero). It implements [fault.Fault] by decoding itself into the
// registered kind's type, so every rule and action comes from the
// registry; new code can use the kinds' own types (fault.Latency{...})
// wherever a fault.Fault is wanted. Kinds added after this form was frozen
// may have attributes it cannot spell: use their types.
type Fault struct {
	Kind FaultKind `json:"kind"`

	Stream   string  `json:"stream,omitempty"`
	Toxicity float64 `json:"toxicity,omitempty"`

	Latency       Duration `json:"latency,omitempty"`
	Jitter        Duration `json:"jitter,omitempty"`
	RateKBps      int64    `json:"rate_kbps,omitempty"`
	Delay         Duration `json:"delay,omitempty"`
	Timeout       Duration `json:"timeout,omitempty"`
	AverageSize   int      `json:"average_size,omitempty"`
	SizeVariation int      `json:"size_variation,omitempty"`
	Bytes         int64    `json:"bytes,omitempty"`

	Code       int      `json:"code,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	Status     int      `json:"status,omitempty"`
	RetryAfter Duration `json:"retry_after,omitempty"`
	Count      int      `json:"count,omitempty"`
}

// Typed returns f as its registered kind's value. An attribute the kind
// does not take is an error.
func (f Fault) Typed() (fault.Fault, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	t, err := fault.DecodeFlat(data)
	if err != nil {
		return nil, fmt.Errorf("harness: %w: %w", ErrInvalidFault, err)
	}
	return t, nil
}

// Name implements fault.Fault.
func (f Fault) Name() string {
	if in, ok := fault.Lookup(string(f.Kind)); ok {
		return in.Name
	}
	return string(f.Kind)
}

// Tags implements fault.Fault.
func (f Fault) Tags() fault.Tags { return f.Kind.Tags() }

// NeedsDuration implements fault.Fault.
func (f Fault) NeedsDuration() bool {
	t, err := f.Typed()
	return err == nil && t.NeedsDuration()
}

// Validate checks the fields the Kind needs, with the kind's own rules.
func (f Fault) Validate() error {
	t, err := f.Typed()
	if err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	return nil
}

// Apply implements fault.Fault.
func (f Fault) Apply(ctx context.Context, env fault.Env, d time.Duration) (fault.Undo, error) {
	t, err := f.Typed()
	if err != nil {
		return nil, err
	}
	return t.Apply(ctx, env, d)
}

// String is a short human description, e.g. "latency 100ms±20ms downstream".
func (f Fault) String() string {
	t, err := f.Typed()
	if err != nil {
		return string(f.Kind)
	}
	return t.String()
}
