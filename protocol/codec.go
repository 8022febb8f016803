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

// envelope is the wire shape: {"v":1,"type":"...","body":{...}}.
type envelope struct {
	V    int             `json:"v"`
	Type Type            `json:"type"`
	Body json.RawMessage `json:"body"`
}

type outEnvelope struct {
	V    int     `json:"v"`
	Type Type    `json:"type"`
	Body Message `json:"body"`
}

// Encode returns the frame for m. It fails only if m does not validate, so a
// peer never receives a frame that its Decode would reject.
func Encode(m Message) ([]byte, error) {
	if err := Validate(m); err != nil {
		return nil, err
	}
	b, err := json.Marshal(outEnvelope{V: Version, Type: m.MessageType(), Body: m})
	if err != nil {
		return nil, fmt.Errorf("protocol: failed to encode %s: %w", m.MessageType(), err)
	}
	return b, nil
}

// Decode parses one frame of at most [MaxFrameBytes].
func Decode(frame []byte) (Message, error) {
	return DecodeLimit(frame, MaxFrameBytes)
}

// DecodeLimit parses one frame of at most limit bytes. Unknown fields (keys
// are case-sensitive), repeated keys, trailing data, an unknown type or
// version, and missing required fields are errors. Checks run in that order:
// json.Valid rules out syntax errors and trailing data, checkKeys exact and
// unique keys, so the json.Unmarshal calls after them need no Decoder.
func DecodeLimit(frame []byte, limit int) (Message, error) {
	if len(frame) > limit {
		return nil, &Error{Err: fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(frame), limit)}
	}
	if !json.Valid(frame) {
		err := json.Unmarshal(frame, &envelope{}) // only for a precise message
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return nil, &Error{Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	if field, err := checkKeys(frame, envelopeKeys); err != nil {
		return nil, &Error{Field: field, Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	var env envelope
	if err := json.Unmarshal(frame, &env); err != nil {
		return nil, &Error{Field: typeErrorField(err), Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	if env.V != Version {
		return nil, &Error{Type: env.Type, Field: "v", Err: fmt.Errorf("%w: %d (want %d)", ErrVersion, env.V, Version)}
	}
	m := newMessage(env.Type)
	if m == nil {
		return nil, &Error{Field: "type", Err: fmt.Errorf("%w: %q", ErrUnknownType, env.Type)}
	}
	if len(env.Body) == 0 || bytes.Equal(env.Body, []byte("null")) {
		return nil, &Error{Type: env.Type, Field: "body", Err: fmt.Errorf("%w: missing", ErrInvalidField)}
	}
	if field, err := checkKeys(env.Body, bodyKeys[env.Type]); err != nil {
		if field == "" {
			field = "body"
		}
		return nil, &Error{Type: env.Type, Field: field, Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	if err := json.Unmarshal(env.Body, m); err != nil {
		field := typeErrorField(err)
		if field == "" {
			field = "body"
		}
		return nil, &Error{Type: env.Type, Field: field, Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	msg := deref(m)
	if err := Validate(msg); err != nil {
		return nil, err
	}
	return msg, nil
}

// newMessage returns a pointer to a zero message of type t, or nil.
func newMessage(t Type) any {
	switch t {
	case TypeHello:
		return &Hello{}
	case TypeWelcome:
		return &Welcome{}
	case TypeResume:
		return &Resume{}
	case TypeResumed:
		return &Resumed{}
	case TypeResumeFailed:
		return &ResumeFailed{}
	case TypeAttach:
		return &Attach{}
	case TypeAttached:
		return &Attached{}
	case TypeDetach:
		return &Detach{}
	case TypeDetached:
		return &Detached{}
	case TypePublish:
		return &Publish{}
	case TypeAck:
		return &Ack{}
	case TypeMessage:
		return &ChannelMessage{}
	case TypeDeliverAck:
		return &DeliverAck{}
	case TypeError:
		return &ErrorMessage{}
	}
	return nil
}

// deref turns the pointer from newMessage into the value type callers switch on.
func deref(p any) Message {
	switch m := p.(type) {
	case *Hello:
		return *m
	case *Welcome:
		return *m
	case *Resume:
		return *m
	case *Resumed:
		return *m
	case *ResumeFailed:
		return *m
	case *Attach:
		return *m
	case *Attached:
		return *m
	case *Detach:
		return *m
	case *Detached:
		return *m
	case *Publish:
		return *m
	case *Ack:
		return *m
	case *ChannelMessage:
		return *m
	case *DeliverAck:
		return *m
	case *ErrorMessage:
		return *m
	}
	panic(fmt.Sprintf("protocol: deref of unexpected %T", p)) // unreachable: newMessage and deref list the same types
}
