package harness

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestToxiGuardAbandonsAStuckCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g toxiGuard
		if err := g.call(t.Context(), "quick", func() error { return nil }); err != nil {
			t.Fatalf("a call that answers: %v", err)
		}
		want := errors.New("refused")
		if err := g.call(t.Context(), "refused", func() error { return want }); !errors.Is(err, want) {
			t.Fatalf("a call's own error: got %v", err)
		}
		release := make(chan struct{})
		start := time.Now()
		err := g.call(t.Context(), "remove toxic x", func() error { <-release; return nil })
		if !errors.Is(err, ErrToxiproxyStuck) {
			t.Fatalf("a call that never answers: got %v, want ErrToxiproxyStuck", err)
		}
		if took := time.Since(start); took != toxiproxyCallTimeout {
			t.Fatalf("gave up after %v, want exactly %v", took, toxiproxyCallTimeout)
		}
		// Every later call would queue behind the stuck one: skipped at once.
		start = time.Now()
		ran := false
		err = g.call(t.Context(), "delete proxy", func() error { ran = true; return nil })
		if !errors.Is(err, ErrToxiproxyStuck) || ran || time.Since(start) != 0 {
			t.Fatalf("after a stuck call: err %v, ran %v, waited %v; want skipped at once", err, ran, time.Since(start))
		}
		close(release)
	})
}

func TestToxiGuardHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g toxiGuard
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		release := make(chan struct{})
		start := time.Now()
		if err := g.call(ctx, "slow", func() error { <-release; return nil }); !errors.Is(err, ErrToxiproxyStuck) {
			t.Fatalf("got %v", err)
		}
		if took := time.Since(start); took != time.Second {
			t.Fatalf("gave up after %v, want the context's 1s", took)
		}
		close(release)
	})
}

func TestNoteToxiproxyStuck(t *testing.T) {
	res := &Result{}
	noteToxiproxyStuck(res, errors.New("other"), time.Time{})
	if res.Harness.Inconclusive || len(res.Harness.Events) != 0 {
		t.Fatalf("another error made the run inconclusive: %+v", res.Harness)
	}
	stuck := errors.Join(errors.New("undo step 0"), ErrToxiproxyStuck)
	noteToxiproxyStuck(res, stuck, time.Time{})
	noteToxiproxyStuck(res, stuck, time.Time{})
	if !res.Harness.Inconclusive || len(res.Harness.Events) != 1 || res.Harness.Events[0].Kind != HarnessToxiproxyStuck {
		t.Fatalf("want inconclusive with exactly one toxiproxy_stuck event, got %+v", res.Harness)
	}
}
