package client

import (
	"slices"
	"testing"
	"testing/synctest"
)

// TestDispatcherBoundsTheQueue: with the handler stuck on event 0 and a
// bound of 4, events 1..4 queue, 5..9 are dropped and replaced by one
// EventOverflow with Serial 5, and the final event still gets through.
// Exact: 7 events delivered, 5 dropped.
func TestDispatcherBoundsTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var got []Event
		d := newDispatcher(func(ev Event) {
			if ev.Serial == 0 && ev.Kind == EventStateChanged && len(got) == 0 {
				<-release
			}
			got = append(got, ev)
		}, 4)
		d.push(Event{Kind: EventStateChanged, Serial: 0})
		synctest.Wait() // the handler now blocks on event 0
		for i := uint64(1); i <= 9; i++ {
			d.push(Event{Kind: EventAttached, Serial: i})
		}
		d.push(Event{Kind: EventStateChanged, To: StateClosed, Serial: 100})
		if n := d.droppedCount(); n != 5 {
			t.Fatalf("dropped %d, want 5", n)
		}
		close(release)
		d.close()
		<-d.done
		var kinds []EventKind
		var serials []uint64
		for _, ev := range got {
			kinds = append(kinds, ev.Kind)
			serials = append(serials, ev.Serial)
		}
		wantKinds := []EventKind{EventStateChanged, EventAttached, EventAttached, EventAttached, EventAttached, EventOverflow, EventStateChanged}
		if !slices.Equal(kinds, wantKinds) || !slices.Equal(serials, []uint64{0, 1, 2, 3, 4, 5, 100}) {
			t.Fatalf("delivered kinds %v serials %v", kinds, serials)
		}
		if EventOverflow.String() != "overflow" {
			t.Fatal(EventOverflow.String())
		}
	})
}

// TestDispatcherDrainedQueueTakesMore: once the handler catches up, the
// bound applies afresh: 3 rounds of 4 events under a bound of 4 drop none.
func TestDispatcherDrainedQueueTakesMore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		d := newDispatcher(func(Event) { n++ }, 4)
		for range 3 {
			for range 4 {
				d.push(Event{Kind: EventAttached})
			}
			synctest.Wait()
		}
		d.close()
		<-d.done
		if n != 12 || d.droppedCount() != 0 {
			t.Fatalf("delivered %d dropped %d, want 12 0", n, d.droppedCount())
		}
	})
}
