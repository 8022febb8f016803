package harness

import (
	"errors"
	"fmt"
)

// FaultKind names a fault. Network kinds are Toxiproxy toxics (or the proxy
// itself going down); server kinds are fault-server actions and need a local
// fault server (they are rejected against an external target).
type FaultKind string

// Network faults, applied on the Toxiproxy proxy in front of the server.
const (
	// FaultLatency delays every chunk by Latency ± Jitter.
	FaultLatency FaultKind = "latency"
	// FaultBandwidth limits throughput to RateKBps kilobytes per second.
	FaultBandwidth FaultKind = "bandwidth"
	// FaultSlowClose delays the close of a connection by Delay.
	FaultSlowClose FaultKind = "slow_close"
	// FaultTimeout stops all data (a black hole: half-open). With Timeout > 0
	// Toxiproxy closes the connection after that long. Removing a timeout
	// toxic closes the connections it held.
	FaultTimeout FaultKind = "timeout"
	// FaultResetPeer closes connections after Timeout with TCP RST. Only
	// connections opened while the toxic is present get a real RST (Toxiproxy
	// sets SO_LINGER 0 when a link starts); connections that were already open
	// see a plain close, i.e. EOF.
	FaultResetPeer FaultKind = "reset_peer"
	// FaultSlicer cuts data into pieces of AverageSize ± SizeVariation bytes
	// with Delay between them.
	FaultSlicer FaultKind = "slicer"
	// FaultLimitData closes a connection after Bytes bytes. Toxiproxy counts
	// from the first byte of the connection, so the HTTP upgrade handshake
	// (a few hundred bytes each way) is included.
	FaultLimitData FaultKind = "limit_data"
	// FaultProxyDown disables the proxy: its listener closes (new dials are
	// refused) and every proxied connection is closed. Undo re-enables it on
	// the same address.
	FaultProxyDown FaultKind = "proxy_down"
)

// Fault-server actions. They need Stack.Server (a local fault server).
const (
	// FaultDrop drops every connection abruptly, without a close frame.
	FaultDrop FaultKind = "drop"
	// FaultClose closes every connection with Code and Reason.
	FaultClose FaultKind = "close"
	// FaultReject rejects handshakes with Status (and Retry-After when
	// RetryAfter > 0): the next Count handshakes, or, with Count 0, every
	// handshake for the step's duration.
	FaultReject FaultKind = "reject"
	// FaultDelayHandshake delays every handshake by Delay for the step's
	// duration.
	FaultDelayHandshake FaultKind = "delay_handshake"
	// FaultStall makes live connections half-open: the server stops reading,
	// writing and answering pings, for the step's duration.
	FaultStall FaultKind = "stall"
	// FaultForget forgets every session: resumes fail and clients resync.
	FaultForget FaultKind = "forget_sessions"
	// FaultRestart takes the server's listener down for the step's duration
	// (dropping every connection), then brings it back on the same port.
	FaultRestart FaultKind = "restart"
	// FaultLossy is the deliberately broken mode: the server acks publishes
	// and then drops them. It exists so the checker can be shown to catch loss.
	FaultLossy FaultKind = "lossy"
)

// Streams a toxic applies to.
const (
	StreamBoth       = "both"
	StreamUpstream   = "upstream"   // client to server
	StreamDownstream = "downstream" // server to client
)

// Fault is one fault of the shared vocabulary. Only the fields its Kind uses
// are read; the rest must be zero. Its JSON form uses the field names below
// with durations as Go duration strings ("250ms").
type Fault struct {
	Kind FaultKind `json:"kind"`

	// Stream selects the toxic direction: "both" (default), "upstream" or
	// "downstream". Network kinds only.
	Stream string `json:"stream,omitempty"`
	// Toxicity is the probability that a connection is affected, in (0, 1].
	// Zero means 1.0: Toxiproxy itself would read 0 as "never".
	Toxicity float64 `json:"toxicity,omitempty"`

	Latency       Duration `json:"latency,omitempty"`        // latency
	Jitter        Duration `json:"jitter,omitempty"`         // latency
	RateKBps      int64    `json:"rate_kbps,omitempty"`      // bandwidth
	Delay         Duration `json:"delay,omitempty"`          // slow_close, slicer (between slices), delay_handshake
	Timeout       Duration `json:"timeout,omitempty"`        // timeout, reset_peer
	AverageSize   int      `json:"average_size,omitempty"`   // slicer
	SizeVariation int      `json:"size_variation,omitempty"` // slicer
	Bytes         int64    `json:"bytes,omitempty"`          // limit_data

	Code       int      `json:"code,omitempty"`        // close
	Reason     string   `json:"reason,omitempty"`      // close
	Status     int      `json:"status,omitempty"`      // reject
	RetryAfter Duration `json:"retry_after,omitempty"` // reject
	Count      int      `json:"count,omitempty"`       // reject
}

// IsNetwork reports whether k is applied on the Toxiproxy proxy.
func (k FaultKind) IsNetwork() bool {
	switch k {
	case FaultLatency, FaultBandwidth, FaultSlowClose, FaultTimeout, FaultResetPeer,
		FaultSlicer, FaultLimitData, FaultProxyDown:
		return true
	}
	return false
}

