package explore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness"
)

// TestHungRunIsInconclusive: a harness run that ignores its context (as
// one blocked in the embedded Toxiproxy's ToxicDelete does) is abandoned
// after its bound and reported inconclusive and hung, not as a failure.
func TestHungRunIsInconclusive(t *testing.T) {
	release := make(chan struct{})
	returned := make(chan struct{})
	oldRun, oldBound, oldGrace := runHarness, hangBound, hangGrace
	t.Cleanup(func() {
		close(release)
		<-returned
		runHarness, hangBound, hangGrace = oldRun, oldBound, oldGrace
	})
	runHarness = func(context.Context, harness.Plan, harness.RunOptions) (*harness.Result, error) {
		defer close(returned)
		<-release // ignores its context
		return nil, errors.New("released")
	}
	hangBound = func(harness.Plan) time.Duration { return 50 * time.Millisecond }
	hangGrace = 50 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o, err := RunPlan(ctx, Generate(1, Bounds{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Hung || o.Inconclusive == "" || o.Failed() || o.Verdict() != "inconclusive" {
		t.Fatalf("outcome %+v, want hung and inconclusive", o)
	}
}

// TestHangBound: connect timeout + load + drain + 30s.
func TestHangBound(t *testing.T) {
	hp := harness.Plan{Load: harness.Load{Duration: harness.Duration(5 * time.Second)}, Drain: 7 * time.Second}
	if got, want := HangBound(hp), 30*time.Second+5*time.Second+7*time.Second+30*time.Second; got != want {
		t.Fatalf("bound %v, want %v", got, want)
	}
}
