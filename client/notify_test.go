package client

import (
	"errors"
	"runtime"
	"testing"
	"testing/synctest"

	"github.com/wschaos/wschaos/protocol"
)

// TestSubscriptionTryNextAndNotify: Notify fires once per buffered message
// and once at the end (exact: 3 + 1), never under the subscription's lock
// (the callback itself calls TryNext); TryNext gives the messages in order
// without blocking, then (false, nil) while live, then the end's error.
func TestSubscriptionTryNextAndNotify(t *testing.T) {
	_, sub := newTestSub("ch")
	sub.beginSync(1, false)
	sub.onAttached(protocol.Attached{Channel: "ch", Serial: 0})
	if _, ok, err := sub.TryNext(); ok || err != nil {
		t.Fatalf("TryNext on empty = %v %v", ok, err)
	}
	calls := 0
	var got []uint64
	sub.Notify(func() {
		calls++
		for {
			d, ok, err := sub.TryNext() // would deadlock if called under sub.mu
			if !ok || err != nil {
				return
			}
			got = append(got, d.Serial)
		}
	})
	if calls != 0 {
		t.Fatalf("Notify on an empty live subscription called back %d times", calls)
	}
	offerAll(t, sub, verdictDeliver, 1, 2, 3)
	sub.end(ErrDetached)
	if calls != 4 || !equalU64(got, []uint64{1, 2, 3}) {
		t.Fatalf("calls %d got %v, want 4 [1 2 3]", calls, got)
	}
	if _, ok, err := sub.TryNext(); ok || !errors.Is(err, ErrDetached) {
		t.Fatalf("TryNext after end = %v %v", ok, err)
	}
	// Registering on a subscription with something to read calls back at once.
	late := 0
	sub.Notify(func() { late++ })
	if late != 1 {
		t.Fatalf("Notify on an ended subscription called back %d times, want 1", late)
	}
}

// TestDispatcherHoldsNoIdleGoroutine: the dispatcher's goroutine exists only
// while events are pending: none before the first event, none once the
// handler caught up, and done closes on close without one.
func TestDispatcherHoldsNoIdleGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := runtime.NumGoroutine()
		n := 0
		d := newDispatcher(func(Event) { n++ }, 4)
		if g := runtime.NumGoroutine(); g != base {
			t.Fatalf("%d goroutines before any event, want %d", g, base)
		}
		for range 3 {
			d.push(Event{Kind: EventAttached})
		}
		synctest.Wait()
		if g := runtime.NumGoroutine(); g != base || n != 3 {
			t.Fatalf("%d goroutines after the queue drained (want %d), %d delivered (want 3)", g, base, n)
		}
		d.close()
		<-d.done
		d.push(Event{Kind: EventAttached}) // after close: dropped
		synctest.Wait()
		if n != 3 || runtime.NumGoroutine() != base {
			t.Fatalf("delivered %d after close, goroutines %d", n, runtime.NumGoroutine())
		}
	})
}
