package harness

import (
	"context"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// TestTimelineUndoOutlivesItsContext ends the timeline's context exactly
// when a restart's duration ends, as Run does when the last fault runs to
// the end of the load. The restart began after start, so its undo is still
// waiting for the listener when ctx ends: the undo must finish anyway.
func TestTimelineUndoOutlivesItsContext(t *testing.T) {
	s, err := NewStack(context.Background(), StackOptions{Server: faultserver.Config{DisableAdmin: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	const down = 300 * time.Millisecond
	start := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(down))
	defer cancel()
	var log FaultLog
	tl := Timeline{{Duration: Duration(down), Fault: Fault{Kind: FaultRestart}}}
	if err := s.RunTimeline(ctx, start, tl, &log); err != nil {
		t.Fatalf("timeline: %v", err)
	}
	e := log.Entries()
	if len(e) != 1 || e[0].Err != "" || e[0].End.IsZero() {
		t.Fatalf("fault log = %+v", e)
	}
	if n := s.Server().CountEvents(faultserver.EventRestartUp); n != 1 {
		t.Fatalf("restart_up events = %d, want 1", n)
	}
}
