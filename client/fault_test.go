package client

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/internal/fstest"
)

// startFault runs a real fault server on an ephemeral loopback port for the
// test (the client package may import faultserver in tests only).
func startFault(t testing.TB, cfg faultserver.Config) *faultserver.Server {
	t.Helper()
	cfg.DisableAdmin = true
	return fstest.Start(t, cfg)
}

// eventCounter counts events by kind and keeps their errors.
type eventCounter struct {
	mu     sync.Mutex
	n      map[EventKind]int
	errs   map[EventKind][]error
	events []Event
}

func (e *eventCounter) add(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == nil {
		e.n, e.errs = map[EventKind]int{}, map[EventKind][]error{}
	}
	e.n[ev.Kind]++
	e.errs[ev.Kind] = append(e.errs[ev.Kind], ev.Err)
	e.events = append(e.events, ev)
}

func (e *eventCounter) count(k EventKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n[k]
}

func (e *eventCounter) errors(k EventKind) []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs[k]...)
}

// fastSession is a session config for loopback tests: quick backoff and
// heartbeats, events into ev.
func fastSession(ev *eventCounter) SessionConfig {
	return SessionConfig{
		Client: Config{
			HandshakeTimeout: 2 * time.Second,
			Backoff:          Backoff{Base: 20 * time.Millisecond, Cap: 200 * time.Millisecond, Jitter: JitterFull},
			MinUptime:        100 * time.Millisecond,
			PingInterval:     200 * time.Millisecond,
			PongTimeout:      600 * time.Millisecond,
			OnEvent:          ev.add,
		},
		ReplyTimeout: 2 * time.Second,
	}
}

func dialFault(t testing.TB, url string, cfg SessionConfig) *Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := DialSession(ctx, url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close session: %v", err)
		}
	})
	return s
}

// receiveN takes n deliveries from sub and returns their payloads.
func receiveN(t testing.TB, ctx context.Context, sub *Subscription, n int) []string {
	t.Helper()
	out := make([]string, 0, n)
	for len(out) < n {
		d, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("after %d of %d deliveries: %v", len(out), n, err)
		}
		out = append(out, string(d.Data))
	}
	return out
}

func payloads(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, from+i)
	}
	return out
}
