package client

import (
	"fmt"
	"strings"
)

// The names below are the ones scenario files use. Each type marshals to its
// name and parses it case-insensitively (like log/slog.Level), so it can be a
// field of a JSON, YAML or flag value directly.

var jitterNames = []string{"proportional", "none", "full", "equal", "decorrelated", "phased"}

var overflowNames = []string{"block", "error", "drop_oldest"}

var stateNames = []string{"connecting", "connected", "reconnecting", "failed", "closed"}

var limitNames = []string{"max attempts", "max elapsed"}

// nameOf returns names[i], or an error naming the type when i is out of range.
func nameOf(typ string, names []string, i int) (string, error) {
	if i < 0 || i >= len(names) {
		return "", fmt.Errorf("client: cannot marshal %s(%d): not a valid %s", typ, i, typ)
	}
	return names[i], nil
}

// parseName finds text among names, ignoring case and surrounding space.
func parseName(typ string, names []string, text []byte) (int, error) {
	s := strings.TrimSpace(string(text))
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("client: unknown %s %q (valid: %s)", typ, s, strings.Join(names, ", "))
}

// MarshalText returns the mode's name ("proportional", "none", "full",
// "equal", "decorrelated", "phased").
func (j JitterMode) MarshalText() ([]byte, error) {
	s, err := nameOf("JitterMode", jitterNames, int(j))
	return []byte(s), err
}

// UnmarshalText parses a mode name, case-insensitively.
func (j *JitterMode) UnmarshalText(text []byte) error {
	i, err := parseName("JitterMode", jitterNames, text)
	if err == nil {
		*j = JitterMode(i)
	}
	return err
}

// String returns the policy's name ("block", "error", "drop_oldest").
func (p OverflowPolicy) String() string {
	if s, err := nameOf("OverflowPolicy", overflowNames, int(p)); err == nil {
		return s
	}
	return fmt.Sprintf("OverflowPolicy(%d)", int(p))
}

// MarshalText returns the policy's name.
func (p OverflowPolicy) MarshalText() ([]byte, error) {
	s, err := nameOf("OverflowPolicy", overflowNames, int(p))
	return []byte(s), err
}

// UnmarshalText parses a policy name, case-insensitively.
func (p *OverflowPolicy) UnmarshalText(text []byte) error {
	i, err := parseName("OverflowPolicy", overflowNames, text)
	if err == nil {
		*p = OverflowPolicy(i)
	}
	return err
}

// MarshalText returns the state's name ("connecting", "connected",
// "reconnecting", "failed", "closed").
func (s State) MarshalText() ([]byte, error) {
	n, err := nameOf("State", stateNames, int(s))
	return []byte(n), err
}

// UnmarshalText parses a state name, case-insensitively.
func (s *State) UnmarshalText(text []byte) error {
	i, err := parseName("State", stateNames, text)
	if err == nil {
		*s = State(i)
	}
	return err
}

// LimitKind says which retry limit a LimitError reports.
type LimitKind int

// The retry limits. The zero value is LimitMaxAttempts.
const (
	// LimitMaxAttempts: Config.MaxAttempts consecutive failed attempts.
	LimitMaxAttempts LimitKind = iota
	// LimitMaxElapsed: Config.MaxElapsed since the connection was last healthy.
	LimitMaxElapsed
)

// String returns "max attempts" or "max elapsed" (the LimitError.Limit text).
func (k LimitKind) String() string {
	if s, err := nameOf("LimitKind", limitNames, int(k)); err == nil {
		return s
	}
	return fmt.Sprintf("LimitKind(%d)", int(k))
}

// MarshalText returns the kind's name.
func (k LimitKind) MarshalText() ([]byte, error) {
	s, err := nameOf("LimitKind", limitNames, int(k))
	return []byte(s), err
}

// UnmarshalText parses a kind name, case-insensitively; "max_attempts" and
// "max_elapsed" are accepted too.
func (k *LimitKind) UnmarshalText(text []byte) error {
	i, err := parseName("LimitKind", limitNames, []byte(strings.ReplaceAll(string(text), "_", " ")))
	if err == nil {
		*k = LimitKind(i)
	}
	return err
}
