//go:build linux || darwin

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envChild makes the test binary a CLI child: "SOFT:HARD" RLIMIT_NOFILE is
// set, then the CLI runs with the arguments in envArgs.
const (
	envChild = "WSCHAOS_PREFLIGHT_CHILD"
	envArgs  = "WSCHAOS_PREFLIGHT_ARGS"
)

// TestPreflightChild is the child side of runUnderLimit; it skips unless
// re-executed by it.
func TestPreflightChild(t *testing.T) {
	lim := os.Getenv(envChild)
	if lim == "" {
		t.Skip("child of the preflight tests only")
	}
	soft, hard, _ := strings.Cut(lim, ":")
	s, _ := strconv.ParseUint(soft, 10, 64)
	h, _ := strconv.ParseUint(hard, 10, 64)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: s, Max: h}); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		os.Exit(99)
	}
	os.Exit(execute(context.Background(), strings.Split(os.Getenv(envArgs), "\x1f"), os.Stdout, os.Stderr))
}

// runUnderLimit runs the CLI in a child process whose RLIMIT_NOFILE is
// soft:hard, so the limits of this test process stay untouched.
func runUnderLimit(t *testing.T, soft, hard int, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestPreflightChild$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d:%d", envChild, soft, hard), envArgs+"="+strings.Join(args, "\x1f"))
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("child: %v", err)
	}
	return code, out.String(), errOut.String()
}

// many is a plan too big for 1,000 descriptors all-embedded: 300 x 4 + 66.
const many = `name: many
load:
  clients: 300
  channels: 1
  duration: 3s
slos: [lost == 0]
`

func TestPreflightRefusesBelowLimit(t *testing.T) {
	p := writeScenario(t, many)
	code, _, stderr := runUnderLimit(t, 1000, 1000, "run", p)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr)
	}
	for _, want := range []string{"RLIMIT_NOFILE", "needs 1266 file descriptors", "300 clients x 4 + 66",
		"limit is 1000", "room for 233 clients", "ulimit -n 1266", "LimitNOFILE=1266", "wschaos serve", "toxiproxy-server"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "deadline exceeded") {
		t.Errorf("refusal must come before connecting:\n%s", stderr)
	}
	// --check says the same without running; --skip-preflight lets it through
	code, stdout, _ := runUnderLimit(t, 1000, 1000, "run", "--check", p)
	if code != exitUsage || !strings.Contains(stdout, "needs 1266 file descriptors") || !strings.Contains(stdout, "hard 1000") {
		t.Fatalf("--check: exit %d, stdout %q; want exit 2 and the need", code, stdout)
	}
	if code, _, stderr := runUnderLimit(t, 1000, 1000, "run", "--check", "--skip-preflight", p); code != exitOK {
		t.Fatalf("--check --skip-preflight: exit %d, want 0; stderr:\n%s", code, stderr)
	}
}

// TestPreflightRaisesSoftLimit is the negative control: the same plan fits
// once the soft limit is raised to the hard one, and the run itself (a
// tiny real one under the same low soft limit) passes.
func TestPreflightRaisesSoftLimit(t *testing.T) {
	if code, stdout, _ := runUnderLimit(t, 1000, 2000, "run", "--check", writeScenario(t, many)); code != exitOK ||
		!strings.Contains(stdout, "needs 1266 file descriptors") {
		t.Fatalf("--check under hard 2000: exit %d, stdout %q; want 0", code, stdout)
	}
	code, _, stderr := runUnderLimit(t, 100, 2000, "run", "-q", writeScenario(t, tiny))
	if code != exitOK {
		t.Fatalf("tiny run: exit %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "raised RLIMIT_NOFILE") || !strings.Contains(stderr, "from=100 to=2000") {
		t.Fatalf("stderr lacks the raise:\n%s", stderr)
	}
}
