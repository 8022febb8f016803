package fault

import (
	"context"
	"fmt"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// Restart takes the server's listener down for the step's duration
// (dropping every connection), then brings it back on the same port.
type Restart struct{}

func init() {
	Register("restart", "take the server's listener down for the duration, dropping every connection",
		func() Fault { return &Restart{} })
}

// Name implements Fault.
func (Restart) Name() string { return "restart" }

// Tags implements Fault.
func (Restart) Tags() Tags { return serverTags | Outage }

// NeedsDuration implements Fault.
func (Restart) NeedsDuration() bool { return true }

// Validate implements Fault.
func (Restart) Validate() error { return nil }

// Apply runs Restart in the background (it blocks for the whole down time)
// and returns once the listener is really down, so the fault log's start
// time is the start of the outage; the undo waits for it to be back.
func (Restart) Apply(ctx context.Context, env Env, d time.Duration) (Undo, error) {
	srv, err := needServer(env, "restart")
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	down := make(chan struct{})
	var after uint64
	if evs := srv.Events(); len(evs) > 0 {
		after = evs[len(evs)-1].ID
	}
	go func() {
		done <- srv.Restart(context.WithoutCancel(ctx), d)
	}()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel() // frees the watcher if Restart failed before going down
	go func() {
		_, _ = srv.WaitEvent(wctx, after, func(e faultserver.Event) bool { return e.Kind == faultserver.EventRestartDown })
		close(down)
	}()
	select {
	case <-down:
	case err := <-done:
		done <- err
	case <-ctx.Done():
	}
	return func(ctx context.Context) error {
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return fmt.Errorf("waiting for the fault server to restart: %w", ctx.Err())
		}
	}, nil
}

func (Restart) String() string { return "restart" }
