package protocol

// Version is the newest protocol version this package speaks; [Encode]
// writes it. [Decode] accepts every version from [MinVersion] to Version and
// rejects any other with [ErrVersion].
const Version = 3

// MinVersion is the oldest protocol version still accepted. A v1 peer keeps
// working without the v2 features (limits, skipped, rejected, producer
// dedupe), a v2 peer without the v3 ones (channel epochs, the session
// window); see [EncodeVersion] and docs/PROTOCOL.md.
const MinVersion = 1

// Type names a message kind on the wire.
type Type string

// Message types. Client-to-server types are hello, resume, attach, detach,
// publish and deliver_ack; the rest travel server-to-client.
const (
	TypeHello        Type = "hello"
	TypeWelcome      Type = "welcome"
	TypeResume       Type = "resume"
	TypeResumed      Type = "resumed"
	TypeResumeFailed Type = "resume_failed"
	TypeAttach       Type = "attach"
	TypeAttached     Type = "attached"
	TypeDetach       Type = "detach"
	TypeDetached     Type = "detached"
	TypePublish      Type = "publish"
	TypeAck          Type = "ack"
	TypeMessage      Type = "message"
	TypeDeliverAck   Type = "deliver_ack"
	TypeError        Type = "error"
	// TypeSkipped and TypeRejected exist from protocol version 2 on.
	TypeSkipped  Type = "skipped"
	TypeRejected Type = "rejected"
)

// Message is any protocol message. Each concrete type reports its wire type.
type Message interface {
	MessageType() Type
}

// Hello opens a new session. ClientID is an optional label for logs.
type Hello struct {
	ClientID string `json:"client_id,omitempty"`
	// ReadLimit (v2) is the client's own read limit in bytes: the server
	// never sends this session a frame longer than that (0: no limit given).
	ReadLimit int64 `json:"read_limit,omitempty"`
	// Producer (v2) is the publishing client's stable id (at least 128 random
	// bits, hex), kept across sessions so the server can dedupe by PSeq.
	Producer string `json:"producer,omitempty"`
}

// Welcome answers Hello with a fresh session.
type Welcome struct {
	// Session is the session id (at least 128 random bits, hex).
	Session string `json:"session"`
	// Token is the secret a client must present to resume Session.
	Token string `json:"token"`
	// HeartbeatMS is the server's suggested ping interval in milliseconds.
	HeartbeatMS int64 `json:"heartbeat_ms"`
	// ResumeTTLMS is how long the server keeps a disconnected session.
	ResumeTTLMS int64 `json:"resume_ttl_ms"`
	// Limits (v2) are the server's limits for this session.
	Limits Limits `json:"limits,omitzero"`
}

// Limits are the server's limits, announced in [Welcome] and [Resumed] (v2).
type Limits struct {
	// MaxFrame is the server's read limit for one inbound frame, in bytes.
	MaxFrame int64 `json:"max_frame"`
	// History is how many messages each channel keeps for replay.
	History int `json:"history"`
	// Window is the most unacked publishes the server holds per session.
	Window int `json:"window"`
	// DeliverWindow is the most messages of one channel the server sends
	// beyond the client's last deliver_ack on it (credit).
	DeliverWindow int `json:"deliver_window"`
	// MaxChannels is the most channels one session may attach.
	MaxChannels int `json:"max_channels"`
	// DedupeTTLMS is how long the server remembers a producer's highest
	// PSeq after its last activity: the dedupe horizon.
	DedupeTTLMS int64 `json:"dedupe_ttl_ms"`
	// SessionWindow (v3) is the most messages the server sends one session
	// beyond its deliver_acks, summed over all its channels (0: no such cap).
	SessionWindow int `json:"session_window,omitempty"`
}

// Resume asks to continue an existing session on a new connection.
type Resume struct {
	Session string `json:"session"`
	Token   string `json:"token"`
	// ReadLimit (v2): as in [Hello].
	ReadLimit int64 `json:"read_limit,omitempty"`
}

// Resumed confirms a resume. Acked is the highest publish sequence number the
// server has accepted, so the client can drop those from its window and
// resend the rest.
type Resumed struct {
	Session string `json:"session"`
	Acked   uint64 `json:"acked"`
	// Limits (v2) are the server's limits for this session.
	Limits Limits `json:"limits,omitzero"`
}

// ResumeFailed refuses a resume (unknown or expired session, wrong token).
// The client must start a new session with Hello and resynchronise.
type ResumeFailed struct {
	Reason string `json:"reason"`
}

