package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Decode parses one frame of at most [MaxFrameBytes].
func Decode(frame []byte) (Message, error) {
	return DecodeLimit(frame, MaxFrameBytes)
}

// DecodeFrame is [Decode] that also reports the frame's protocol version, so
// a server can answer a peer in the version it spoke.
func DecodeFrame(frame []byte) (Message, int, error) {
	return DecodeLimitVersion(frame, MaxFrameBytes)
}

// DecodeLimit is [DecodeLimitVersion] without the version.
func DecodeLimit(frame []byte, limit int) (Message, error) {
	m, _, err := DecodeLimitVersion(frame, limit)
	return m, err
}

// DecodeLimitVersion parses one frame of at most limit bytes. Unknown fields (keys
// are case-sensitive), repeated keys, trailing data, an unknown type or
// version, and missing required fields are errors. Checks run in that order:
// json.Valid rules out syntax errors and trailing data, scanObject unknown
// and repeated keys (of the envelope, then of the body), and only then are
// values read, each straight into its field.
//
// Values take a fast path when they are in the form Encode writes (a string
// without escapes, a plain integer, true or false, base64 without escapes)
// and go through encoding/json otherwise, so every value means what
// encoding/json makes of it, at a fraction of its cost on the hot path.
//
// The version reported is the envelope's v, in [MinVersion, Version]; it is 0
// when the frame failed before the version was read or was out of range.
func DecodeLimitVersion(frame []byte, limit int) (Message, int, error) {
	if len(frame) > limit {
		return nil, 0, &Error{Err: fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(frame), limit)}
	}
	if m, v, ok := decodeCanonical(frame); ok { // the hot path, see fast.go
		if err := Validate(m); err != nil {
			return nil, 0, err
		}
		return m, v, nil
	}
	if !json.Valid(frame) {
		err := json.Unmarshal(frame, &envelope{}) // only for a precise message
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return nil, 0, &Error{Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	var env envelope
	if field, err := envelopeSpec.decode(frame, reflect.ValueOf(&env).Elem()); err != nil {
		return nil, 0, &Error{Field: field, Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	if env.V < MinVersion || env.V > Version {
		return nil, 0, &Error{Type: env.Type, Field: "v", Err: fmt.Errorf("%w: %d (want %d to %d)", ErrVersion, env.V, MinVersion, Version)}
	}
	spec := messageSpecs[env.Type]
	if spec == nil {
		return nil, 0, &Error{Field: "type", Err: fmt.Errorf("%w: %q", ErrUnknownType, env.Type)}
	}
	if len(env.Body) == 0 || string(env.Body) == "null" {
		return nil, 0, &Error{Type: env.Type, Field: "body", Err: fmt.Errorf("%w: missing", ErrInvalidField)}
	}
	m := reflect.New(spec.rtype).Elem()
	if field, err := spec.decode(env.Body, m); err != nil {
		if field == "" {
			field = "body"
		}
		return nil, 0, &Error{Type: env.Type, Field: field, Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	msg := m.Interface().(Message)
	if err := Validate(msg); err != nil {
		return nil, 0, err
	}
	return msg, env.V, nil
}

// envelope is the wire shape: {"v":2,"type":"...","body":{...}}. Body is
// kept raw (a slice of the frame) and decoded once the type is known.
type envelope struct {
	V    int             `json:"v"`
	Type Type            `json:"type"`
	Body json.RawMessage `json:"body"`
}

// fieldKind says how a field's value is read.
type fieldKind uint8

const (
	kindOther  fieldKind = iota // always through encoding/json
	kindString                  // string, Type
	kindUint                    // uint64
	kindInt                     // int, int64
	kindBool                    // bool
	kindBytes                   // []byte: base64
	kindRaw                     // json.RawMessage: kept as is
)

// structSpec lists the wire fields of a struct, from its json tags: the
// exact keys scanObject accepts and where each value goes.
type structSpec struct {
	rtype reflect.Type
	names []string // wire keys, in field order
	index []int    // struct field index per key
	kinds []fieldKind
}

var envelopeSpec = newStructSpec(reflect.TypeFor[envelope]())

// messageSpecs has one entry per message type: the one list Decode knows.
var messageSpecs = func() map[Type]*structSpec {
	types := []Message{Hello{}, Welcome{}, Resume{}, Resumed{}, ResumeFailed{}, Attach{},
		Attached{}, Detach{}, Detached{}, Publish{}, Ack{}, ChannelMessage{}, DeliverAck{}, ErrorMessage{},
		Skipped{}, Rejected{}}
	out := make(map[Type]*structSpec, len(types))
	for _, m := range types {
		out[m.MessageType()] = newStructSpec(reflect.TypeOf(m))
	}
	return out
}()

func newStructSpec(rt reflect.Type) *structSpec {
	s := &structSpec{rtype: rt}
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		kind := kindOther
		switch {
		case f.Type == reflect.TypeFor[json.RawMessage]():
			kind = kindRaw
		case f.Type.Kind() == reflect.String:
			kind = kindString
		case f.Type.Kind() == reflect.Uint64:
			kind = kindUint
		case f.Type.Kind() == reflect.Int || f.Type.Kind() == reflect.Int64:
			kind = kindInt
		case f.Type.Kind() == reflect.Bool:
			kind = kindBool
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Uint8:
			kind = kindBytes
		}
		s.names = append(s.names, name)
		s.index = append(s.index, i)
		s.kinds = append(s.kinds, kind)
	}
	return s
}

// decode checks the keys of the JSON object obj and stores its values in
// the struct v (of s.rtype, settable), in the order they appear, stopping
// at the first bad one as encoding/json reports the first. field names the
// offending key; it is "" when obj is not an object and for errors that
// encoding/json ties to no field (bad base64).
func (s *structSpec) decode(obj []byte, v reflect.Value) (field string, err error) {
	var buf [8]member
	ms, field, err := scanObject(obj, s.names, buf[:0])
	if err != nil {
		return field, err
	}
	for _, m := range ms {
		if err := setField(v.Field(s.index[m.field]), s.kinds[m.field], m.value); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return "", err
			}
			// As encoding/json names them in a struct: the full path, so a
			// nested field (limits.max_frame) reads as it would there.
			// encoding/json keeps the innermost struct's name.
			if te.Struct != "" && te.Field != "" {
				te.Field = s.names[m.field] + "." + te.Field
			} else {
				te.Struct, te.Field = s.rtype.Name(), s.names[m.field]
			}
			return te.Field, err
		}
	}
	return "", nil
}

// setField stores the JSON value raw in f. Values in the form Encode writes
// are read directly; anything else (escapes, null, exponents, out-of-range
// numbers, values of the wrong type) goes through encoding/json, which
// decides what it means or why it is an error.
func setField(f reflect.Value, kind fieldKind, raw []byte) error {
	switch kind {
	case kindRaw:
		f.SetBytes(raw)
		return nil
	case kindString:
		if s, ok := plainString(raw); ok {
			f.SetString(string(s))
			return nil
		}
	case kindUint:
		if n, ok := plainUint(raw); ok {
			f.SetUint(n)
			return nil
		}
	case kindInt:
		if n, ok := plainUint(raw); ok && n <= 1<<63-1 && !f.OverflowInt(int64(n)) {
			f.SetInt(int64(n))
			return nil
		}
	case kindBool:
		if b := string(raw); b == "true" || b == "false" {
			f.SetBool(b == "true")
			return nil
		}
	case kindBytes:
		if s, ok := plainString(raw); ok {
			// As encoding/json decodes []byte, and with the same error.
			b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
			n, err := base64.StdEncoding.Decode(b, s)
			if err != nil {
				return err
			}
			f.SetBytes(b[:n])
			return nil
		}
	}
	return json.Unmarshal(raw, f.Addr().Interface())
}

// plainString returns the text of a JSON string that needs no unescaping:
// no backslash and valid UTF-8 (encoding/json would replace invalid bytes).
func plainString(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	s := raw[1 : len(raw)-1]
	return s, bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s)
}

// plainUint parses a JSON number made of at most 19 digits, which cannot
// overflow a uint64; anything else is left to encoding/json.
func plainUint(raw []byte) (uint64, bool) {
	if len(raw) == 0 || len(raw) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
