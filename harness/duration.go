package harness

import (
	"fmt"
	"time"
)

// Duration is a time.Duration that reads and writes as a Go duration string
// ("1.5s", "250ms") in JSON, YAML and any other text encoding.
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
		return fmt.Errorf("harness: invalid duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}
