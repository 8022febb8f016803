package explore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// negativeShrink keeps the negative controls inside the CI budget: two runs
// per candidate, at most 4 runs per shrink (enough to drop two faults).
var negativeShrink = ShrinkOptions{Runs: 2, MaxRuns: 4}

// requireExplore skips the negative controls unless WSCHAOS_EXPLORE=1 (make
// explore-ci sets it): each runs real plans for a minute or so, too long for
// every `go test ./...`.
func requireExplore(t *testing.T) {
	t.Helper()
	if os.Getenv("WSCHAOS_EXPLORE") != "1" {
		t.Skip("set WSCHAOS_EXPLORE=1 to run explore's negative controls (make explore-ci)")
	}
}

// findAndReplay explores with b until a failure of class want, and checks the
// reproducer: at most three faults, and replayed from its file (parsed as
// `wschaos run FILE` parses it) it fails with the same class.
func findAndReplay(t *testing.T, b Bounds, seeds int, want Class) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	sum, err := Explore(ctx, Options{Seeds: seeds, Bounds: b, OutDir: dir, Shrink: negativeShrink,
		Progress: func(e Event) { t.Logf("seed %d: %s: %s %s", e.Seed, e.Plan, e.Verdict, e.Detail) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 1 {
		t.Fatalf("explore found %d failures in %d plans, want 1 (stops at the first)", sum.Failed, sum.Plans)
	}
	last := sum.Results[len(sum.Results)-1]
	f := last.Failure
	if f == nil || f.Class != want {
		t.Fatalf("seed %d failed with %+v, want class %s", last.Seed, f, want)
	}
	if f.Shrink == nil || f.Shrink.FaultsTo > 3 {
		t.Fatalf("shrunk reproducer has %+v faults, want at most 3", f.Shrink)
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f.Reproducer)
	t.Logf("seed %d, reproducer %s (%d faults, %d shrink runs, changes %v):\n%s", last.Seed, f.Reproducer, f.Shrink.FaultsTo, f.Shrink.Runs, f.Shrink.Changes, data)
	_, o, err := Replay(ctx, f.Reproducer, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !Has(o.Violations, want) {
		t.Fatalf("replay of %s: %s %v, want class %s", f.Reproducer, o.Verdict(), o.Violations, want)
	}
	if len(o.FailedSLOs) == 0 {
		t.Fatalf("replay broke %s but no SLO failed: wschaos run FILE would pass", want)
	}
	t.Logf("replay: %s, failed SLOs %v", o.Verdict(), o.FailedSLOs)
}

// TestNegativeLossyServer: explore finds the fault server's lossy mode.
func TestNegativeLossyServer(t *testing.T) {
	requireExplore(t)
	findAndReplay(t, Bounds{Kinds: []string{"lossy", "drop", "latency"}, MaxFaults: 3}, 6, ClassLost)
}
