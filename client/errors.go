package client

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors returned by Send and friends. Compare with errors.Is.
var (
	// ErrQueueFull is returned by Send when the outbound queue is full and the
	// overflow policy is OverflowError.
	ErrQueueFull = errors.New("client: outbound queue full")
	// ErrTooLarge is returned by Send for a message larger than QueueConfig.MaxBytes:
	// it could never fit, so it is refused under every policy.
	ErrTooLarge = errors.New("client: message larger than the queue's byte bound")
	// ErrClosed is returned once Close has been called.
	ErrClosed = errors.New("client: closed")
	// ErrFailed is returned once the client has reached StateFailed; the
	// returned error also wraps the terminal error (see Client.Err).
	ErrFailed = errors.New("client: failed")
)

// LimitError is the terminal error when a retry limit is reached. Kind says
// which limit (branch on it); Limit is Kind.String() ("max attempts" or "max
// elapsed"), kept for callers that compared the text; Last is the failure that
// triggered it.
type LimitError struct {
	Kind     LimitKind
	Limit    string
	Attempts int           // consecutive failed attempts in the streak
	Elapsed  time.Duration // time since the connection was last healthy (or since New)
	Last     error
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("client: gave up after reaching %s (%d attempts, %s elapsed): %v",
		e.Limit, e.Attempts, e.Elapsed.Round(time.Millisecond), e.Last)
}

// Unwrap returns the last failure.
func (e *LimitError) Unwrap() error { return e.Last }

// FatalError is the terminal error when a failure is classified fatal (see
// Classify). HTTPStatus or CloseCode says which answer was fatal (0 if neither).
type FatalError struct {
	HTTPStatus int
	CloseCode  int
	Err        error
}

func (e *FatalError) Error() string {
	switch {
	case e.HTTPStatus != 0:
		return fmt.Sprintf("client: fatal handshake status %d: %v", e.HTTPStatus, e.Err)
	case e.CloseCode != 0:
		return fmt.Sprintf("client: fatal close code %d: %v", e.CloseCode, e.Err)
	}
	return fmt.Sprintf("client: fatal: %v", e.Err)
}

// Unwrap returns the underlying failure.
func (e *FatalError) Unwrap() error { return e.Err }

// HandshakeError is a failed dial. Status is the HTTP status the server
// answered with (0 when there was no HTTP answer: refused, timeout, TLS).
// RetryAfter is the parsed Retry-After header of a 429 or 503 answer (0
// otherwise, or if absent or unparsable). The supervisor waits at least this
// long before the next dial, but never longer than Backoff.Cap.
type HandshakeError struct {
	Status     int
	RetryAfter time.Duration
	Err        error
}

func (e *HandshakeError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("client: failed to handshake: HTTP %d: %v", e.Status, e.Err)
	}
	return fmt.Sprintf("client: failed to dial: %v", e.Err)
}

// Unwrap returns the underlying dial error.
func (e *HandshakeError) Unwrap() error { return e.Err }

// CloseError is a close frame received from the server.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("client: server closed the connection: code %d %q", e.Code, e.Reason)
}

// HeartbeatError means no frame arrived within PongTimeout: the connection was
// declared dead (half-open) and replaced.
type HeartbeatError struct {
	Timeout time.Duration
	Err     error
}

func (e *HeartbeatError) Error() string {
	return fmt.Sprintf("client: no frame received within %s: %v", e.Timeout, e.Err)
}

// Unwrap returns the read error that reported the deadline.
func (e *HeartbeatError) Unwrap() error { return e.Err }

// CloseCode returns the close code carried by err (a *CloseError anywhere in
// its chain), or 0.
func CloseCode(err error) int {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// HTTPStatus returns the handshake status carried by err (a *HandshakeError
// anywhere in its chain), or 0.
func HTTPStatus(err error) int {
	var he *HandshakeError
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}
