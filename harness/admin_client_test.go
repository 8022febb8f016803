package harness

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness/fault"
)

const adminTestToken = "admin-test-token"

// startAdminTarget runs a fault server with its admin API (token required)
// on loopback: a `wschaos serve` the harness reaches only by URL.
func startAdminTarget(t *testing.T) (srv *faultserver.Server, session, admin string) {
	t.Helper()
	srv, err := faultserver.New(faultserver.Config{AdminToken: adminTestToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	return srv, "ws://" + srv.Addr() + faultserver.SessionPath, srv.AdminURL()
}

// TestRunDrivesTargetServerFaults: with TargetAdmin, every server fault of
// the timeline reaches the target through its admin API (close, restart,
// reject with its own clearing), the run recovers, and the target's events
// land in the Result.
func TestRunDrivesTargetServerFaults(t *testing.T) {
	srv, session, adminURL := startAdminTarget(t)
	admin, err := NewAdminClient(adminURL, adminTestToken)
	if err != nil {
		t.Fatal(err)
	}
	const clients = 3
	plan := Plan{
		Name:   "target-admin",
		Stack:  StackOptions{Target: session, TargetAdmin: admin},
		Client: fastClient(),
		Load:   Load{Clients: clients, Channels: 1, Up: 10, Down: 10, Duration: Duration(3 * time.Second)},
		Timeline: Timeline{
			{At: Duration(300 * time.Millisecond), Fault: fault.Close{Code: 1012, Reason: "deploy"}},
			{At: Duration(1 * time.Second), Duration: Duration(500 * time.Millisecond), Fault: fault.Restart{}},
			{At: Duration(2 * time.Second), Duration: Duration(300 * time.Millisecond), Fault: &fault.Reject{Status: 503}},
		},
		Drain: 5 * time.Second,
	}
	res, err := Run(t.Context(), plan, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 {
		t.Fatalf("run errors: %v", res.Errors)
	}
	s := res.Summary
	if s.Lost != 0 || s.Duplicated != 0 || s.FailedClients != 0 || s.Sent == 0 {
		t.Fatalf("summary %+v", s)
	}
	kinds := map[faultserver.EventKind]int{}
	faults := map[string]int{}
	for _, e := range res.ServerEvents {
		kinds[e.Kind]++
		if e.Kind == faultserver.EventFault {
			faults[e.Fault]++
		}
	}
	if kinds[faultserver.EventRestartDown] != 1 || kinds[faultserver.EventRestartUp] != 1 {
		t.Errorf("restart events %d down / %d up; want 1 / 1", kinds[faultserver.EventRestartDown], kinds[faultserver.EventRestartUp])
	}
	if faults["close"] != 1 || faults["reject"] < 1 {
		t.Errorf("fault events %v: want close once and reject set (and cleared)", faults)
	}
	if got := len(srv.ActiveFaults()); got != 0 {
		t.Errorf("%d faults still active on the target after the run", got)
	}
	// Every client was closed at 300ms: each recovered at least once.
	if s.Recoveries < clients || s.Unrecovered != 0 {
		t.Errorf("recoveries %d unrecovered %d", s.Recoveries, s.Unrecovered)
	}
}

// TestAdminClientRefusesBadToken: a wrong token fails the stack before any
// client connects, naming the status and where the token comes from.
func TestAdminClientRefusesBadToken(t *testing.T) {
	_, session, adminURL := startAdminTarget(t)
	admin, err := NewAdminClient(adminURL, "wrong")
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewStack(t.Context(), StackOptions{Target: session, TargetAdmin: admin, Toxiproxy: ToxiproxyEmbedded})
	var ae *AdminError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v; want an *AdminError with 401", err)
	}
	if _, err := NewAdminClient("ftp://x", ""); !errors.Is(err, ErrInvalidPlan) {
		t.Errorf("ftp URL: err = %v; want ErrInvalidPlan", err)
	}
}

// TestDrivenElsewhere: the wrapped step applies nothing, needs no server
// and keeps the kind and outage tag.
func TestDrivenElsewhere(t *testing.T) {
	f := DrivenElsewhere(fault.Restart{})
	if f.Tags().Has(fault.Server) || !f.Tags().Has(fault.Outage) || f.Name() != "restart" {
		t.Fatalf("tags %v name %s", f.Tags(), f.Name())
	}
	undo, err := f.Apply(t.Context(), nil, time.Second)
	if err != nil || undo == nil || undo(t.Context()) != nil {
		t.Fatalf("apply: undo %v err %v", undo != nil, err)
	}
	plan := Plan{Stack: StackOptions{Target: "ws://127.0.0.1:1/ws"}, Load: Load{Duration: Duration(2 * time.Second)},
		Timeline: Timeline{{At: 0, Duration: Duration(time.Second), Fault: f}}}
	if err := plan.Validate(); err != nil {
		t.Errorf("plan with a step driven elsewhere against a target: %v", err)
	}
	plan.Timeline[0].Fault = fault.Restart{}
	if err := plan.Validate(); !errors.Is(err, ErrNeedsServer) {
		t.Errorf("negative control: the bare server fault against a target: %v", err)
	}
}
