package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// encoding/json matches object keys to struct fields case-insensitively and
// lets a repeated key overwrite the first one, so {"V":1,...} or
// {"seq":1,"seq":2} would slip past DisallowUnknownFields. scanObject closes
// that gap: every key must be spelled exactly as on the wire, at most once.

var (
	errNotObject    = errors.New("not a JSON object")
	errUnknownField = errors.New("unknown field")
	errDuplicate    = errors.New("duplicate field")
)

// member is one key-value pair of a scanned object.
type member struct {
	field int    // index of the key in the allowed names
	value []byte // the raw JSON value, a slice of the object
}

// scanObject checks the top-level keys of the JSON object obj: each must be
// in names (exact, case-sensitive) and appear at most once. On success it
// appends the members to ms in the order they appear; otherwise field is the
// offending key ("" when obj is not an object). Every key is checked before
// the caller looks at any value, so a bad key is reported ahead of a bad
// value wherever each appears. obj must already be valid JSON (json.Valid):
// the scan relies on it and only bounds-checks, which keeps it
// allocation-free on the hot path.
func scanObject(obj []byte, names []string, ms []member) (_ []member, field string, err error) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return ms, "", errNotObject
	}
	i++
	var seen uint64 // bit n set once names[n] was seen; messages have < 64 fields
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) {
			return ms, "", errNotObject
		}
		switch obj[i] {
		case '}':
			return ms, "", nil
		case ',':
			i = skipSpace(obj, i+1)
		}
		end := endOfString(obj, i)
		if end < 0 {
			return ms, "", errNotObject
		}
		n, key, err := lookupKey(obj[i:end], names)
		switch {
		case err != nil:
			return ms, "", err
		case n < 0:
			return ms, key, fmt.Errorf("%w %q", errUnknownField, key)
		case seen&(1<<n) != 0:
			return ms, key, fmt.Errorf("%w %q", errDuplicate, key)
		}
		seen |= 1 << n
		i = skipSpace(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return ms, "", errNotObject
		}
		start := skipSpace(obj, i+1)
		if i = skipValue(obj, start); i < 0 {
			return ms, "", errNotObject
		}
		ms = append(ms, member{field: n, value: obj[start:i]})
	}
}

// lookupKey returns the index in names of the quoted JSON string, or -1 and
// the key's text. Keys without escapes are compared in place; a key spelled
// with escapes ("\u0073eq") is unescaped first and still means "seq".
func lookupKey(quoted []byte, names []string) (int, string, error) {
	if bytes.IndexByte(quoted, '\\') < 0 {
		text := quoted[1 : len(quoted)-1]
		for n, name := range names {
			if string(text) == name {
				return n, name, nil
			}
		}
		return -1, string(text), nil
	}
	var key string
	if err := json.Unmarshal(quoted, &key); err != nil {
		return -1, "", err
	}
	for n, name := range names {
		if key == name {
			return n, name, nil
		}
	}
	return -1, key, nil
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
	default: // number, true, false, null: up to the next delimiter
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i
			}
			i++
		}
		return i
	}
}
