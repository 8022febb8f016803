package explore

import (
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/history"
)

func cleanResult() *harness.Result {
	return &harness.Result{
		Messages: harness.MessageReport{Total: harness.MessageCounts{Sent: 10, Acked: 10, Delivered: 10}},
		Clients:  []harness.ClientResult{{Index: 0, FinalState: "connected"}, {Index: 1, FinalState: "connected"}},
		Timing:   harness.TimingReport{Recovery: []history.RecoverySample{{Client: 0, Reattached: time.Second}}},
	}
}

func classes(vs []Violation) []Class {
	out := make([]Class, len(vs))
	for i, v := range vs {
		out[i] = v.Class
	}
	return out
}

// TestCheck: each invariant passes on a clean result and fails, with
// exactly its class, when the result breaks it.
func TestCheck(t *testing.T) {
	p := Plan{Timeline: []Step{{At: time.Second, Duration: 2 * time.Second, Fault: "stall"}}}
	if vs := Check(p, cleanResult()); len(vs) != 0 {
		t.Fatalf("clean result: %v", vs)
	}
	limitedPlan := p
	limitedPlan.Client.MaxAttempts = 3
	cases := []struct {
		name   string
		plan   Plan
		break_ func(r *harness.Result)
		want   []Class
	}{
		{"lost", p, func(r *harness.Result) { r.Messages.Total.Lost = 2 }, []Class{ClassLost}},
		{"duplicated", p, func(r *harness.Result) { r.Messages.Total.Duplicated = 1 }, []Class{ClassDuplicated}},
		{"reordered", p, func(r *harness.Result) { r.Messages.Total.Reordered = 1 }, []Class{ClassReordered}},
		{"unexpected", p, func(r *harness.Result) { r.Messages.Total.Unexpected = 1 }, []Class{ClassUnexpected}},
		{"failed without a limit", p, func(r *harness.Result) { r.Clients[1].FinalState = "failed" }, []Class{ClassFailed}},
		{"closed early", p, func(r *harness.Result) { r.Clients[0].FinalState = "reconnecting" }, []Class{ClassFailed}},
		{"failed by a configured limit", limitedPlan, func(r *harness.Result) { r.Clients[1].FinalState = "failed" }, nil},
		{"unrecovered", p, func(r *harness.Result) { r.Summary.Unrecovered = 1 }, []Class{ClassUnrecovered}},
		{"slow recovery", p, func(r *harness.Result) { r.Timing.Recovery[0].Reattached = RecoveryBound(p) + time.Millisecond }, []Class{ClassRecovery}},
		{"recovery at the bound", p, func(r *harness.Result) { r.Timing.Recovery[0].Reattached = RecoveryBound(p) }, nil},
		{"handed back is no failure", p, func(r *harness.Result) { r.Messages.Total.HandedBack = 3 }, nil},
		{"lost and duplicated", p, func(r *harness.Result) { r.Messages.Total.Lost, r.Messages.Total.Duplicated = 1, 1 }, []Class{ClassLost, ClassDuplicated}},
	}
	for _, c := range cases {
		r := cleanResult()
		c.break_(r)
		got := classes(Check(c.plan, r))
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	}
}

// TestRecoveryBound: the session's documented worst case plus the faults'
// durations, rounded up to 100ms.
func TestRecoveryBound(t *testing.T) {
	p := Plan{Timeline: []Step{{Duration: 1500 * time.Millisecond}, {Duration: 20 * time.Millisecond}}}
	p.Client.HandshakeTimeout = time.Second
	p.Client.Backoff.Base, p.Client.Backoff.Cap = 100*time.Millisecond, time.Second
	// 2*(1s + 3*10s) + the largest backoff delay (cap 1s, +25% jitter) + 1.52s
	// of faults = 64.77s, rounded up to 64.8s.
	want := 64800 * time.Millisecond
	if got := RecoveryBound(p); got != want {
		t.Fatalf("bound %v, want %v", got, want)
	}
}

func TestPrimaryAndInconclusive(t *testing.T) {
	vs := []Violation{{Class: ClassRecovery}, {Class: ClassDuplicated}}
	if Primary(vs) != ClassDuplicated || Primary(nil) != "" {
		t.Fatalf("primary %q", Primary(vs))
	}
	r := cleanResult()
	if why := inconclusive(r); why != "" {
		t.Fatalf("clean result inconclusive: %s", why)
	}
	r.Errors = []string{"fault 1 failed to apply"}
	if why := inconclusive(r); why == "" {
		t.Fatal("a run with errors must be inconclusive")
	}
	o := Outcome{Inconclusive: "x", Violations: nil}
	if o.Verdict() != "inconclusive" || o.Failed() {
		t.Fatalf("verdict %s", o.Verdict())
	}
}
