package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestStuckToxiproxyEndsTheRun replays explore's reproducer of a Toxiproxy
// v2.12 deadlock (an upstream bandwidth toxic overlapping a reset_peer; it
// hung `wschaos run` for good, SIGTERM included). The run must end, and
// when the deadlock struck it says so: exit 3 (inconclusive) with a
// toxiproxy_stuck harness event. The deadlock depends on timing, so a run
// it spared may end with any verdict; what may never happen is a hang.
func TestStuckToxiproxyEndsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the CLI (about 30s)")
	}
	bin := wschaosBinary(t)
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "run", "-q", "../../explore/testdata/toxiproxy-hang.yaml").CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("wschaos run still running after 150s (the stuck Toxiproxy hung it):\n%s", out)
	}
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	stuck := strings.Contains(string(out), "toxiproxy_stuck")
	switch {
	case stuck && code != exitInconclusive:
		t.Fatalf("toxiproxy got stuck but the exit was %d, want %d:\n%s", code, exitInconclusive, out)
	case !stuck:
		t.Logf("the deadlock did not strike this time (exit %d)", code)
	}
}
