package harness

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/internal/wstest"
)

// fastClient is wstest.FastClient, named for the many call sites here.
func fastClient() client.Config { return wstest.FastClient() }

func TestRunZeroLossThroughDrop(t *testing.T) {
	var calls atomic.Int32
	plan := Plan{
		Name:   "drop",
		Stack:  StackOptions{Server: faultserver.Config{DisableAdmin: true}},
		Client: fastClient(),
		Load:   Load{Clients: 3, Channels: 2, Up: 20, Down: 10, Duration: Duration(1500 * time.Millisecond)},
		Timeline: Timeline{
			{At: Duration(500 * time.Millisecond), Fault: Fault{Kind: FaultDrop}},
			{At: Duration(900 * time.Millisecond), Duration: Duration(200 * time.Millisecond), Fault: Fault{Kind: FaultProxyDown}},
		},
		Drain: 5 * time.Second,
	}
	res, err := Run(context.Background(), plan, RunOptions{Progress: func(Progress) { calls.Add(1) }, ProgressEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	t.Logf("summary: %+v", s)
	t.Logf("errors: %v", res.Errors)
	if len(res.Errors) != 0 {
		t.Fatalf("run errors: %v", res.Errors)
	}
	if s.Lost != 0 || s.Duplicated != 0 || s.Reordered != 0 || s.Unexpected != 0 || s.Sent == 0 || s.Delivered != s.Sent {
		t.Fatalf("messages: %+v\nqueues: %+v", res.Messages.Total, res.Messages.Queues)
	}
	if s.Recoveries < 6 || s.Unrecovered != 0 || s.ConnectedClients != 3 {
		t.Fatalf("recoveries = %d unrecovered = %d; samples %+v", s.Recoveries, s.Unrecovered, res.Timing.Recovery)
	}
	if calls.Load() < 5 {
		t.Fatalf("progress called %d times", calls.Load())
	}
}
