package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// unreachableURL returns a ws:// URL on a loopback port nothing listens on:
// every dial is refused at once.
func unreachableURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "ws://" + addr + "/"
}

// scheduledDelays runs a real client against url until it fails and returns
// the Delay of every Reconnecting event, in order.
func scheduledDelays(t *testing.T, url string, src rand.Source) []time.Duration {
	t.Helper()
	var mu sync.Mutex
	var delays []time.Duration
	cfg := Config{
		HandshakeTimeout: time.Second,
		Backoff:          Backoff{Base: 2 * time.Millisecond, Cap: 20 * time.Millisecond, Jitter: JitterFull},
		MaxAttempts:      8,
		Rand:             src,
		OnEvent: func(ev Event) {
			if ev.Kind == EventStateChanged && ev.To == StateReconnecting {
				mu.Lock()
				delays = append(delays, ev.Delay)
				mu.Unlock()
			}
		},
	}
	c, err := New(url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := c.WaitFor(ctx, StateFailed); err != nil {
		t.Fatal(err)
	}
	var limit *LimitError
	if !errors.As(c.Err(), &limit) {
		t.Fatalf("terminal error %v, want a *LimitError", c.Err())
	}
	if err := c.Close(ctx); err != nil { // waits until OnEvent saw every event
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return delays
}

// TestRandSeedReplaysSchedule: Config.Rand makes a real client's backoff
// schedule reproducible from outside the package: the same seed gives the
// same Event.Delay sequence, another seed a different one.
func TestRandSeedReplaysSchedule(t *testing.T) {
	url := unreachableURL(t)
	a := scheduledDelays(t, url, rand.NewPCG(42, 1))
	b := scheduledDelays(t, url, rand.NewPCG(42, 1))
	c := scheduledDelays(t, url, rand.NewPCG(43, 1))
	if len(a) != 7 {
		t.Fatalf("got %d reconnect delays, want 7 (8 attempts)", len(a))
	}
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different schedules:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Fatalf("different seeds, same schedule: %v", a)
	}
	// The schedule is exactly what Backoff computes from the same seed.
	r := rand.New(rand.NewPCG(42, 1))
	b0 := Backoff{Base: 2 * time.Millisecond, Cap: 20 * time.Millisecond, Jitter: JitterFull}
	var prev time.Duration
	for i, got := range a {
		want := b0.Delay(i+1, prev, r)
		prev = want
		if got != want {
			t.Errorf("delay %d = %v, want %v", i+1, got, want)
		}
	}
}
