package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/internal/leakcheck"
)

var wschaosAdapter string

// TestMain builds the wschaos adapter once and fails the run if a goroutine
// outlives the tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "conform")
	if err != nil {
		panic(err)
	}
	wschaosAdapter = filepath.Join(dir, "wschaos-adapter")
	if out, err := exec.Command("go", "build", "-o", wschaosAdapter, "./adapters/wschaos").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build adapter: %v\n%s", err, out)
		os.Exit(1)
	}
	code := leakcheck.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

var reconnectCases = []string{"1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "4.1"}

func TestWschaosPassesEveryDeclaredCase(t *testing.T) {
	for _, mode := range []struct {
		name    string
		args    []string
		session bool
	}{{"generic", nil, false}, {"session", []string{"-session"}, true}} {
		t.Run(mode.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := Run(ctx, Config{Command: append([]string{wschaosAdapter}, mode.args...), Session: mode.session, Parallel: runtime.NumCPU()})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != len(Cases) {
				t.Fatalf("%d results, want %d", len(rep.Results), len(Cases))
			}
			for _, r := range rep.Results {
				// Generic mode declares at-most-once (no acks): through a fault
				// it is NON-STRICT every time, lost frame or not; session mode
				// declares exactly-once and must deliver every message once.
				if slices.Contains([]string{"6.2", "6.3", "6.4"}, r.Case) {
					want := map[bool]Grade{false: NonStrict, true: OK}[mode.session]
					if r.Grade != want {
						t.Errorf("%s %s: %s %s, want %s", rep.Client, r.Case, r.Grade, r.Detail, want)
					}
				}
				// It declares every capability: nothing may be UNIMPLEMENTED or FAILED.
				if r.Grade == Failed || r.Grade == Unimplemented {
					t.Errorf("%s %s: %s %s\n%s", rep.Client, r.Case, r.Grade, r.Detail, r.Stderr)
				}
				if slices.Contains(reconnectCases, r.Case) && r.Grade != OK {
					t.Errorf("%s %s: %s %s", rep.Client, r.Case, r.Grade, r.Detail)
				}
			}
		})
	}
}

// TestPlainWSFailsReconnectCases is the negative control: a client that
// never reconnects must FAIL every reconnect case.
func TestPlainWSFailsReconnectCases(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	script := filepath.Join("adapters", "node", "ws-plain.js")
	if _, err := os.Stat(filepath.Join("adapters", "node", "node_modules", "ws")); err != nil {
		t.Skip("run npm ci in conformance/adapters/node first")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{Command: []string{node, script}, Cases: reconnectCases, Parallel: runtime.NumCPU()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Client != "ws-plain" || len(rep.Results) != len(reconnectCases) {
		t.Fatalf("client %q, %d results", rep.Client, len(rep.Results))
	}
	for _, r := range rep.Results {
		if r.Grade != Failed {
			t.Errorf("%s: %s %s, want FAILED", r.Case, r.Grade, r.Detail)
		}
	}
	if rep.Passed() {
		t.Fatal("report passed")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	ctx := context.Background()
	if _, err := Run(ctx, Config{}); !errors.Is(err, ErrAdapter) {
		t.Fatalf("empty command: %v", err)
	}
	if _, err := Run(ctx, Config{Command: []string{wschaosAdapter}, Cases: []string{"9.9"}}); !errors.Is(err, ErrUnknownCase) {
		t.Fatalf("unknown case: %v", err)
	}
	if _, err := Run(ctx, Config{Command: []string{filepath.Join(t.TempDir(), "missing")}}); !errors.Is(err, ErrAdapter) {
		t.Fatalf("missing binary: %v", err)
	}
	// A hello declaring an unknown delivery guarantee is a protocol error.
	bad := filepath.Join(t.TempDir(), "bad.sh")
	script := "#!/bin/sh\nread line\necho '{\"type\":\"hello\",\"name\":\"x\",\"capabilities\":{\"delivery\":\"sometimes\"}}'\nsleep 5\n"
	if err := os.WriteFile(bad, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, Config{Command: []string{bad}}); !errors.Is(err, ErrAdapter) || !strings.Contains(err.Error(), `delivery "sometimes"`) {
		t.Fatalf("bad delivery: %v", err)
	}
	// A process that never says hello is bounded by HelloTimeout.
	start := time.Now()
	_, err := Run(ctx, Config{Command: []string{"sleep", "30"}, HelloTimeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrAdapter) || time.Since(start) > 10*time.Second {
		t.Fatalf("silent adapter: %v after %v", err, time.Since(start))
	}
}
