package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
)

// startServer starts a faultserver on an OS-chosen loopback port and closes it
// when the test ends.
func startServer(t testing.TB, cfg faultserver.Config) *faultserver.Server {
	t.Helper()
	cfg.DisableAdmin = true
	srv, err := faultserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("faultserver close: %v", err)
		}
	})
	return srv
}

// fastConfig is a session configuration with short timings so faults are
// detected and recovered from in tens of milliseconds.
func fastConfig(id string, events *eventLog) client.SessionConfig {
	cfg := client.SessionConfig{
		ClientID: id,
		Window:   512,
		Client: client.Config{
			HandshakeTimeout: 2 * time.Second,
			Backoff:          client.Backoff{Base: 5 * time.Millisecond, Cap: 80 * time.Millisecond},
			MinUptime:        50 * time.Millisecond,
			PingInterval:     40 * time.Millisecond,
			PongTimeout:      250 * time.Millisecond,
			WriteTimeout:     2 * time.Second,
		},
		ReplyTimeout: 2 * time.Second,
	}
	if events != nil {
		cfg.Client.OnEvent = events.add
	}
	return cfg
}

// dial opens a session and closes it when the test ends.
func dial(t testing.TB, url string, cfg client.SessionConfig) *client.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.DialSession(ctx, url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("session close: %v", err)
		}
	})
	return s
}

// eventLog records client events for assertions.
type eventLog struct {
	mu     sync.Mutex
	events []client.Event
}

func (l *eventLog) add(ev client.Event) {
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
}

func (l *eventLog) count(k client.EventKind) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ev := range l.events {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

func (l *eventLog) of(k client.EventKind) []client.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []client.Event
	for _, ev := range l.events {
		if ev.Kind == k {
			out = append(out, ev)
		}
	}
	return out
}

// payload encodes a message's identity: channel and index on that channel.
func payload(channel string, i int) []byte { return fmt.Appendf(nil, "%s|%d", channel, i) }

func parsePayload(b []byte) (string, int, error) {
	ch, n, ok := strings.Cut(string(b), "|")
	if !ok {
		return "", 0, fmt.Errorf("bad payload %q", b)
	}
	i, err := strconv.Atoi(n)
	return ch, i, err
}

// recorder collects what each subscription delivered, in order.
type recorder struct {
	mu   sync.Mutex
	got  map[string][]int
	bad  []string
	seen int
}

func newRecorder() *recorder { return &recorder{got: map[string][]int{}} }

func (r *recorder) record(channel string, d client.Delivery) {
	ch, i, err := parsePayload(d.Data)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen++
	if err != nil || ch != channel {
		r.bad = append(r.bad, fmt.Sprintf("on %q: %q (%v)", channel, d.Data, err))
		return
	}
	r.got[ch] = append(r.got[ch], i)
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen
}

// report is the checker's verdict for one channel set.
type report struct {
	Expected, Delivered, Lost, Duplicated, Reordered, Unexpected int
}

func (rp report) clean() bool {
	return rp.Lost == 0 && rp.Duplicated == 0 && rp.Reordered == 0 && rp.Unexpected == 0 && rp.Delivered == rp.Expected
}

// check compares deliveries with the expected count per channel: every index
// 0..want-1 exactly once, in increasing order.
func (r *recorder) check(want map[string]int) report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rp := report{Unexpected: len(r.bad)}
	for ch, n := range want {
		rp.Expected += n
		seen := make([]int, n)
		prev := -1
		for _, i := range r.got[ch] {
			rp.Delivered++
			if i < 0 || i >= n {
				rp.Unexpected++
				continue
			}
			seen[i]++
			if seen[i] > 1 {
				rp.Duplicated++
			} else if i < prev {
				rp.Reordered++
			}
			prev = max(prev, i)
		}
		for _, c := range seen {
			if c == 0 {
				rp.Lost++
			}
		}
	}
	for ch, got := range r.got {
		if _, ok := want[ch]; !ok {
			rp.Unexpected += len(got)
		}
	}
	return rp
}

// consume reads sub until ctx ends or the subscription ends.
func consume(ctx context.Context, wg *sync.WaitGroup, sub *client.Subscription, rec *recorder) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			d, err := sub.Next(ctx)
			if err != nil {
				return
			}
			rec.record(sub.Channel(), d)
		}
	}()
}

// waitFor polls cond every 10ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
