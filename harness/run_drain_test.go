package harness

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// TestDrainSkipsEndedClients takes the server down for the rest of the
// load: every client gives up (failed) long before the load ends. The
// drain must not wait for deliveries a failed client can never get (it
// ends once the agent's publications are acked, after the server is back),
// nothing may be in flight once it ends, and the checker still tells
// abandoned from lost.
func TestDrainSkipsEndedClients(t *testing.T) {
	cfg := fastClient()
	cfg.MaxAttempts = 3
	const drain = 10 * time.Second
	plan := Plan{
		Name:   "outage",
		Stack:  StackOptions{Server: faultserver.Config{DisableAdmin: true}},
		Client: cfg,
		Load:   Load{Clients: 2, Channels: 2, Up: 20, Down: 20, Duration: Duration(1500 * time.Millisecond)},
		Timeline: Timeline{
			{At: Duration(300 * time.Millisecond), Duration: Duration(1200 * time.Millisecond), Fault: Fault{Kind: FaultRestart}},
		},
		Drain: drain,
	}
	var (
		mu    sync.Mutex
		check []Progress
	)
	res, err := Run(context.Background(), plan, RunOptions{Progress: func(p Progress) {
		if p.Phase == PhaseCheck {
			mu.Lock()
			check = append(check, p)
			mu.Unlock()
		}
	}, ProgressEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	t.Logf("summary: %+v", s)
	if s.FailedClients != 2 || s.Lost != 0 || s.Duplicated != 0 || s.Abandoned == 0 {
		t.Fatalf("messages %+v, clients %+v", res.Messages.Total, res.Clients)
	}
	// The measured window ends with the drain; the load ended Duration
	// after Start. Half of Drain is ample for the agent to reconnect and
	// see its acks, and far below a drain that waits for failed clients.
	if spent := res.End.Sub(res.Start) - plan.Load.Duration.D(); spent > drain/2 {
		t.Errorf("drain took %v of %v: it waited for clients that had failed", spent, drain)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(check) != 1 || check[0].InFlight != 0 || check[0].Sent == check[0].Delivered {
		t.Errorf("progress on entering check: %+v; want one snapshot, 0 in flight, deliveries missing", check)
	}
}