// Attach subscribes the session to Channel, asking for every message with a
// serial greater than After (0 means "from now on"; use Resync for a
// first-time attach that wants nothing old).
type Attach struct {
	Channel string `json:"channel"`
	// After is the last serial the client delivered on this channel.
	After uint64 `json:"after"`
	// Epoch (v3) is the channel epoch After belongs to, from the client's
	// last Attached (0: none known). If the server's channel has another
	// epoch (it was freed and created again, restarting its serials), After
	// means nothing there: the server replays from its oldest retained serial.
	Epoch uint64 `json:"epoch,omitempty"`
}

// Attached confirms an Attach. Serial is the channel's current head serial.
// ContinuityLost is true when the history no longer reaches back to After+1:
// messages between After and Oldest were lost and will not be replayed.
type Attached struct {
	Channel        string `json:"channel"`
	Serial         uint64 `json:"serial"`
	Oldest         uint64 `json:"oldest"`
	ContinuityLost bool   `json:"continuity_lost"`
	// Epoch (v3) identifies this incarnation of the channel: a channel the
	// server freed and created again gets a new epoch and restarts its
	// serials at 1, so serials compare only within one epoch. Never 0 at v3.
	Epoch uint64 `json:"epoch,omitempty"`
}

// Detach unsubscribes the session from Channel.
type Detach struct {
	Channel string `json:"channel"`
}

// Detached confirms a Detach.
type Detached struct {
	Channel string `json:"channel"`
}

// Publish sends Data to Channel. Seq is the session's publish sequence
// number: 1 for the first publish of a session, then consecutive.
type Publish struct {
	Seq     uint64 `json:"seq"`
	Channel string `json:"channel"`
	Data    []byte `json:"data"`
	// PSeq (v2) is the producer's own sequence number (1, 2, 3, ...), never
	// reset across sessions; 0 means none (no dedupe across sessions).
	PSeq uint64 `json:"pseq,omitempty"`
}

// Ack cumulatively acknowledges every publish with a sequence number up to
// and including Seq.
type Ack struct {
	Seq uint64 `json:"seq"`
}

// ChannelMessage carries one message of Channel to an attached session.
// Serials on a channel start at 1 and increase by one per message.
type ChannelMessage struct {
	Channel string `json:"channel"`
	Serial  uint64 `json:"serial"`
	Data    []byte `json:"data"`
}

// DeliverAck tells the server the client has delivered every message of
// Channel up to and including Serial.
type DeliverAck struct {
	Channel string `json:"channel"`
	Serial  uint64 `json:"serial"`
}

// ErrorMessage reports a protocol error to the peer. Code is one of the
// Code* constants.
type ErrorMessage struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Skipped (v2) says that serial Serial of Channel exists but will not be sent
// to this session (Reason "too_large": the frame exceeds its read limit).
// The client advances past it and reports the gap; it is never retried.
type Skipped struct {
	Channel string `json:"channel"`
	Serial  uint64 `json:"serial"`
	Size    int64  `json:"size"`
	Reason  string `json:"reason"`
}

// Rejected (v2) says the publish with session sequence Seq was consumed but
// not accepted (Code "too_large", ...). It counts as settled for the
// cumulative ack: the client fails that publication instead of resending it.
type Rejected struct {
	Seq     uint64 `json:"seq"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Skip reasons carried in Skipped.Reason.
const ReasonTooLarge = "too_large"

// Error codes carried in ErrorMessage.Code.
const (
	CodeBadFrame    = "bad_frame"
	CodeUnsupported = "unsupported"
	CodeNoSession   = "no_session"
	CodeTooLarge    = "too_large"
	CodeInternal    = "internal"
)

// MessageType implements Message.
func (Hello) MessageType() Type { return TypeHello }

// MessageType implements Message.
func (Welcome) MessageType() Type { return TypeWelcome }

// MessageType implements Message.
func (Resume) MessageType() Type { return TypeResume }

// MessageType implements Message.
func (Resumed) MessageType() Type { return TypeResumed }

// MessageType implements Message.
func (ResumeFailed) MessageType() Type { return TypeResumeFailed }

// MessageType implements Message.
func (Attach) MessageType() Type { return TypeAttach }

// MessageType implements Message.
func (Attached) MessageType() Type { return TypeAttached }

// MessageType implements Message.
func (Detach) MessageType() Type { return TypeDetach }

// MessageType implements Message.
func (Detached) MessageType() Type { return TypeDetached }

// MessageType implements Message.
func (Publish) MessageType() Type { return TypePublish }

// MessageType implements Message.
func (Ack) MessageType() Type { return TypeAck }

// MessageType implements Message.
func (ChannelMessage) MessageType() Type { return TypeMessage }

// MessageType implements Message.
func (DeliverAck) MessageType() Type { return TypeDeliverAck }

// MessageType implements Message.
func (ErrorMessage) MessageType() Type { return TypeError }

// MessageType implements Message.
func (Skipped) MessageType() Type { return TypeSkipped }

// MessageType implements Message.
func (Rejected) MessageType() Type { return TypeRejected }
