package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// These tests run the real supervisor in a synctest bubble: time is fake and
// advances only when every goroutine is blocked, so delays are exact.

// TestScheduleExact: with a seeded source, the gaps between dials are exactly
// the delays Backoff computes from the same seed, for every jitter mode.
func TestScheduleExact(t *testing.T) {
	for _, mode := range []JitterMode{JitterNone, JitterProportional, JitterFull, JitterEqual, JitterDecorrelated} {
		t.Run(mode.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var rec recorder
				b := Backoff{Jitter: mode}
				c, err := New("ws://127.0.0.1:1/", Config{Backoff: b, MaxAttempts: 8, OnEvent: rec.add,
					rnd: rand.New(rand.NewPCG(3, 4)), dial: failDial(nil)})
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				if err := c.WaitFor(t.Context(), StateFailed); err != nil {
					t.Fatal(err)
				}
				_ = c.Close(t.Context())

				r := rand.New(rand.NewPCG(3, 4))
				var prev, total time.Duration
				recon, conn := rec.to(StateReconnecting), rec.to(StateConnecting)
				if len(recon) != 7 || len(conn) != 7 {
					t.Fatalf("got %d reconnecting and %d connecting events, want 7 and 7", len(recon), len(conn))
				}
				for i, ev := range recon {
					want := b.Delay(i+1, prev, r)
					prev = want
					if ev.Delay != want || ev.Attempt != i+1 {
						t.Errorf("reconnect %d: attempt %d delay %v, want attempt %d delay %v", i, ev.Attempt, ev.Delay, i+1, want)
					}
					total += want
					// The next dial starts exactly when the delay ends.
					if gap := conn[i].Time.Sub(ev.Time); gap != want {
						t.Errorf("reconnect %d: next dial after %v, want %v", i, gap, want)
					}
					if conn[i].Attempt != i+2 {
						t.Errorf("dial %d numbered %d", i+2, conn[i].Attempt)
					}
				}
				if got := time.Since(start); got != total {
					t.Errorf("failed after %v, want exactly the sum of delays %v", got, total)
				}
			})
		})
	}
}

func TestMaxAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec recorder
		c, _ := New("ws://127.0.0.1:1/", Config{MaxAttempts: 3, OnEvent: rec.add, dial: failDial(nil)})
		_ = c.WaitFor(t.Context(), StateFailed)
		_ = c.Close(t.Context())
		var le *LimitError
		if !errors.As(c.Err(), &le) || le.Kind != LimitMaxAttempts || le.Limit != "max attempts" || le.Attempts != 3 {
			t.Fatalf("Err = %v, want max attempts LimitError after 3", c.Err())
		}
		var he *HandshakeError
		if !errors.As(c.Err(), &he) {
			t.Fatalf("LimitError does not wrap the last HandshakeError: %v", c.Err())
		}
		if st := c.Stats(); st.Attempts != 3 || st.State != StateFailed || st.LastError == nil {
			t.Fatalf("stats %+v, want 3 attempts, failed", st)
		}
		final := rec.events()[len(rec.events())-1]
		if final.To != StateFailed || !errors.As(final.Err, &le) || final.Attempt != 3 {
			t.Fatalf("final event %+v", final)
		}
		if err := c.Send(t.Context(), msg("x")); !errors.Is(err, ErrFailed) || !errors.As(err, &le) {
			t.Fatalf("Send after failure: %v, want ErrFailed wrapping the LimitError", err)
		}
	})
}

func TestMaxElapsed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		c, _ := New("ws://127.0.0.1:1/", Config{MaxElapsed: 10 * time.Second, dial: failDial(nil),
			Backoff: Backoff{Base: time.Second, Jitter: JitterNone}})
		_ = c.WaitFor(t.Context(), StateFailed)
		_ = c.Close(t.Context())
		// Dials at 0, 1, 3, 7s; the next delay (8s) would end at 15s > 10s.
		var le *LimitError
		if !errors.As(c.Err(), &le) || le.Kind != LimitMaxElapsed || le.Limit != "max elapsed" || le.Attempts != 4 || le.Elapsed != 7*time.Second {
			t.Fatalf("Err = %#v, want max elapsed after 4 attempts at 7s", c.Err())
		}
		if got := time.Since(start); got != 7*time.Second {
			t.Fatalf("failed at %v, want 7s", got)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		code         int
		want         time.Duration
	}{
		{"longer than backoff", "3", 503, 3 * time.Second},
		{"beyond the cap", "60", 429, 10 * time.Second},
		{"shorter than backoff", "0", 503, 250 * time.Millisecond},
		{"ignored on 500", "3", 500, 250 * time.Millisecond}, // negative control
		{"ignored on 502", "3", 502, 250 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var rec recorder
				c, _ := New("ws://127.0.0.1:1/", Config{MaxAttempts: 2, OnEvent: rec.add,
					Backoff: Backoff{Jitter: JitterNone}, dial: failDial(statusResp(tc.code, tc.header))})
				_ = c.WaitFor(t.Context(), StateFailed)
				_ = c.Close(t.Context())
				recon := rec.to(StateReconnecting)
				if len(recon) != 1 || recon[0].Delay != tc.want || recon[0].HTTPStatus != tc.code {
					t.Fatalf("reconnecting events %+v, want one with delay %v status %d", recon, tc.want, tc.code)
				}
			})
		})
	}
}

