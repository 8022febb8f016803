package shard

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestClientsPartition: for many (total, n) every client lands in exactly
// one shard, ranges are contiguous in index order and sizes differ by at
// most one.
func TestClientsPartition(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		total, n := r.IntN(5000), 1+r.IntN(64)
		owner := make([]int, total)
		for i := range owner {
			owner[i] = -1
		}
		next, smallest, largest := 0, total, 0
		for i := range n {
			rg, err := Spec{Index: i, Count: n}.Clients(total)
			if err != nil {
				t.Fatal(err)
			}
			if rg.Lo != next {
				t.Fatalf("total %d n %d shard %d: starts at %d, want %d", total, n, i, rg.Lo, next)
			}
			for c := rg.Lo; c < rg.Hi; c++ {
				if owner[c] != -1 {
					t.Fatalf("client %d in shards %d and %d", c, owner[c], i)
				}
				owner[c] = i
			}
			next = rg.Hi
			smallest, largest = min(smallest, rg.Len()), max(largest, rg.Len())
		}
		if next != total {
			t.Fatalf("total %d n %d: covered up to %d", total, n, next)
		}
		if largest-smallest > 1 {
			t.Fatalf("total %d n %d: sizes %d..%d", total, n, smallest, largest)
		}
	}
	if _, err := (Spec{Index: 2, Count: 2}).Clients(5); !errors.Is(err, ErrSpec) {
		t.Fatalf("invalid spec: %v", err)
	}
}

func TestSeeds(t *testing.T) {
	seen := map[uint64]Spec{}
	for n := 1; n <= 16; n++ {
		for i := range n {
			s := Spec{Index: i, Count: n}
			if s.Seed(42) != s.Seed(42) {
				t.Fatal("seed not repeatable")
			}
			if prev, dup := seen[s.Seed(42)]; dup {
				t.Fatalf("shards %v and %v share a seed", prev, s)
			}
			seen[s.Seed(42)] = s
			if s.Seed(42) == s.Seed(43) {
				t.Fatalf("%v: run seeds 42 and 43 give one shard seed", s)
			}
			a, b := s.Rand(42), s.Rand(42)
			for range 8 {
				if a.Uint64() != b.Uint64() {
					t.Fatal("shard stream not repeatable")
				}
			}
		}
	}
	if ClientSeed(1, 5) != ClientSeed(1, 5) || ClientSeed(1, 5) == ClientSeed(1, 6) || ClientSeed(1, 5) == ClientSeed(2, 5) {
		t.Fatal("client seeds: want repeatable per (run seed, client), distinct otherwise")
	}
}

func TestRunIDAndChannels(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	id := RunID(1, testScenario, at)
	if id != RunID(1, testScenario, at.In(time.FixedZone("x", 3600))) {
		t.Fatal("run id depends on the time zone")
	}
	for _, other := range []string{RunID(2, testScenario, at), RunID(1, ScenarioRef{Name: "x"}, at), RunID(1, testScenario, at.Add(time.Second))} {
		if other == id {
			t.Fatal("distinct runs share a run id")
		}
	}
	names := map[string]bool{}
	for c := range 50 {
		for k := range 20 {
			name, err := ChannelName(id, c, k)
			if err != nil {
				t.Fatal(err)
			}
			if names[name] || !strings.HasPrefix(name, id+".") {
				t.Fatalf("channel %q repeated or without the run prefix", name)
			}
			names[name] = true
		}
	}
	other, _ := ChannelName(RunID(2, testScenario, at), 0, 0)
	if names[other] {
		t.Fatal("two runs share a channel")
	}
	for _, bad := range []string{"", "a b", "a.b", strings.Repeat("a", 64), "-a"} {
		if _, err := ChannelName(bad, 0, 0); err == nil {
			t.Errorf("run id %q accepted", bad)
		}
	}
}

func TestParseSpec(t *testing.T) {
	good := map[string]Spec{"0/1": Single, "3/4": {3, 4}, " 0/7 ": {0, 7}}
	for in, want := range good {
		got, err := ParseSpec(in)
		if err != nil || got != want {
			t.Errorf("ParseSpec(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"4/4": "below n", "5/4": "below n", "0/0": "at least 1", "-1/4": "negative",
		"1": "no '/'", "a/4": "not an integer", "1/b": "not an integer", "": "no '/'", "1/2/3": "not an integer",
	}
	for in, reason := range bad {
		_, err := ParseSpec(in)
		var se *SpecError
		if !errors.As(err, &se) || !errors.Is(err, ErrSpec) {
			t.Errorf("ParseSpec(%q): %v, want a *SpecError", in, err)
			continue
		}
		if !strings.Contains(err.Error(), reason) || se.Input != in {
			t.Errorf("ParseSpec(%q): %q, want it to say %q and quote the input", in, err, reason)
		}
	}
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	if s, err := SpecFromEnv(env(map[string]string{CompletionIndexEnv: "2"}), 3); err != nil || s != (Spec{2, 3}) {
		t.Fatalf("SpecFromEnv: %v, %v", s, err)
	}
	for _, m := range []map[string]string{{}, {CompletionIndexEnv: ""}, {CompletionIndexEnv: "3"}, {CompletionIndexEnv: "x"}} {
		if _, err := SpecFromEnv(env(m), 3); !errors.Is(err, ErrSpec) {
			t.Errorf("SpecFromEnv(%v): %v", m, err)
		}
	}
}

func TestStartAt(t *testing.T) {
	none := func(string) (string, bool) { return "", false }
	env := func(string) (string, bool) { return "2026-12-01T23:30:00Z", true }
	if _, ok, err := ParseStartAt("", none); ok || err != nil {
		t.Fatalf("unset: ok %v err %v", ok, err)
	}
	at, ok, err := ParseStartAt("", env)
	if !ok || err != nil || !at.Equal(time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)) {
		t.Fatalf("from env: %v %v %v", at, ok, err)
	}
	at, _, _ = ParseStartAt("2026-12-01T23:31:00.5+01:00", env) // the flag wins
	if !at.Equal(time.Date(2026, 12, 1, 22, 31, 0, 5e8, time.UTC)) {
		t.Fatalf("flag: %v", at)
	}
	for _, bad := range []string{"23:30", "tomorrow", "2026-12-01 23:30:00"} {
		if _, _, err := ParseStartAt(bad, none); err == nil || !strings.Contains(err.Error(), "--start-at") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, _, err := ParseStartAt("", func(string) (string, bool) { return "x", true }); err == nil || !strings.Contains(err.Error(), StartAtEnv) {
		t.Errorf("bad env: %v", err)
	}
}

func TestWaitStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		at := time.Now().Add(3 * time.Second)
		before := time.Now()
		if err := WaitStart(t.Context(), at, time.Second, nil); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(before); waited != 3*time.Second {
			t.Fatalf("waited %v, want 3s", waited)
		}
		// Within tolerance: go at once.
		if err := WaitStart(t.Context(), time.Now().Add(-time.Second), time.Second, nil); err != nil {
			t.Fatalf("within tolerance: %v", err)
		}
		// Past it: a typed error that says how late.
		err := WaitStart(t.Context(), time.Now().Add(-1500*time.Millisecond), time.Second, nil)
		var late *LateError
		if !errors.As(err, &late) || late.Arrived.Sub(late.StartAt) != 1500*time.Millisecond {
			t.Fatalf("late: %v", err)
		}
		if !strings.Contains(err.Error(), "1.5s after") {
			t.Fatalf("message %q", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := WaitStart(ctx, time.Now().Add(time.Hour), time.Second, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("cancelled: %v", err)
		}
	})
}
