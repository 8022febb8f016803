package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/internal/scenario"
)

// runCLI runs the CLI in process, as main does, with captured output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = execute(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeScenario(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tiny is a real run short enough for a unit test: two clients, one drop.
const tiny = `name: tiny
client:
  handshake_timeout: 1s
  min_uptime: 500ms
  backoff: {base: 50ms, cap: 500ms}
  heartbeat: {interval: 500ms, timeout: 1500ms}
load:
  clients: 2
  channels: 1
  publish: {up: 10, down: 10}
  duration: 3s
timeline:
  - {at: 1s, fault: drop}
slos:
  - lost == 0
  - duplicated == 0
  - failed_clients == 0
`

func TestExecuteExitCodes(t *testing.T) {
	bad := writeScenario(t, "name: bad\nload: {duration: 5 seconds}\nslos: [lost == 0]\n")
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"help", []string{"run", "--help"}, exitOK},
		{"list", []string{"run", "--list"}, exitOK},
		{"check builtin", []string{"run", "--check", "blackhole"}, exitOK},
		{"check builtin short", []string{"run", "--check", "--short", "thundering-herd"}, exitOK},
		{"unknown flag", []string{"run", "--bogus"}, exitUsage},
		{"bad flag value", []string{"run", "--seed", "abc"}, exitUsage},
		{"two args", []string{"run", "a", "b"}, exitUsage},
		{"unknown builtin", []string{"run", "no-such-scenario"}, exitUsage},
		{"missing file", []string{"run", "missing/dir/s.yaml"}, exitUsage},
		{"invalid file", []string{"run", bad}, exitUsage},
		{"list with arg", []string{"run", "--list", "default"}, exitUsage},
		{"target alone, network faults", []string{"run", "--check", "--target", "ws://127.0.0.1:1/ws", "flaky-network"}, exitOK},
		{"target alone, server faults", []string{"run", "--check", "--target", "ws://127.0.0.1:1/ws", "default"}, exitUsage},
		{"bad target url", []string{"run", "--check", "--target", "http://127.0.0.1:1/ws", "latency-spike"}, exitUsage},
		{"proxy without toxiproxy", []string{"run", "--check", "--proxy", "wschaos_session", "--target", "ws://127.0.0.1:1/ws", "latency-spike"}, exitUsage},
		{"bad toxiproxy url", []string{"run", "--check", "--toxiproxy", "127.0.0.1:8474", "default"}, exitUsage},
		{"server faults with target", []string{"run", "--check", "--toxiproxy", "http://127.0.0.1:1", "--target", "ws://127.0.0.1:1/ws", "server-restart"}, exitUsage},
		{"output dir missing", []string{"run", "--check", "--html", "/nonexistent-dir/x.html", "default"}, exitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, _, stderr := runCLI(t, c.args...); got != c.want {
				t.Errorf("execute(%q) = %d; want %d (%s)", c.args, got, c.want, stderr)
			}
		})
	}
}

func TestRunErrorsNameFileLineField(t *testing.T) {
	bad := writeScenario(t, "name: bad\nload:\n  duration: 5s\ntimeline:\n  - {at: 9s, fault: drop}\nslos: [lost == 0]\n")
	code, _, stderr := runCLI(t, "run", bad)
	if code != exitUsage || !strings.Contains(stderr, bad+":5:") || !strings.Contains(stderr, "timeline[0].at") {
		t.Fatalf("code %d, stderr %q; want exit 2 naming %s:5 and timeline[0].at", code, stderr, bad)
	}
}

func TestRunList(t *testing.T) {
	code, out, _ := runCLI(t, "run", "--list")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, info := range scenario.Builtins() {
		if !strings.Contains(out, info.Name) {
			t.Errorf("--list lacks %s:\n%s", info.Name, out)
		}
	}
}

