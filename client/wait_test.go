package client

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestWaitDelay: under a fake clock the wait still ends exactly at the
// deadline (the yield loop notices the clock does not move and falls back to
// a timer), for delays above and below the timer slack; a cancelled ctx ends
// it early with false.
func TestWaitDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, d := range []time.Duration{0, 300 * time.Microsecond, time.Millisecond, 5 * time.Millisecond, 2 * time.Second} {
			start := time.Now()
			if !waitDelay(context.Background(), d) {
				t.Fatalf("waitDelay(%v) = false", d)
			}
			if got := time.Since(start); got != d {
				t.Fatalf("waitDelay(%v) took %v", d, got)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(time.Second); cancel() }()
		start := time.Now()
		if waitDelay(ctx, time.Minute) || time.Since(start) != time.Second {
			t.Fatalf("cancelled wait returned true or took %v", time.Since(start))
		}
	})
}
