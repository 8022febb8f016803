package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/internal/report"
	"github.com/wschaos/wschaos/internal/shard"
)

// writePartials writes n partials of one run (lost messages on shard
// lossyShard, none when -1) to dir and returns their paths.
func writePartials(t *testing.T, dir, runID string, n, lossyShard int) []string {
	t.Helper()
	sc := shard.ScenarioRef{Name: "m", Hash: shard.ScenarioHash([]byte("m"))}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var paths []string
	for i := range n {
		spec := shard.Spec{Index: i, Count: n}
		rng, _ := spec.Clients(2 * n)
		res := &harness.Result{Start: start, End: start.Add(time.Second)}
		res.Messages.Up = harness.MessageCounts{Sent: 10, Acked: 10, Delivered: 10}
		if i == lossyShard {
			res.Messages.Up.Delivered, res.Messages.Up.Lost = 7, 3
			res.Summary.Lost = 3
		}
		p, err := report.PartialFromResult(report.ShardRun{RunID: runID, Scenario: sc, Seed: 9, Spec: spec, Clients: rng, Start: start,
			Meta: shard.Meta{Clients: 2 * n, SLOs: []string{"lost == 0"}}}, res)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))
		fh, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := shard.Encode(fh, p); err != nil {
			t.Fatal(err)
		}
		fh.Close()
		paths = append(paths, path)
	}
	return paths
}

// TestMergeVerdictAndErrors: merge exits 0 on a passing set, 1 when one
// shard lost messages (the SLO is judged over all), and 2 naming the shard
// and file for a missing, duplicated or foreign partial.
func TestMergeVerdictAndErrors(t *testing.T) {
	dir := t.TempDir()
	good := writePartials(t, dir, "runA", 3, -1)
	code, out, stderr := runCLI(t, "merge", dir)
	if code != exitOK || !strings.Contains(out, "PASS") || !strings.Contains(out, "shards of run runA") {
		t.Fatalf("good set: exit %d\n%s\n%s", code, out, stderr)
	}

	lossy := t.TempDir()
	writePartials(t, lossy, "runB", 3, 1)
	html := filepath.Join(t.TempDir(), "r.html")
	code, out, stderr = runCLI(t, "merge", "--html", html, filepath.Join(lossy, "*.json"))
	if code != exitFailed || !strings.Contains(out, "FAIL") {
		t.Fatalf("lossy shard: exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "<h2>Shards</h2>") {
		t.Errorf("HTML report: %v", err)
	}

	other := t.TempDir()
	foreign := writePartials(t, other, "runC", 3, -1)
	dup := filepath.Join(t.TempDir(), "copy.json")
	b, _ := os.ReadFile(good[0])
	if err := os.WriteFile(dup, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"missing", []string{good[0], good[2]}, []string{"shard 1: shard missing"}},
		{"duplicated", append([]string{dup}, good...), []string{"shard 0: shard given more than once", "copy.json"}},
		{"foreign", []string{good[0], good[1], foreign[2]}, []string{"shard 2: shard from another run", `run "runC", want "runA"`, "shard 2: shard missing"}},
		{"no file", []string{filepath.Join(dir, "nothing-*.json")}, []string{"matches no file"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"merge"}, c.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2\n%s", code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
	if code, _, _ := runCLI(t, "merge"); code != exitUsage {
		t.Errorf("merge without partials: exit %d, want 2", code)
	}
}

// TestRunShardUsageErrors: shard flags that cannot make one run are usage
// errors before anything starts, each naming its cause.
func TestRunShardUsageErrors(t *testing.T) {
	seeded := writeScenario(t, "seed: 3\n"+tiny)
	unseeded := writeScenario(t, tiny)
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	soon := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	empty := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"bad spec", []string{seeded, "--shard", "2/2"}, "i must be below n"},
		{"more shards than clients", []string{seeded, "--shard", "0/3", "--start-at", soon}, "3 shards for 2 clients"},
		{"no seed", []string{unseeded, "--shard", "0/2", "--start-at", soon}, "needs the same seed"},
		{"no start", []string{seeded, "--shard", "0/2"}, "same start instant"},
		{"late", []string{seeded, "--shard", "0/2", "--start-at", past, "--skip-preflight"}, "after the start instant"},
		{"both spec flags", []string{seeded, "--shard", "0/2", "--shards", "2"}, "exclusive"},
		{"no index", []string{seeded, "--shards", "2"}, "JOB_COMPLETION_INDEX"},
		{"admin without target", []string{seeded, "--toxiproxy", "http://127.0.0.1:1", "--target-admin", "http://127.0.0.1:1"}, "needs --target"},
		{"empty token file", []string{seeded, "--target", "ws://127.0.0.1:1/ws", "--target-admin", "http://127.0.0.1:1", "--target-admin-token-file", empty}, "is empty"},
		{"token without admin", []string{seeded, "--target-admin-token", "x"}, "need --target-admin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(shard.CompletionIndexEnv, "")
			code, _, stderr := runCLI(t, append([]string{"run", "-q"}, c.args...)...)
			if code != exitUsage || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, want 2 with %q:\n%s", code, c.want, stderr)
			}
		})
	}
}

