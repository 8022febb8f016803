package conformance

import "encoding/json"

// ProtocolVersion is the adapter protocol version sent in hello (2 added
// Capabilities.Delivery and Options.HandshakeTimeoutMS; both optional).
const ProtocolVersion = 2

// Command is one line wschaos writes to the adapter's stdin.
type Command struct {
	// Cmd is "hello", "connect", "send" or "close".
	Cmd string `json:"cmd"`
	// Version is set on hello.
	Version int `json:"version,omitempty"`
	// URL and Options are set on connect.
	URL     string   `json:"url,omitempty"`
	Options *Options `json:"options,omitempty"`
	// ID and Data are set on send; the adapter sends Data as one text frame.
	ID   string `json:"id,omitempty"`
	Data string `json:"data,omitempty"`
}

// Options are the connect options. An adapter applies those its
// capabilities declare and ignores the rest.
type Options struct {
	Backoff Policy `json:"backoff"`
	// MaxRetries bounds reconnect attempts after a loss when > 0.
	MaxRetries int `json:"max_retries,omitempty"`
	// HeartbeatMS is the ping interval; a connection silent for twice as long
	// should be declared dead.
	HeartbeatMS int `json:"heartbeat_ms,omitempty"`
	// HandshakeTimeoutMS bounds one dial (TCP and the HTTP upgrade) when > 0:
	// a handshake sent into a blackholed link is never answered.
	HandshakeTimeoutMS int `json:"handshake_timeout_ms,omitempty"`
}

// Policy is a declared backoff policy: delay n (1-based) is drawn per Jitter
// from d(n) = min(MaxMS, InitialMS*Factor^(n-1)).
type Policy struct {
	InitialMS int     `json:"initial_ms"`
	MaxMS     int     `json:"max_ms"`
	Factor    float64 `json:"factor"`
	// Jitter is "full" (uniform [0, d)), "equal" ([d/2, d)), "proportional"
	// (d*[0.75, 1.25)) or "none".
	Jitter string `json:"jitter"`
}

// Report is one line the adapter writes to stdout.
type Report struct {
	// Type is "hello", "state", "message", "sent" or "log".
	Type string `json:"type"`
	// Name and Capabilities are set on hello.
	Name         string        `json:"name,omitempty"`
	Capabilities *Capabilities `json:"capabilities,omitempty"`
	// State is set on state: "connecting", "open", "closed" or "failed"
	// (the client gave up for good). Code is the close code when known.
	State string `json:"state,omitempty"`
	Code  int    `json:"code,omitempty"`
	// ID is set on sent; Data on message.
	ID   string `json:"id,omitempty"`
	Data string `json:"data,omitempty"`
	// Result is set on sent: "accepted" (queued or written) or "refused".
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Capabilities say which optional behaviours the client has; cases needing
// one the client lacks are graded UNIMPLEMENTED.
type Capabilities struct {
	// Queue: sends while disconnected are kept and written on reconnect.
	Queue bool `json:"queue"`
	// RetryLimit: Options.MaxRetries is honoured.
	RetryLimit bool `json:"retry_limit"`
	// Heartbeat: Options.HeartbeatMS is honoured (dead-connection detection).
	Heartbeat bool `json:"heartbeat"`
	// Backoff: Options.Backoff's initial and max delays are honoured.
	Backoff bool `json:"backoff"`
	// ExactPolicy: the delays follow Options.Backoff exactly, so they are
	// KS-tested against it.
	ExactPolicy bool `json:"exact_policy"`
	// Delivery is the guarantee the client gives a message it accepted when
	// the connection fails under it: DeliveryAtMostOnce, DeliveryAtLeastOnce
	// or DeliveryExactlyOnce. Empty is graded as exactly-once (protocol
	// version 1 had no such field and graded every loss FAILED).
	Delivery string `json:"delivery,omitempty"`
}

// Delivery guarantees an adapter may declare in Capabilities.Delivery. They
// say what may happen to a message in flight (accepted while the client
// reported the connection open, shortly before or during a fault); a message
// accepted while the client knew it was not connected must be delivered,
// refused or reported, never silently lost, whatever is declared.
const (
	// DeliveryAtMostOnce: a frame in flight at a fault may be lost, never
	// duplicated (no acknowledgements, no resend).
	DeliveryAtMostOnce = "at-most-once"
	// DeliveryAtLeastOnce: never lost; a frame in flight may arrive twice.
	DeliveryAtLeastOnce = "at-least-once"
	// DeliveryExactlyOnce: never lost, never duplicated (acks and dedupe).
	DeliveryExactlyOnce = "exactly-once"
)

// validDelivery reports whether d is a value Capabilities.Delivery may take.
func validDelivery(d string) bool {
	switch d {
	case "", DeliveryAtMostOnce, DeliveryAtLeastOnce, DeliveryExactlyOnce:
		return true
	}
	return false
}

func (r Report) String() string {
	b, _ := json.Marshal(r)
	return string(b)
}
