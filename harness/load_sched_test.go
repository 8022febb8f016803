package harness

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// One pacer offers exactly the nominal load of a thousand 1/s streams and
// one 1,000/s stream: no timer per stream or message.
func TestPacerOffersNominal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(nil, nil)
		var sent atomic.Int64
		send := func(context.Context, string) { sent.Add(1) }
		for range 1000 {
			p.add(&stream{dir: Up, chans: []string{"a", "b"}, rate: 1, send: send})
		}
		p.add(&stream{dir: Down, chans: []string{"a"}, rate: 1000, send: send})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second+schedTick/2)
		defer cancel()
		p.run(ctx)
		o := p.offered()
		if o.Up.Nominal != 10_000 || o.Up.Offered != 10_000 || o.Down.Nominal != 10_000 || o.Down.Offered != 10_000 {
			t.Fatalf("offered %+v", o)
		}
		if o.Up.Skipped+o.Up.HeldBack+o.Down.Skipped+o.Down.HeldBack != 0 || o.Ratio() != 1 {
			t.Fatalf("offered %+v", o)
		}
		if sent.Load() != 20_000 {
			t.Fatalf("sent %d", sent.Load())
		}
	})
}

// A publisher blocked on its window (each publish waits a second) is held
// back, not skipped: the system pushing back is not the harness's shortfall.
// A publisher whose batches the harness runs late is skipped.
func TestPacerHeldBackAndSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(nil, nil)
		blocked := &stream{dir: Up, chans: []string{"a"}, rate: 100, send: func(ctx context.Context, _ string) {
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
		}}
		p.add(blocked)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second+schedTick/2)
		defer cancel()
		p.run(ctx)
		o := p.offered()
		if o.Up.Nominal != 500 || o.Up.Skipped != 0 || o.Up.Offered+o.Up.HeldBack != 500 || o.Up.HeldBack < 400 {
			t.Fatalf("blocked stream: %+v", o.Up)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(nil, nil)
		// Late: each publish takes a tick's worth of CPU (a sleep shorter
		// than a tick, so it does not count as window-blocked), 4x slower
		// than the rate asks.
		late := &stream{dir: Down, chans: []string{"a"}, rate: 400, send: func(context.Context, string) {
			time.Sleep(schedTick / 2)
		}}
		p.add(late)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second+schedTick/2)
		defer cancel()
		p.run(ctx)
		o := p.offered()
		if o.Down.Nominal != 2000 || o.Down.HeldBack != 0 || o.Down.Skipped == 0 || o.Down.Offered+o.Down.Skipped != 2000 {
			t.Fatalf("late stream: %+v", o.Down)
		}
		if r := o.Down.Ratio; r > 0.99 {
			t.Fatalf("ratio %v: the shortfall is not visible", r)
		}
	})
}
