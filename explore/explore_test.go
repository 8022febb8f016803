package explore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness"
)

// fakeHarness replaces the engine for the duration of a test: a run "loses"
// one message when its plan has a restart, and passes otherwise.
func fakeHarness(t *testing.T) {
	t.Helper()
	old := runHarness
	t.Cleanup(func() { runHarness = old })
	runHarness = func(_ context.Context, hp harness.Plan, _ harness.RunOptions) (*harness.Result, error) {
		now := time.Now()
		r := &harness.Result{Name: hp.Name, Start: now, End: now.Add(hp.Load.Duration.D())}
		for i, st := range hp.Timeline {
			r.Faults = append(r.Faults, harness.FaultEntry{Step: i, Fault: st.Fault, Start: now, End: now})
		}
		r.Messages.Total = harness.MessageCounts{Sent: 10, Acked: 10, Delivered: 10}
		r.Summary.Sent = 10
		for _, st := range hp.Timeline {
			if st.Fault.Name() == "restart" {
				r.Messages.Total.Lost, r.Messages.Total.Delivered = 1, 9
				r.Summary.Lost = 1
			}
		}
		return r, nil
	}
}

// TestExploreFindsShrinksAndWrites: with a fake engine, explore stops at
// the first seed whose plan has a restart, shrinks it to that one fault and
// writes the plan, the reproducer, the diff and a summary with exact counts.
func TestExploreFindsShrinksAndWrites(t *testing.T) {
	fakeHarness(t)
	b := Bounds{Kinds: []string{"drop", "restart", "latency"}}
	first := uint64(0)
	for s := uint64(1); first == 0; s++ {
		for _, st := range Generate(s, b).Timeline {
			if st.Fault == "restart" {
				first = s
			}
		}
	}
	dir := t.TempDir()
	var events []Event
	sum, err := Explore(context.Background(), Options{Seeds: 50, Bounds: b, OutDir: dir,
		Shrink: ShrinkOptions{Runs: 2, MaxRuns: 100}, Progress: func(e Event) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Plans != int(first) || sum.Failed != 1 || sum.Passed != int(first)-1 || sum.Messages != 10*int(first) {
		t.Fatalf("summary %+v: want %d plans, the last failed", sum, first)
	}
	f := sum.Results[len(sum.Results)-1].Failure
	if f == nil || f.Class != ClassLost || f.Shrink.FaultsTo != 1 {
		t.Fatalf("failure %+v", f)
	}
	data, err := os.ReadFile(f.Reproducer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "fault: restart") || strings.Count(string(data), "fault:") != 1 {
		t.Fatalf("reproducer:\n%s", data)
	}
	var back Summary
	js, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(js, &back); err != nil || back.Failed != 1 || back.Plans != sum.Plans {
		t.Fatalf("summary.json %s (%v)", js, err)
	}
	diff, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("seed-%d.diff.txt", first)))
	if !strings.Contains(string(diff), "changes (") || !strings.Contains(string(diff), " | ") {
		t.Fatalf("diff:\n%s", diff)
	}
	if last := events[len(events)-1]; last.Shrunk == nil || last.Verdict != "shrunk: lost" {
		t.Fatalf("last event %+v", last)
	}
}

// TestExploreLimits: neither seeds nor budget is an error; a budget too
// small for one plan runs none.
func TestExploreLimits(t *testing.T) {
	fakeHarness(t)
	if _, err := Explore(context.Background(), Options{}); err != ErrNoLimit {
		t.Fatalf("err %v, want ErrNoLimit", err)
	}
	sum, err := Explore(context.Background(), Options{Budget: time.Second})
	if err != nil || sum.Plans != 0 {
		t.Fatalf("1s budget: %+v %v", sum, err)
	}
}

// TestSideBySide: aligned columns with the change markers.
func TestSideBySide(t *testing.T) {
	rows := align([]string{"a", "b", "c", "d"}, []string{"a", "x", "c"})
	var marks []string
	for _, r := range rows {
		switch {
		case r.l == nil:
			marks = append(marks, ">")
		case r.r == nil:
			marks = append(marks, "<"+*r.l)
		case *r.l != *r.r:
			marks = append(marks, *r.l+"|"+*r.r)
		default:
			marks = append(marks, *r.l)
		}
	}
	if got := strings.Join(marks, " "); got != "a b|x c <d" {
		t.Fatalf("alignment %q", got)
	}
}
