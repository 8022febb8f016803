package harness

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/internal/wstest"
)

// TestConsumerPoolRecordsEachSubscriptionInOrder: 4 workers consume 3
// subscriptions of a real session (idle workers to spare); 150 messages
// published on each arrive exactly once each, in serial order, never
// recorded by two workers at once for one subscription; wait returns once
// the session closed (bounded). Negative control: scheduling a running
// subscription again (so a second worker may take it) failed this test in
// 4 of 5 runs, on the concurrency check.
func TestConsumerPoolRecordsEachSubscriptionInOrder(t *testing.T) {
	const chans, per = 3, 150
	srv, err := faultserver.New(faultserver.Config{DisableAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	cfg := client.SessionConfig{Client: wstest.FastClient()}
	recv, err := client.DialSession(t.Context(), srv.SessionURL(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := client.DialSession(t.Context(), srv.SessionURL(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close(context.Background())

	var mu sync.Mutex
	got := map[string][]uint64{}
	busy := map[string]*atomic.Int32{}
	var total atomic.Int32
	overlap := atomic.Bool{}
	pool := newConsumerPool(context.Background(), 4, func(_ *member, d client.Delivery, _ map[string]string) {
		mu.Lock()
		b := busy[d.Channel]
		mu.Unlock()
		if b.Add(1) != 1 {
			overlap.Store(true)
		}
		time.Sleep(100 * time.Microsecond) // widen the window a second worker would use
		mu.Lock()
		got[d.Channel] = append(got[d.Channel], d.Serial)
		mu.Unlock()
		b.Add(-1)
		total.Add(1)
	})
	m := &member{index: 0, name: "receiver"}
	for i := range chans {
		ch := fmt.Sprintf("pool.%d", i)
		busy[ch] = new(atomic.Int32)
		sub, err := recv.Attach(t.Context(), ch)
		if err != nil {
			t.Fatal(err)
		}
		pool.add(m, sub)
	}
	for k := range per {
		for i := range chans {
			if _, err := pub.Publish(t.Context(), fmt.Sprintf("pool.%d", i), []byte{byte(k)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for total.Load() < chans*per && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := recv.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { pool.wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("wait did not return after the session closed")
	}
	if overlap.Load() {
		t.Fatal("two workers recorded one subscription at once")
	}
	if n := total.Load(); n != chans*per {
		t.Fatalf("recorded %d deliveries, want exactly %d", n, chans*per)
	}
	for ch, serials := range got {
		for i, s := range serials {
			if s != uint64(i+1) {
				t.Fatalf("%s: deliveries %v, want serials 1..%d in order", ch, serials, per)
			}
		}
	}
}

// TestConsumerPoolStops: when the pool's ctx ends, wait returns although
// its subscriptions are still live, and the workers are gone.
func TestConsumerPoolStops(t *testing.T) {
	srv, err := faultserver.New(faultserver.Config{DisableAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	recv, err := client.DialSession(t.Context(), srv.SessionURL(), client.SessionConfig{Client: wstest.FastClient()})
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	pool := newConsumerPool(ctx, 3, func(*member, client.Delivery, map[string]string) {})
	sub, err := recv.Attach(t.Context(), "pool.stop")
	if err != nil {
		t.Fatal(err)
	}
	pool.add(&member{}, sub)
	waited := make(chan struct{})
	go func() { pool.wait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("wait returned with a live subscription and the pool running")
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("wait did not return after the pool's ctx ended")
	}
}
