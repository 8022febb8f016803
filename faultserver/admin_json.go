package faultserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Duration is a time.Duration that travels in JSON as a Go duration string
// ("1.5s", "250ms").
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON implements json.Unmarshaler; only strings are accepted.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"1.5s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", s)
	}
	*d = Duration(v)
	return nil
}

// decodeStrict parses body into v: unknown fields and trailing data are
// errors. An empty body is an empty object.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &RequestError{Err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &RequestError{Err: errors.New("trailing data after JSON object")}
	}
	return nil
}

// RequestError is a malformed admin request body (answered with 400).
type RequestError struct{ Err error }

func (e *RequestError) Error() string { return "bad request body: " + e.Err.Error() }

// Unwrap returns the parser error.
func (e *RequestError) Unwrap() error { return e.Err }
