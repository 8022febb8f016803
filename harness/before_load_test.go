package harness

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestBeforeLoad: the hook runs after connect and before the load; its
// error ends the run with that error and no run phase; nil lets the run go on.
func TestBeforeLoad(t *testing.T) {
	stop := errors.New("late")
	for _, hookErr := range []error{stop, nil} {
		var mu sync.Mutex
		var phases []Phase
		var atHook []Phase
		plan := Plan{Client: fastClient(), Load: Load{Clients: 2, Channels: 1, Duration: Duration(300 * time.Millisecond)},
			Stack: StackOptions{Toxiproxy: ToxiproxyEmbedded}}
		res, err := Run(t.Context(), plan, RunOptions{
			Progress: func(p Progress) {
				mu.Lock()
				defer mu.Unlock()
				if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
					phases = append(phases, p.Phase)
				}
			},
			BeforeLoad: func(context.Context) error {
				mu.Lock()
				defer mu.Unlock()
				atHook = append([]Phase(nil), phases...)
				return hookErr
			},
		})
		if hookErr != nil {
			if !errors.Is(err, stop) || res != nil {
				t.Fatalf("hook error: Run = %v, %v; want the hook's error and no result", res, err)
			}
		} else if err != nil || res == nil || res.Summary.Sent == 0 {
			t.Fatalf("nil hook error: Run = %v, %v; want a run", res, err)
		}
		if len(atHook) == 0 || atHook[len(atHook)-1] != PhaseConnect {
			t.Errorf("phases at the hook %v; want it called at the end of connect", atHook)
		}
	}
}
