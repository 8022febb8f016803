package fault

import (
	"context"
	"time"
)

// ForgetSessions forgets every session: resumes fail and clients resync.
type ForgetSessions struct{}

func init() {
	Register("forget_sessions", "forget every session: resumes fail and clients resync",
		func() Fault { return &ForgetSessions{} }, "forget")
}

// Name implements Fault.
func (ForgetSessions) Name() string { return "forget_sessions" }

// Tags implements Fault.
func (ForgetSessions) Tags() Tags { return serverTags | Instant }

// NeedsDuration implements Fault.
func (ForgetSessions) NeedsDuration() bool { return false }

// Validate implements Fault.
func (ForgetSessions) Validate() error { return nil }

// Apply implements Fault.
func (ForgetSessions) Apply(_ context.Context, env Env, _ time.Duration) (Undo, error) {
	srv, err := needServer(env, "forget_sessions")
	if err != nil {
		return nil, err
	}
	srv.ForgetSessions()
	return nil, nil
}

func (ForgetSessions) String() string { return "forget_sessions" }
