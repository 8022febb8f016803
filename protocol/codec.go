package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// MaxFrameBytes is the default largest frame [Decode] accepts (1 MiB).
const MaxFrameBytes = 1 << 20

// MaxChannelBytes is the longest channel name accepted.
const MaxChannelBytes = 256

// Sentinel causes wrapped by [*Error], for errors.Is.
var (
	ErrMalformed    = errors.New("malformed frame")
	ErrTooLarge     = errors.New("frame too large")
	ErrVersion      = errors.New("unsupported protocol version")
	ErrUnknownType  = errors.New("unknown message type")
	ErrInvalidField = errors.New("invalid field")
)

// Error is a protocol error found while decoding or validating a frame.
type Error struct {
	// Type is the message type, when it could be read.
	Type Type
	// Field names the offending field, when there is one.
	Field string
	// Err is one of the Err* sentinels, possibly wrapping a parser error.
	Err error
}

func (e *Error) Error() string {
	var b bytes.Buffer
	b.WriteString("protocol: ")
	if e.Type != "" {
		fmt.Fprintf(&b, "%s: ", e.Type)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Code maps the error to the ErrorMessage code a server sends back.
func (e *Error) Code() string {
	switch {
	case errors.Is(e.Err, ErrTooLarge):
		return CodeTooLarge
	case errors.Is(e.Err, ErrVersion), errors.Is(e.Err, ErrUnknownType):
		return CodeUnsupported
	default:
		return CodeBadFrame
	}
}

type outEnvelope struct {
	V    int     `json:"v"`
	Type Type    `json:"type"`
	Body Message `json:"body"`
}

// Encode returns the frame for m. It fails only if m does not validate, so a
// peer never receives a frame that its Decode would reject.
func Encode(m Message) ([]byte, error) {
	return EncodeVersion(Version, m)
}

// EncodeVersion returns the frame for m at protocol version v, in
// [MinVersion, Version]. At v1 the v2-only fields (limits, read_limit,
// producer, pseq) are left out, so a v1 peer's strict decoder accepts the
// frame; the v2-only types (skipped, rejected) cannot be encoded at v1.
func EncodeVersion(v int, m Message) ([]byte, error) {
	return AppendEncodeVersion(nil, v, m)
}

// AppendEncodeVersion appends the frame for m at version v to dst (as
// [EncodeVersion]), so a writer can reuse one buffer for many frames. The
// hot types (publish, ack, message, deliver_ack with a plain ASCII channel)
// are appended directly, byte for byte what encoding/json writes; the rest
// go through encoding/json.
func AppendEncodeVersion(dst []byte, v int, m Message) ([]byte, error) {
	if v < MinVersion || v > Version {
		return dst, &Error{Field: "v", Err: fmt.Errorf("%w: %d (want %d to %d)", ErrVersion, v, MinVersion, Version)}
	}
	if err := Validate(m); err != nil {
		return dst, err
	}
	if v < 3 {
		m = downgradeV3(m)
	}
	if v < 2 {
		var err error
		if m, err = downgrade(m); err != nil {
			return dst, err
		}
	}
	if fastEncodable(v, m) {
		if dst == nil {
			dst = make([]byte, 0, fastLen(v, m))
		}
		return appendFast(dst, v, m), nil
	}
	b, err := json.Marshal(outEnvelope{V: v, Type: m.MessageType(), Body: m})
	if err != nil {
		return dst, fmt.Errorf("protocol: failed to encode %s: %w", m.MessageType(), err)
	}
	if dst == nil {
		return b, nil
	}
	return append(dst, b...), nil
}

// downgrade strips the v2-only fields of m for a v1 frame.
func downgrade(m Message) (Message, error) {
	switch m := m.(type) {
	case Hello:
		m.ReadLimit, m.Producer = 0, ""
		return m, nil
	case Welcome:
		m.Limits = Limits{}
		return m, nil
	case Resume:
		m.ReadLimit = 0
		return m, nil
	case Resumed:
		m.Limits = Limits{}
		return m, nil
	case Publish:
		m.PSeq = 0
		return m, nil
	case Skipped, Rejected:
		return nil, &Error{Type: m.MessageType(), Field: "v", Err: fmt.Errorf("%w: %s needs version 2", ErrVersion, m.MessageType())}
	}
	return m, nil
}
