package harness

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// startFaultServer creates and starts a fault server on loopback.
func startFaultServer(ctx context.Context, cfg faultserver.Config) (*faultserver.Server, error) {
	srv, err := faultserver.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	if err := srv.Start(ctx); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	return srv, nil
}

func clearServerFaults(_ context.Context, srv *faultserver.Server) error {
	srv.ClearFaults()
	return nil
}

// lossyDropEvery is how often lossy mode loses a publish: every 7th, so a
// short run loses several messages while most still flow.
const lossyDropEvery = 7

// applyServerFault maps a fault-server Fault onto the faultserver Go API.
// d is the step's duration, for the faults that last.
func applyServerFault(ctx context.Context, srv *faultserver.Server, f Fault, d time.Duration) (UndoFunc, error) {
	var err error
	switch f.Kind {
	case FaultDrop:
		_, err = srv.DropConnections(ctx, faultserver.AllConnections)
		return nil, err
	case FaultClose:
		_, err = srv.CloseConnections(ctx, faultserver.CloseSpec{Code: f.Code, Reason: f.Reason, Selector: faultserver.AllConnections})
		return nil, err
	case FaultForget:
		srv.ForgetSessions()
		return nil, nil
	case FaultReject:
		err = srv.RejectHandshakes(faultserver.RejectSpec{Count: f.Count, For: d, Status: f.Status, RetryAfter: f.RetryAfter.D()})
		return clearing(srv, "reject"), err
	case FaultDelayHandshake:
		err = srv.DelayHandshakes(faultserver.DelaySpec{Delay: f.Delay.D(), For: d})
		return clearing(srv, "delay"), err
	case FaultStall:
		_, err = srv.Stall(faultserver.StallSpec{Selector: faultserver.AllConnections, For: d})
		return func(context.Context) error { srv.Unstall(); return nil }, err
	case FaultLossy:
		err = srv.SetLossy(faultserver.LossySpec{DropEvery: lossyDropEvery})
		return func(context.Context) error { return srv.SetLossy(faultserver.LossySpec{}) }, err
	case FaultRestart:
		return startRestart(ctx, srv, d)
	}
	return nil, fmt.Errorf("harness: %w: %s is not a fault-server action", ErrInvalidFault, f.Kind)
}

func clearing(srv *faultserver.Server, name string) UndoFunc {
	return func(context.Context) error {
		if err := srv.ClearFault(name); err != nil && !errors.Is(err, faultserver.ErrUnknownFault) {
			return err
		}
		return nil
	}
}

// startRestart runs Restart in the background (it blocks for the whole down
// time); the undo waits for the listener to be back.
func startRestart(ctx context.Context, srv *faultserver.Server, d time.Duration) (UndoFunc, error) {
	done := make(chan error, 1)
	down := make(chan struct{})
	after := lastEventID(srv)
	go func() {
		done <- srv.Restart(context.WithoutCancel(ctx), d)
	}()
	// Return once the listener is really down, so the fault log's start time
	// is the start of the outage.
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
			return fmt.Errorf("harness: waiting for the fault server to restart: %w", ctx.Err())
		}
	}, nil
}

// lastEventID is the id of srv's newest event; 0 with no fault server (a
// Target), whose events the harness cannot see.
func lastEventID(srv *faultserver.Server) uint64 {
	if srv == nil {
		return 0
	}
	evs := srv.Events()
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].ID
}

// serverEventsSince returns the local fault server's events after id; nil
// with a Target.
func (s *Stack) serverEventsSince(id uint64) []faultserver.Event {
	if s.server == nil {
		return nil
	}
	return s.server.EventsSince(id)
}
