package fault

import (
	"bytes"
	"fmt"
	"time"
)

// Duration is a time.Duration that reads and writes as a Go duration string
// ("1.5s", "250ms") in JSON, YAML and any other text encoding. A bare 0 is
// accepted too.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q: want a duration such as 250ms", b)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalJSON accepts a duration string or the number 0.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("0")) {
		*d = 0
		return nil
	}
	if len(b) < 2 || b[0] != '"' {
		return fmt.Errorf("%s has no unit: want a duration such as 250ms", b)
	}
	return d.UnmarshalText(b[1 : len(b)-1])
}
