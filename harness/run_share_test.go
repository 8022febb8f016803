package harness

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestRunsShareATarget runs two plans at once against one target server:
// each run's channels are its own, so neither sees the other's messages
// (with shared channel names each would count the other's traffic as
// duplicated or unexpected).
func TestRunsShareATarget(t *testing.T) {
	_, target := startTarget(t)
	plan := Plan{
		Name:   "shared",
		Stack:  StackOptions{Target: target},
		Client: fastClient(),
		Load:   Load{Clients: 2, Channels: 2, Up: 20, Down: 20, Duration: Duration(time.Second)},
		Drain:  5 * time.Second,
	}
	var (
		wg   sync.WaitGroup
		res  [2]*Result
		errs [2]error
	)
	for i := range res {
		wg.Go(func() { res[i], errs[i] = Run(context.Background(), plan, RunOptions{}) })
	}
	wg.Wait()
	for i, r := range res {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		s := r.Summary
		if len(r.Errors) != 0 || !r.Messages.OK() || s.Sent == 0 || s.Delivered != s.Sent {
			t.Errorf("run %d: errors %v, messages %+v", i, r.Errors, r.Messages.Total)
		}
		if len(r.Clients) != 2 || len(r.Clients[0].Channels) != 2 {
			t.Fatalf("run %d clients: %+v", i, r.Clients)
		}
	}
	for _, c := range res[0].Clients {
		for _, ch := range c.Channels {
			for _, o := range res[1].Clients {
				if slices.Contains(o.Channels, ch) {
					t.Errorf("channel %s used by both runs", ch)
				}
			}
		}
	}
}
