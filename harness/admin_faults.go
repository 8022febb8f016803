package harness

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness/fault"
)

// applyRemote injects a fault-server fault through the target's admin API,
// with the same meaning as the kind's own Apply on a local server: the same
// selectors (every connection), durations and undo.
func (s *Stack) applyRemote(ctx context.Context, f fault.Fault, d time.Duration) (fault.Undo, error) {
	a := s.admin
	clear := func(name string) fault.Undo {
		return func(ctx context.Context) error { return a.Clear(ctx, name) }
	}
	all := true
	switch v := deref(f).(type) {
	case fault.Reject:
		body := map[string]any{"status": v.Status, "count": v.Count}
		if v.Count == 0 {
			body["for"] = d.String()
		}
		if v.RetryAfter > 0 {
			body["retry_after"] = v.RetryAfter.D().String()
		}
		return clear("reject"), a.Apply(ctx, "reject", body)
	case fault.DelayHandshake:
		return clear("delay_handshake"), a.Apply(ctx, "delay_handshake", map[string]any{"delay": v.Delay.D().String(), "for": d.String()})
	case fault.Stall:
		return clear("stall"), a.Apply(ctx, "stall", map[string]any{"all": all, "for": d.String()})
	case fault.Lossy:
		return clear("lossy"), a.Apply(ctx, "lossy", map[string]any{"drop_every": lossyDropEvery})
	case fault.Drop:
		return nil, a.Apply(ctx, "drop", map[string]any{"all": all})
	case fault.Close:
		return nil, a.Apply(ctx, "close", map[string]any{"all": all, "code": v.Code, "reason": v.Reason})
	case fault.ForgetSessions:
		return nil, a.Apply(ctx, "forget_sessions", map[string]any{})
	case fault.Restart:
		return s.restartRemote(ctx, d)
	}
	return nil, fmt.Errorf("harness: %s: no admin API route for this fault: %w", f.Name(), ErrNeedsServer)
}

// restartRemote mirrors fault.Restart: it returns once the listener is
// down, and its undo waits until it is back up.
func (s *Stack) restartRemote(ctx context.Context, d time.Duration) (fault.Undo, error) {
	a := s.admin
	since, err := a.lastID(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.Apply(ctx, "restart", map[string]any{"down": d.String()}); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, d+adminRequestTimeout)
	defer cancel()
	down, err := a.WaitEvent(wctx, since, func(e faultserver.Event) bool { return e.Kind == faultserver.EventRestartDown })
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		_, err := a.WaitEvent(ctx, down.ID, func(e faultserver.Event) bool { return e.Kind == faultserver.EventRestartUp })
		return err
	}, nil
}

// lossyDropEvery is fault.Lossy's rate (harness/fault/lossy.go), so a
// remote lossy step loses what a local one would.
const lossyDropEvery = 7

// deref turns a *Kind into Kind: the registry decodes into pointers, code
// builds values, and the kinds' methods take values.
func deref(f fault.Fault) fault.Fault {
	if rv := reflect.ValueOf(f); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		if v, ok := rv.Elem().Interface().(fault.Fault); ok {
			return v
		}
	}
	return f
}

// DrivenElsewhere wraps a fault-server fault that another process drives
// (shard 0 of a sharded run): applying it does nothing, but the step stays
// in the timeline and the fault log, so this process's report and its
// uptime "excluding injected outages" know the outage window.
func DrivenElsewhere(f fault.Fault) fault.Fault { return elsewhere{f} }

type elsewhere struct{ fault.Fault }

// Tags drops Server: nothing is applied here, so no server is needed.
func (e elsewhere) Tags() fault.Tags { return e.Fault.Tags() &^ fault.Server }

func (e elsewhere) Apply(context.Context, fault.Env, time.Duration) (fault.Undo, error) {
	if e.Fault.Tags().Has(fault.Instant) {
		return nil, nil
	}
	return func(context.Context) error { return nil }, nil
}

func (e elsewhere) String() string { return e.Fault.String() + " (driven by shard 0)" }
