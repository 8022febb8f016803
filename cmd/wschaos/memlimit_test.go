package main

import (
	"strings"
	"testing"
)

// TestMemoryLimitFlag: the GC policy is off unless asked for; anything but
// off or auto is a usage error that says how to choose a fixed size.
func TestMemoryLimitFlag(t *testing.T) {
	code, _, errOut := runCLI(t, "run", "--memory-limit", "1GiB", "--check")
	if code != exitUsage || !strings.Contains(errOut, "GOMEMLIMIT") {
		t.Errorf("--memory-limit 1GiB: exit %d, stderr %q; want exit 2 naming GOMEMLIMIT", code, errOut)
	}
	for _, v := range []string{"off", "auto"} {
		if code, _, errOut := runCLI(t, "run", "--memory-limit", v, "--check"); code != exitOK {
			t.Errorf("--memory-limit %s --check: exit %d, stderr %q", v, code, errOut)
		}
	}
}
