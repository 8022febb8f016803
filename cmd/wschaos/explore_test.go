package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wschaos/wschaos/explore"
)

func TestExploreUsage(t *testing.T) {
	for _, args := range [][]string{
		{"explore"},
		{"explore", "--seed", "0"},
		{"explore", "--seed", "3", "--seeds", "2"},
		{"explore", "--seeds", "2", "--faults", "bogus"},
		{"explore", "--seeds", "2", "--shrink-runs", "0"},
		{"explore", "--seeds", "2", "extra"},
		{"explore", "--seeds", "x"},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
	}
	code, out, _ := runCLI(t, "explore", "--help")
	if code != 0 || !strings.Contains(out, "--seeds") || !strings.Contains(out, "seed-N.min.yaml") {
		t.Fatalf("--help: exit %d:\n%s", code, out)
	}
}

// TestExplorePass: one small real plan that passes: exit 0, a summary.
func TestExplorePass(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, out, stderr := runCLI(t, "explore", "--seed", "5", "--faults", "drop", "--max-faults", "1",
		"--max-clients", "2", "--max-duration", "3s", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	if !strings.Contains(stderr, "seed 5: ") || !strings.Contains(stderr, "-> pass") {
		t.Errorf("no progress line for seed 5:\n%s", stderr)
	}
	var sum explore.Summary
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Plans != 1 || sum.Passed != 1 || sum.Failed != 0 || sum.Faults != 1 || sum.Messages == 0 {
		t.Fatalf("summary %+v", sum)
	}
}

// TestExploreFindsLossyAndRunReplays is the CLI's negative control: explore
// finds the fault server's lossy mode (exit 1, reproducer written) and
// `wschaos run` on the reproducer fails on lost == 0.
func TestExploreFindsLossyAndRunReplays(t *testing.T) {
	if os.Getenv("WSCHAOS_EXPLORE") != "1" {
		t.Skip("set WSCHAOS_EXPLORE=1 (make explore-ci)")
	}
	dir := t.TempDir()
	code, out, stderr := runCLI(t, "explore", "--seed", "2", "--faults", "lossy,latency", "--max-faults", "2",
		"--shrink-max", "4", "--out", dir)
	t.Logf("explore stdout:\n%s\nstderr:\n%s", out, stderr)
	if code != exitFailed {
		t.Fatalf("explore exit %d, want %d", code, exitFailed)
	}
	repro := filepath.Join(dir, "seed-2.min.yaml")
	if !strings.Contains(out, "FAILED seed 2: lost") || !strings.Contains(out, repro) {
		t.Fatalf("no failure line naming %s", repro)
	}
	for _, f := range []string{"seed-2.yaml", "seed-2.min.yaml", "seed-2.diff.txt", "summary.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	code, out, stderr = runCLI(t, "run", "--quiet", "--skip-preflight", repro)
	t.Logf("run stdout:\n%s", out)
	if code != exitFailed || !strings.Contains(out, "lost == 0") {
		t.Fatalf("run %s: exit %d, want %d with lost == 0 failing\n%s", repro, code, exitFailed, stderr)
	}
}