// TestRunTiny runs a real (3 s) scenario on the embedded stack twice: as
// written it passes (exit 0); with an impossible SLO added it must fail
// (exit 1) and say which SLO failed in every output.
func TestRunTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("real run; skipped with -short")
	}
	checkNoLeaks(t)
	dir := t.TempDir()
	good := writeScenario(t, tiny)
	js, junit, html := filepath.Join(dir, "r.json"), filepath.Join(dir, "j.xml"), filepath.Join(dir, "r.html")
	start := time.Now()
	code, out, stderr := runCLI(t, "run", "--seed", "7", "--report-json", js, "--junit", junit, "--html", html, good)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("a 3s scenario took %v", d)
	}
	if !strings.Contains(out, "PASS: tiny") || !strings.Contains(stderr, "seed 7") {
		t.Errorf("stdout %q stderr %q", out, stderr)
	}
	var rep map[string]any
	data, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(data, &rep) != nil {
		t.Fatalf("JSON report: %v", err)
	}
	if rep["pass"] != true || rep["schema_version"] != float64(1) || rep["scenario"].(map[string]any)["seed"] != float64(7) {
		t.Errorf("report: pass %v version %v", rep["pass"], rep["schema_version"])
	}
	if faults := rep["faults"].([]any); len(faults) != 1 {
		t.Errorf("fault log has %d entries; want 1", len(faults))
	}
	if clients := rep["clients"].([]any); len(clients) != 2 {
		t.Errorf("report has %d clients; want 2", len(clients))
	}
	xmlData, _ := os.ReadFile(junit)
	if err := xml.Unmarshal(xmlData, new(junitProbe)); err != nil {
		t.Errorf("JUnit: %v", err)
	}
	htmlData, _ := os.ReadFile(html)
	if !bytes.Contains(htmlData, []byte("<svg")) || bytes.Contains(htmlData, []byte("http://")) {
		t.Errorf("HTML report missing charts or refers to the network")
	}

	// Negative control: sent == 0 cannot hold while the load publishes.
	impossible := writeScenario(t, strings.Replace(tiny, "  - lost == 0\n", "  - lost == 0\n  - sent == 0\n", 1))
	code, out, _ = runCLI(t, "run", "-q", "--junit", junit, impossible)
	if code != exitFailed {
		t.Fatalf("impossible SLO: exit %d; want 1\n%s", code, out)
	}
	if !strings.Contains(out, "FAIL: tiny") || !strings.Contains(out, "sent == 0") {
		t.Errorf("summary does not show the failed SLO:\n%s", out)
	}
	xmlData, _ = os.ReadFile(junit)
	if !bytes.Contains(xmlData, []byte(`failures="1"`)) {
		t.Errorf("JUnit does not count the failure:\n%s", xmlData)
	}
}

type junitProbe struct {
	XMLName xml.Name `xml:"testsuites"`
}

func TestStatusLine(t *testing.T) {
	line := statusLine(harness.Progress{Phase: harness.PhaseRun, Elapsed: 1500 * time.Millisecond, Total: 24 * time.Second,
		Clients: 8, Connected: 7, Sent: 100, InFlight: 3, Faults: []fault.Fault{fault.Restart{}}})
	for _, want := range []string{"run", "1.5s/24s", "connected 7/8", "in flight 3", "fault: restart"} {
		if !strings.Contains(line, want) {
			t.Errorf("status %q lacks %q", line, want)
		}
	}
	var buf bytes.Buffer
	p := newProgressPrinter(&buf, progressPlain)
	now := time.Unix(0, 0)
	p.now = func() time.Time { return now }
	p.update(harness.Progress{Phase: harness.PhaseRun})
	p.update(harness.Progress{Phase: harness.PhaseRun}) // same phase, too soon: skipped
	now = now.Add(plainEvery)
	p.update(harness.Progress{Phase: harness.PhaseRun})
	p.update(harness.Progress{Phase: harness.PhaseDrain}) // phase change: printed
	p.finish()
	if n := strings.Count(buf.String(), "\n"); n != 3 {
		t.Errorf("plain progress printed %d lines; want 3:\n%s", n, buf.String())
	}
	buf.Reset()
	p = newProgressPrinter(&buf, progressTTY)
	p.update(harness.Progress{Phase: harness.PhaseRun})
	p.finish()
	if !strings.HasPrefix(buf.String(), "\r\x1b[K[run") || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("tty progress %q", buf.String())
	}
}
