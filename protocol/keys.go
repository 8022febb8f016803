package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// encoding/json matches object keys to struct fields case-insensitively and
// lets a repeated key overwrite the first one, so {"V":1,...} or
// {"seq":1,"seq":2} would slip past DisallowUnknownFields. checkKeys closes
// that gap: every key must be spelled exactly as on the wire, at most once.

var envelopeKeys = []string{"v", "type", "body"}

// bodyKeys lists the exact wire keys of each message type, from its json tags.
var bodyKeys = func() map[Type][]string {
	types := []Message{Hello{}, Welcome{}, Resume{}, Resumed{}, ResumeFailed{}, Attach{},
		Attached{}, Detach{}, Detached{}, Publish{}, Ack{}, ChannelMessage{}, DeliverAck{}, ErrorMessage{}}
	out := make(map[Type][]string, len(types))
	for _, m := range types {
		rt := reflect.TypeOf(m)
		keys := make([]string, 0, rt.NumField())
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			keys = append(keys, name)
		}
		out[m.MessageType()] = keys
	}
	return out
}()

var (
	errNotObject    = errors.New("not a JSON object")
	errUnknownField = errors.New("unknown field")
	errDuplicate    = errors.New("duplicate field")
)

// checkKeys reports the first top-level key of the JSON object obj that is
// not in allowed (exact, case-sensitive) or appears twice; field is that key.
// obj must already be valid JSON (json.Valid): the scan relies on it and only
// bounds-checks, which keeps it allocation-free on the hot path.
func checkKeys(obj []byte, allowed []string) (field string, err error) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return "", errNotObject
	}
	i++
	var seen uint64 // bit n set once allowed[n] was seen; messages have < 64 fields
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) {
			return "", errNotObject
		}
		switch obj[i] {
		case '}':
			return "", nil
		case ',':
			i = skipSpace(obj, i+1)
		}
		end := endOfString(obj, i)
		if end < 0 {
			return "", errNotObject
		}
		key, err := keyText(obj[i:end])
		if err != nil {
			return "", err
		}
		n := indexOf(allowed, key)
		switch {
		case n < 0:
			return key, fmt.Errorf("%w %q", errUnknownField, key)
		case seen&(1<<n) != 0:
			return key, fmt.Errorf("%w %q", errDuplicate, key)
		}
		seen |= 1 << n
		i = skipSpace(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return "", errNotObject
		}
		i = skipValue(obj, skipSpace(obj, i+1))
		if i < 0 {
			return "", errNotObject
		}
	}
}

// keyText returns the text of a quoted JSON string, unescaping only when it
// has escapes (a key spelled "\u0073eq" is still "seq").
func keyText(quoted []byte) (string, error) {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1]), nil
	}
	var s string
	err := json.Unmarshal(quoted, &s)
	return s, err
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// endOfString returns the index just past the string starting at b[i], or -1.
func endOfString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the index just past the JSON value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return endOfString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = endOfString(b, i)
				if i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	default: // number, true, false, null
		for i < len(b) && !bytes.ContainsRune([]byte(",}] \t\r\n"), rune(b[i])) {
			i++
		}
		return i
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// typeErrorField names the field of a JSON type mismatch, or "".
func typeErrorField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}