// IsServer reports whether k is a fault-server action.
func (k FaultKind) IsServer() bool {
	switch k {
	case FaultDrop, FaultClose, FaultReject, FaultDelayHandshake, FaultStall,
		FaultForget, FaultRestart, FaultLossy:
		return true
	}
	return false
}

// IsOutage reports whether k makes the service unavailable while it lasts.
// Uptime "excluding injected outages" leaves these windows out.
func (k FaultKind) IsOutage() bool {
	switch k {
	case FaultTimeout, FaultResetPeer, FaultLimitData, FaultProxyDown,
		FaultDrop, FaultClose, FaultReject, FaultStall, FaultRestart:
		return true
	}
	return false
}

// IsInstant reports whether k is a one-shot action with nothing to undo.
func (k FaultKind) IsInstant() bool {
	return k == FaultDrop || k == FaultClose || k == FaultForget
}

// Kinds lists every fault kind, network kinds first.
func Kinds() []FaultKind {
	return []FaultKind{
		FaultLatency, FaultBandwidth, FaultSlowClose, FaultTimeout, FaultResetPeer,
		FaultSlicer, FaultLimitData, FaultProxyDown,
		FaultDrop, FaultClose, FaultReject, FaultDelayHandshake, FaultStall,
		FaultForget, FaultRestart, FaultLossy,
	}
}

// ErrInvalidFault is wrapped by every validation error of a Fault.
var ErrInvalidFault = errors.New("invalid fault")

// Validate checks the fields the Kind needs.
func (f Fault) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("harness: %w: %s: %s", ErrInvalidFault, f.Kind, fmt.Sprintf(format, args...))
	}
	if !f.Kind.IsNetwork() && !f.Kind.IsServer() {
		return fmt.Errorf("harness: %w: unknown kind %q", ErrInvalidFault, f.Kind)
	}
	if f.Toxicity < 0 || f.Toxicity > 1 {
		return bad("toxicity %v outside (0, 1]", f.Toxicity)
	}
	switch f.Stream {
	case "", StreamBoth, StreamUpstream, StreamDownstream:
	default:
		return bad("stream %q: want both, upstream or downstream", f.Stream)
	}
	for name, d := range map[string]Duration{"latency": f.Latency, "jitter": f.Jitter, "delay": f.Delay,
		"timeout": f.Timeout, "retry_after": f.RetryAfter} {
		if d < 0 {
			return bad("%s must not be negative", name)
		}
	}
	switch f.Kind {
	case FaultLatency:
		if f.Latency == 0 {
			return bad("latency is required")
		}
		if f.Jitter > f.Latency {
			return bad("jitter %v larger than latency %v would ask for negative delays", f.Jitter, f.Latency)
		}
	case FaultBandwidth:
		if f.RateKBps <= 0 {
			return bad("rate_kbps must be positive")
		}
	case FaultSlicer:
		if f.AverageSize <= 0 || f.SizeVariation < 0 || f.SizeVariation >= f.AverageSize {
			return bad("want average_size > size_variation >= 0")
		}
	case FaultLimitData:
		if f.Bytes <= 0 {
			return bad("bytes must be positive")
		}
	case FaultClose:
		if f.Code < 1000 || f.Code > 4999 {
			return bad("close code %d outside 1000..4999", f.Code)
		}
	case FaultReject:
		if f.Status < 400 || f.Status > 599 {
			return bad("status %d: want an HTTP error status", f.Status)
		}
		if f.Count < 0 {
			return bad("count must not be negative")
		}
	case FaultDelayHandshake:
		if f.Delay == 0 {
			return bad("delay is required")
		}
	}
	return nil
}

// String is a short human description, e.g. "latency 100ms±20ms downstream".
func (f Fault) String() string {
	s := string(f.Kind)
	switch f.Kind {
	case FaultLatency:
		s += fmt.Sprintf(" %v±%v", f.Latency, f.Jitter)
	case FaultBandwidth:
		s += fmt.Sprintf(" %dKB/s", f.RateKBps)
	case FaultSlowClose, FaultDelayHandshake:
		s += fmt.Sprintf(" %v", f.Delay)
	case FaultTimeout, FaultResetPeer:
		s += fmt.Sprintf(" after %v", f.Timeout)
	case FaultSlicer:
		s += fmt.Sprintf(" %d±%dB/%v", f.AverageSize, f.SizeVariation, f.Delay)
	case FaultLimitData:
		s += fmt.Sprintf(" %dB", f.Bytes)
	case FaultClose:
		s += fmt.Sprintf(" %d %q", f.Code, f.Reason)
	case FaultReject:
		s += fmt.Sprintf(" %d", f.Status)
		if f.Count > 0 {
			s += fmt.Sprintf(" x%d", f.Count)
		}
		if f.RetryAfter > 0 {
			s += fmt.Sprintf(" retry-after %v", f.RetryAfter)
		}
	}
	if f.Kind.IsNetwork() && f.Kind != FaultProxyDown && f.Stream != "" && f.Stream != StreamBoth {
		s += " " + f.Stream
	}
	if f.Toxicity > 0 && f.Toxicity < 1 {
		s += fmt.Sprintf(" toxicity %.2f", f.Toxicity)
	}
	return s
}
