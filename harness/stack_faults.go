package harness

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness/fault"
)

// UndoFunc lifts a fault applied by [Stack.Apply].
type UndoFunc = fault.Undo

// ErrNeedsServer is returned when a fault-server fault is applied to a stack
// without a local fault server (an external Target). It is
// [fault.ErrNeedsServer].
var ErrNeedsServer = fault.ErrNeedsServer

// Apply validates f and injects it now. For faults with a duration (reject
// without Count, delay_handshake, stall, restart) d is how long they last;
// network toxics and lossy mode ignore d and last until undone. It returns
// the function that lifts the fault (nil for instant faults). f is any
// registered kind's value (fault.Latency{...}) or the flat [Fault].
func (s *Stack) Apply(ctx context.Context, f fault.Fault, d time.Duration) (UndoFunc, error) {
	undo, _, err := s.apply(ctx, f, d)
	return undo, err
}

func (s *Stack) apply(ctx context.Context, f fault.Fault, d time.Duration) (UndoFunc, []string, error) {
	if err := f.Validate(); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if s.admin != nil && f.Tags().Has(fault.Server) {
		undo, err := s.applyRemote(ctx, f, d)
		return undo, nil, err
	}
	env := &stackEnv{s: s, kind: f.Name()}
	undo, err := f.Apply(ctx, env, d)
	if err != nil {
		err = fmt.Errorf("harness: %w", err)
	}
	return undo, env.toxicNames(), err
}

// stackEnv is the fault.Env of one Apply: it records the toxics it adds, for
// the fault log.
type stackEnv struct {
	s     *Stack
	kind  string
	mu    sync.Mutex
	names []string
}

func (e *stackEnv) toxicNames() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.names
}

// Server implements fault.Env.
func (e *stackEnv) Server() *faultserver.Server { return e.s.server }

// SetProxyEnabled implements fault.Env.
func (e *stackEnv) SetProxyEnabled(_ context.Context, on bool) error { return e.s.setProxyEnabled(on) }

// AddToxic implements fault.Env.
func (e *stackEnv) AddToxic(_ context.Context, typ string, stream fault.Stream, toxicity float32, attrs map[string]any) (fault.Undo, error) {
	e.s.proxyMu.Lock()
	p := e.s.proxy
	e.s.proxyMu.Unlock()
	name := e.s.names.next(FaultKind(e.kind), string(stream))
	if err := e.s.api.guard.call(context.Background(), "add toxic "+name, func() error {
		_, err := p.AddToxic(name, typ, string(stream), toxicity, attrs)
		return err
	}); err != nil {
		return nil, fmt.Errorf("harness: failed to add %s toxic: %w", typ, err)
	}
	e.mu.Lock()
	e.names = append(e.names, name)
	e.mu.Unlock()
	return func(ctx context.Context) error {
		if err := e.s.api.guard.call(ctx, "remove toxic "+name, func() error { return p.RemoveToxic(name) }); err != nil && apiErrorStatus(err) != http.StatusNotFound {
			return fmt.Errorf("harness: failed to remove toxic %s: %w", name, err)
		}
		return nil
	}, nil
}