// editPartial rewrites the partial at path with edit applied.
func editPartial(t *testing.T, path string, edit func(*shard.Partial)) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := shard.Decode(fh)
	fh.Close()
	if err != nil {
		t.Fatal(err)
	}
	edit(p)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := shard.Encode(out, p); err != nil {
		t.Fatal(err)
	}
}

// TestMergeInconclusiveShard: a shard whose harness failed makes the merged
// run inconclusive (exit 3, naming the shard) even though another shard
// lost messages, as one process's run would be; offered ratios merge as
// summed offered over summed nominal, harness_events as the sum of the
// shards' unexpected events, and each shard's harness section is in the
// report. Negative control: the same set with shard 2's harness healthy
// is a plain fail (exit 1).
func TestMergeInconclusiveShard(t *testing.T) {
	for _, broken := range []bool{true, false} {
		dir := t.TempDir()
		paths := writePartials(t, dir, "runH", 3, 1)
		for i, path := range paths {
			editPartial(t, path, func(p *shard.Partial) {
				p.Harness.Up = shard.OfferedLoad{Nominal: 100, Offered: int64(90 + 5*i), HeldBack: int64(i)}
				p.Harness.Down = shard.OfferedLoad{Nominal: 50, Offered: 50}
				p.Harness.Events = []shard.HarnessEvent{{At: time.Second, Kind: string(harness.HarnessAgentDisconnected), Detail: "to reconnecting", Expected: true}}
				if i == 2 && broken {
					p.Harness.Inconclusive = true
					p.Harness.Events = append(p.Harness.Events, shard.HarnessEvent{At: 2 * time.Second, Kind: string(harness.HarnessAgentBehind), Count: 7, Detail: "7 unread"})
					p.Harness.Unverified = &shard.Counters{Sent: 20, Delivered: 13, Lost: 7}
				}
			})
		}
		rep, junit := filepath.Join(t.TempDir(), "r.json"), filepath.Join(t.TempDir(), "j.xml")
		code, out, stderr := runCLI(t, "merge", "--report-json", rep, "--junit", junit, dir)
		r := readReport(t, rep)
		if j, err := os.ReadFile(junit); err != nil || strings.Contains(string(j), "agent_behind") != broken {
			t.Errorf("JUnit must name the failed harness's event on shard 2 (broken %v): %v\n%s", broken, err, j)
		}
		if !broken {
			if code != exitFailed || r.Verdict != report.VerdictFail || r.Harness.Inconclusive || r.Metrics["harness_events"] != 0 {
				t.Fatalf("healthy harness, a lossy shard: exit %d verdict %s harness %+v; want exit 1, fail\n%s\n%s", code, r.Verdict, r.Harness, out, stderr)
			}
			continue
		}
		if code != exitInconclusive || r.Verdict != report.VerdictInconclusive || !strings.Contains(stderr, "inconclusive") || !strings.Contains(stderr, "shard(s) 2") {
			t.Fatalf("exit %d verdict %s, want 3 and inconclusive naming shard 2\n%s\n%s", code, r.Verdict, out, stderr)
		}
		if !strings.Contains(out, "INCONCLUSIVE") || !strings.Contains(out, "shard 2: 7 unread") {
			t.Errorf("summary lacks the harness section:\n%s", out)
		}
		// Exact: (90+95+100 offered + 0+1+2 held back) of 300 up; 150 of
		// 150 down.
		for metric, want := range map[string]float64{"offered_ratio_up": 288.0 / 300, "offered_ratio_down": 1,
			"offered_ratio": 438.0 / 450, "harness_events": 1, "lost": 3} {
			if got := r.Metrics[metric]; got != want {
				t.Errorf("%s = %v, want %v", metric, got, want)
			}
		}
		h := r.Harness
		if !h.Inconclusive || len(h.Events) != 4 || h.Unverified == nil || h.Unverified.Sent != 20 || h.Unverified.Lost != 7 ||
			h.Offered.Up.Nominal != 300 || h.Offered.Up.Offered != 285 || h.Offered.Up.HeldBack != 3 {
			t.Errorf("merged harness %+v", h)
		}
		for i, s := range r.Shards.Shards {
			if s.Harness.Inconclusive != (i == 2) || (s.Harness.Unverified != nil) != (i == 2) || len(s.Harness.Events) != 1+btoi(i == 2) {
				t.Errorf("shard %d harness %+v", i, s.Harness)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func readReport(t *testing.T, path string) *report.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}
