package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/internal/wstest"
)

// tinyNet is tiny with network faults only: latency, then every connection
// through the proxy reset.
var tinyNet = strings.Replace(tiny, "  - {at: 1s, fault: drop}\n",
	"  - {at: 300ms, fault: latency, duration: 400ms, attributes: {latency: 20ms}}\n"+
		"  - {at: 1200ms, fault: reset_peer, duration: 300ms}\n", 1)

// startYourServer runs a fault server on a loopback port as "your server":
// the CLI gets nothing but its URL.
func startYourServer(t *testing.T) (*faultserver.Server, string) {
	t.Helper()
	srv := wstest.StartFaultServer(t)
	return srv, "ws://" + srv.Addr() + faultserver.SessionPath
}

type targetReport struct {
	Pass  bool
	Stack struct{ Mode, Target, Toxiproxy, Proxy string }
	// Metrics are the SLO metrics (docs/REPORT.md).
	Metrics  map[string]float64
	Faults   []json.RawMessage
	Messages struct {
		Up, Down struct{ Sent, Delivered int }
	}
	Errors []string
}

// TestRunTarget runs a network-fault scenario against a server the CLI did
// not start, through the in-process Toxiproxy and through an external
// Toxiproxy's named proxy (the docker-compose setup): both pass with nothing
// lost, and the server counted exactly what the report says was published.
func TestRunTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("real run; skipped with -short")
	}
	checkNoLeaks(t)
	api := startToxiproxy(t)
	for _, c := range []struct {
		name string
		args []string
		toxi string
	}{
		{"in-process toxiproxy", nil, "embedded"},
		{"external toxiproxy", []string{"--toxiproxy", api, "--proxy", "wschaos_session"}, api},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, target := startYourServer(t)
			js := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"run", "-q", "--target", target, "--report-json", js}, c.args...)
			code, out, stderr := runCLI(t, append(args, writeScenario(t, tinyNet))...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
			}
			if !strings.Contains(stderr, "target "+target+" behind") {
				t.Errorf("header does not name the target: %s", stderr)
			}
			var rep targetReport
			data, err := os.ReadFile(js)
			if err != nil || json.Unmarshal(data, &rep) != nil {
				t.Fatalf("report: %v", err)
			}
			m := rep.Metrics
			t.Logf("metrics: sent %v delivered %v lost %v recoveries %v", m["sent"], m["delivered"], m["lost"], m["recoveries"])
			if !rep.Pass || len(rep.Errors) != 0 || rep.Stack.Mode != "external" || rep.Stack.Target != target || rep.Stack.Toxiproxy != c.toxi {
				t.Errorf("report: pass %v errors %v stack %+v", rep.Pass, rep.Errors, rep.Stack)
			}
			if m["sent"] == 0 || m["delivered"] != m["sent"] || m["lost"] != 0 || m["duplicated"] != 0 || m["unexpected"] != 0 {
				t.Errorf("messages: %v", m)
			}
			if m["recoveries"] < 2 || m["failed_clients"] != 0 || len(rep.Faults) != 2 {
				t.Errorf("recoveries %v failed %v faults %d", m["recoveries"], m["failed_clients"], len(rep.Faults))
			}
			// The server accepted each publication once. Every one of them is
			// sent down exactly once: a client's back to itself (it is
			// attached to its channels), the agent's to the channel's client.
			up, down := rep.Messages.Up, rep.Messages.Down
			if up.Sent == 0 || up.Delivered != up.Sent || down.Delivered != down.Sent || up.Sent+down.Sent != int(m["sent"]) {
				t.Errorf("messages: %+v", rep.Messages)
			}
			st := srv.Stats()
			if st.PublishesAccepted != uint64(down.Sent) {
				t.Errorf("server accepted %d publishes; the report sent %d down", st.PublishesAccepted, down.Sent)
			}
			if st.SessionsTotal != 3 { // two clients and the agent; every reconnect resumed
				t.Errorf("server saw %d sessions; want 3", st.SessionsTotal)
			}
		})
	}
	// The named proxy is handed back as it was.
	if p, err := toxiclient.NewClient(api).Proxy("wschaos_session"); err != nil || p.Upstream != "127.0.0.1:9" {
		t.Errorf("proxy after the runs: %+v, %v", p, err)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// TestRunTargetRefusesServerFaults: a fault-server action cannot be replayed
// against a foreign server, so the run stops before it starts, with exit 2
// and the step's file:line, whether the target comes from a flag or the file.
func TestRunTargetRefusesServerFaults(t *testing.T) {
	file := writeScenario(t, tiny) // timeline[0] (line 13) is a drop
	start := time.Now()
	code, _, stderr := runCLI(t, "run", "-q", "--target", "ws://127.0.0.1:9/ws", file)
	if code != exitUsage || !strings.Contains(stderr, file+":13:") || !strings.Contains(stderr, "timeline[0].fault: drop is a fault-server action") {
		t.Fatalf("exit %d (%s); want 2 naming %s:13 timeline[0]", code, stderr, file)
	}
	inFile := writeScenario(t, "stack: {mode: external, target: 'ws://127.0.0.1:9/ws'}\n"+tiny)
	code, _, stderr = runCLI(t, "run", "-q", inFile)
	if code != exitUsage || !strings.Contains(stderr, inFile+":14") || !strings.Contains(stderr, "timeline[0].fault") {
		t.Fatalf("exit %d (%s); want 2 naming %s:14 timeline[0].fault", code, stderr, inFile)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusals took %v: something ran", d)
	}
	// The network-only variant of the same file is valid.
	code, out, stderr := runCLI(t, "run", "--check", "--target", "ws://127.0.0.1:9/ws", writeScenario(t, tinyNet))
	if code != exitOK {
		t.Fatalf("network-only --check: exit %d\n%s%s", code, out, stderr)
	}
}
