package client

import (
	"context"
	"runtime"
	"time"
)

// timerSlack is how late a runtime timer may fire on Linux: the netpoller
// sleeps in whole milliseconds, so a 5ms timer fires 5-6ms later. On
// loopback that lateness was most of a reconnect's cost beyond its scheduled
// delay (p50 ~0.5ms of ~0.7ms).
const timerSlack = time.Millisecond

// waitDelay waits out d, or until ctx ends (false). The timer is set
// timerSlack short and the rest is waited by yielding, so the next dial
// starts on time; the yield costs at most timerSlack of CPU per wait. A clock
// that does not move while yielding (testing/synctest's fake time) falls
// back to a timer for the rest.
func waitDelay(ctx context.Context, d time.Duration) bool {
	deadline := time.Now().Add(d)
	if d > timerSlack {
		if !sleepCtx(ctx, d-timerSlack) {
			return false
		}
	}
	last, still := time.Now(), 0
	for last.Before(deadline) {
		if ctx.Err() != nil {
			return false
		}
		runtime.Gosched()
		now := time.Now()
		if now.Equal(last) {
			if still++; still > 100 { // fake clock: only a timer moves it
				return sleepCtx(ctx, deadline.Sub(now))
			}
		} else {
			still = 0
		}
		last = now
	}
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
