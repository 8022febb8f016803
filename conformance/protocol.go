package conformance

import "encoding/json"

// ProtocolVersion is the adapter protocol version sent in hello.
const ProtocolVersion = 1

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
}

func (r Report) String() string {
	b, _ := json.Marshal(r)
	return string(b)
}