func TestFatalStatus(t *testing.T) {
	for _, code := range []int{401, 403, 404} {
		synctest.Test(t, func(t *testing.T) {
			c, _ := New("ws://127.0.0.1:1/", Config{dial: failDial(statusResp(code, ""))})
			_ = c.WaitFor(t.Context(), StateFailed)
			_ = c.Close(t.Context())
			var fe *FatalError
			if !errors.As(c.Err(), &fe) || fe.HTTPStatus != code || c.Stats().Attempts != 1 {
				t.Fatalf("status %d: Err %v after %d attempts, want FatalError after 1", code, c.Err(), c.Stats().Attempts)
			}
		})
	}
}

func TestClassifyOverride(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		c, _ := New("ws://127.0.0.1:1/", Config{dial: failDial(statusResp(503, "")),
			Classify: func(f Failure) Verdict {
				calls++
				if f.HTTPStatus == 503 && calls == 2 {
					return Fatal // the second 503 is too many for this caller
				}
				return DefaultClassify(f)
			}})
		_ = c.WaitFor(t.Context(), StateFailed)
		_ = c.Close(t.Context())
		var fe *FatalError
		if !errors.As(c.Err(), &fe) || calls != 2 || c.Stats().Attempts != 2 {
			t.Fatalf("Err %v after %d calls, %d attempts", c.Err(), calls, c.Stats().Attempts)
		}
	})
}

// TestCloseWhileBackingOff: Close during a long backoff returns at once and
// hands back the queue.
func TestCloseWhileBackingOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec recorder
		c, _ := New("ws://127.0.0.1:1/", Config{dial: failDial(nil), OnEvent: rec.add,
			Backoff: Backoff{Base: time.Hour, Cap: time.Hour}})
		for _, s := range []string{"a", "b", "c"} {
			if err := c.Send(t.Context(), msg(s)); err != nil {
				t.Fatal(err)
			}
		}
		_ = c.WaitFor(t.Context(), StateReconnecting)
		start := time.Now()
		if err := c.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) != 0 || c.State() != StateClosed || c.Err() != nil {
			t.Fatalf("close took %v, state %s, err %v", time.Since(start), c.State(), c.Err())
		}
		if got := texts(c.Undelivered()); got != "a,b,c," {
			t.Fatalf("undelivered %q", got)
		}
		evs := rec.events()
		if final := evs[len(evs)-1]; final.To != StateClosed || texts(final.Undelivered) != "a,b,c," {
			t.Fatalf("final event %+v", final)
		}
		if err := c.Send(t.Context(), msg("d")); !errors.Is(err, ErrClosed) {
			t.Fatalf("Send after Close: %v", err)
		}
	})
}

func TestNewValidation(t *testing.T) {
	for _, tc := range []struct {
		url string
		cfg Config
	}{
		{"http://127.0.0.1/", Config{}},
		{"ws://", Config{}},
		{"::bad", Config{}},
		{"ws://127.0.0.1/", Config{PingInterval: time.Second, PongTimeout: time.Second}},
		{"ws://127.0.0.1/", Config{MaxAttempts: -1}},
		{"ws://127.0.0.1/", Config{Backoff: Backoff{Multiplier: 0.1}}},
		{"ws://127.0.0.1/", Config{Queue: QueueConfig{Overflow: 7}}},
	} {
		if c, err := New(tc.url, tc.cfg); err == nil {
			_ = c.Close(context.Background())
			t.Errorf("New(%q, %+v) accepted", tc.url, tc.cfg)
		}
	}
	// Negative control: a valid config is accepted.
	c, err := New("ws://127.0.0.1:1/", Config{dial: failDial(nil)})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close(context.Background())
	if err := c.Send(context.Background(), Outbound{Type: 9}); err == nil {
		t.Fatal("Send accepted message type 9")
	}
}

var _ = http.StatusOK
