package shard

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// StartAtEnv is the environment variable read when --start-at is not given.
const StartAtEnv = "WSCHAOS_START_AT"

// DefaultStartTolerance is how late a shard may arrive after the start
// instant before it refuses to run: later, its load would not overlap the
// other shards' and the merged verdict would not describe one run.
const DefaultStartTolerance = 5 * time.Second

// ParseStartAt reads the coordinated start instant from the flag value, or
// from lookup(StartAtEnv) when the flag is empty. ok is false when neither is
// set (an unsharded run starts at once). The form is RFC 3339.
func ParseStartAt(flag string, lookup func(string) (string, bool)) (t time.Time, ok bool, err error) {
	src, v := "--start-at", strings.TrimSpace(flag)
	if v == "" && lookup != nil {
		e, _ := lookup(StartAtEnv)
		src, v = "$"+StartAtEnv, strings.TrimSpace(e)
	}
	if v == "" {
		return time.Time{}, false, nil
	}
	t, err = time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("invalid %s %q: want RFC 3339, e.g. 2026-12-01T23:30:00Z: %w", src, v, err)
	}
	return t, true, nil
}

// LateError is a shard that reached the start instant too late.
type LateError struct {
	StartAt   time.Time
	Arrived   time.Time
	Tolerance time.Duration
}

func (e *LateError) Error() string {
	return fmt.Sprintf("shard arrived %v after the start instant %s (tolerance %v): its load would not overlap the other shards'; rerun all shards with a later --start-at",
		e.Arrived.Sub(e.StartAt).Round(time.Millisecond), e.StartAt.UTC().Format(time.RFC3339), e.Tolerance)
}

// WaitStart blocks until at (by now and the timer, so tests can run under
// testing/synctest) and returns nil; a *LateError when now() is already
// past at+tolerance; ctx's error when cancelled first.
func WaitStart(ctx context.Context, at time.Time, tolerance time.Duration, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	t := now()
	if late := t.Sub(at); late > tolerance {
		return &LateError{StartAt: at, Arrived: t, Tolerance: tolerance}
	}
	wait := at.Sub(t)
	if wait <= 0 {
		return nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for start instant %s: %w", at.UTC().Format(time.RFC3339), ctx.Err())
	}
}
