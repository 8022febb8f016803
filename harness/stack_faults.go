package harness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
)

// UndoFunc lifts a fault applied by [Stack.Apply].
type UndoFunc func(ctx context.Context) error

// ErrNeedsServer is returned when a fault-server fault is applied to a stack
// without a local fault server (an external Target).
var ErrNeedsServer = errors.New("fault needs a local fault server")

// Apply injects f now. For faults with a duration (reject without Count,
// delay_handshake, stall, restart) d is how long they last; network toxics
// and lossy mode ignore d and last until undone. It returns the function that
// lifts the fault (nil for instant faults).
func (s *Stack) Apply(ctx context.Context, f Fault, d time.Duration) (UndoFunc, error) {
	undo, _, err := s.apply(ctx, f, d)
	return undo, err
}

func (s *Stack) apply(ctx context.Context, f Fault, d time.Duration) (UndoFunc, []string, error) {
	if err := f.Validate(); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if f.Kind.IsServer() {
		if s.server == nil {
			return nil, nil, fmt.Errorf("harness: %s: %w", f.Kind, ErrNeedsServer)
		}
		undo, err := applyServerFault(ctx, s.server, f, d)
		return undo, nil, err
	}
	if f.Kind == FaultProxyDown {
		if err := s.setProxyEnabled(false); err != nil {
			return nil, nil, err
		}
		return func(context.Context) error { return s.setProxyEnabled(true) }, nil, nil
	}
	return s.addToxics(f)
}

// addToxics adds one toxic per stream and returns an undo that removes them.
func (s *Stack) addToxics(f Fault) (UndoFunc, []string, error) {
	typ, attrs := toxicAttributes(f)
	streams := []string{StreamDownstream, StreamUpstream}
	if f.Stream != "" && f.Stream != StreamBoth {
		streams = []string{f.Stream}
	}
	toxicity := float32(f.Toxicity)
	if toxicity == 0 {
		toxicity = 1 // Toxiproxy reads 0 as "never"
	}
	s.proxyMu.Lock()
	p := s.proxy
	s.proxyMu.Unlock()
	var names []string
	remove := func(context.Context) error {
		var errs []error
		for _, n := range names {
			if err := p.RemoveToxic(n); err != nil && apiErrorStatus(err) != http.StatusNotFound {
				errs = append(errs, fmt.Errorf("harness: failed to remove toxic %s: %w", n, err))
			}
		}
		return errors.Join(errs...)
	}
	for _, st := range streams {
		name := s.names.next(f.Kind, st)
		if _, err := p.AddToxic(name, typ, st, toxicity, attrs); err != nil {
			return nil, names, errors.Join(fmt.Errorf("harness: failed to add %s toxic: %w", typ, err),
				remove(context.Background()))
		}
		names = append(names, name)
	}
	return remove, names, nil
}

// toxicAttributes maps a network Fault onto Toxiproxy's toxic type and
// attributes (milliseconds for durations, except slicer's microseconds).
func toxicAttributes(f Fault) (string, toxiclient.Attributes) {
	ms := func(d Duration) int64 { return d.D().Milliseconds() }
	switch f.Kind {
	case FaultLatency:
		return "latency", toxiclient.Attributes{"latency": ms(f.Latency), "jitter": ms(f.Jitter)}
	case FaultBandwidth:
		return "bandwidth", toxiclient.Attributes{"rate": f.RateKBps}
	case FaultSlowClose:
		return "slow_close", toxiclient.Attributes{"delay": ms(f.Delay)}
	case FaultTimeout:
		return "timeout", toxiclient.Attributes{"timeout": ms(f.Timeout)}
	case FaultResetPeer:
		return "reset_peer", toxiclient.Attributes{"timeout": ms(f.Timeout)}
	case FaultSlicer:
		return "slicer", toxiclient.Attributes{"average_size": f.AverageSize,
			"size_variation": f.SizeVariation, "delay": f.Delay.D().Microseconds()}
	case FaultLimitData:
		return "limit_data", toxiclient.Attributes{"bytes": f.Bytes}
	}
	return string(f.Kind), toxiclient.Attributes{}
}
