package main

import (
	"os"
	"testing"
	"time"

	"github.com/wschaos/wschaos/internal/scenario"
)

// e2eEnv switches on the end-to-end runs of every built-in: several minutes
// of real chaos, too long for every `go test ./...`. CI runs them with
//
//	WSCHAOS_E2E=1 go test -count=1 -timeout 30m -run TestBuiltinsEndToEnd ./cmd/wschaos
const e2eEnv = "WSCHAOS_E2E"

// TestBuiltinsEndToEnd replays the default scenario at full length (it must
// finish well under a minute and pass: README's main command) and every
// built-in with --short (each must pass: exit 0).
func TestBuiltinsEndToEnd(t *testing.T) {
	if os.Getenv(e2eEnv) == "" {
		t.Skipf("set %s=1 to replay every built-in (several minutes)", e2eEnv)
	}
	start := time.Now()
	code, out, stderr := runCLI(t, "run", "-q")
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("default scenario took %v; README promises well under a minute", d)
	}
	if code != exitOK {
		t.Errorf("default: exit %d\n%s\n%s", code, out, stderr)
	}
	t.Logf("default (full): %v", time.Since(start).Round(100*time.Millisecond))
	for _, info := range scenario.Builtins() {
		t.Run(info.Name, func(t *testing.T) {
			start := time.Now()
			code, out, stderr := runCLI(t, "run", "-q", "--short", info.Name)
			t.Logf("%s --short: exit %d in %v", info.Name, code, time.Since(start).Round(100*time.Millisecond))
			if code != exitOK {
				t.Errorf("exit %d\n%s\n%s", code, out, stderr)
			}
		})
	}
}
