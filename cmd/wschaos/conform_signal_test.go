package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wschaos/wschaos/conformance"
)

// childArgsEnv makes the test binary, run as a child by
// TestConformSIGTERMWritesPartialOutputs, act as `wschaos ARGS...` with
// main's signal handling.
const childArgsEnv = "WSCHAOS_CONFORM_CHILD_ARGS"

// TestConformChild is not a test: it is the child process's entry point.
func TestConformChild(t *testing.T) {
	raw := os.Getenv(childArgsEnv)
	if raw == "" {
		t.Skip("only runs as the child of TestConformSIGTERMWritesPartialOutputs")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

var (
	adapterOnce sync.Once
	adapterPath string
	adapterErr  error
)

// conformAdapter builds the wschaos adapter once per test binary.
func conformAdapter(t *testing.T) string {
	t.Helper()
	adapterOnce.Do(func() {
		dir, err := os.MkdirTemp("", "conform-adapter")
		if err != nil {
			adapterErr = err
			return
		}
		adapterPath = filepath.Join(dir, "adapter")
		if out, err := exec.Command("go", "build", "-o", adapterPath, "../../conformance/adapters/wschaos").CombinedOutput(); err != nil {
			adapterErr = fmt.Errorf("build adapter: %w\n%s", err, out)
		}
	})
	if adapterErr != nil {
		t.Fatal(adapterErr)
	}
	return adapterPath
}

// alive reports whether pid is a running (not reaped) process.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// TestAliveDetectsARunningProcess is the negative control of the check the
// SIGTERM test relies on: a process the test leaves running is seen alive,
// and dead once killed and reaped.
func TestAliveDetectsARunningProcess(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !alive(cmd.Process.Pid) {
		t.Fatal("a running sleep is not seen alive")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if alive(cmd.Process.Pid) {
		t.Fatal("a reaped sleep is seen alive")
	}
}

// TestConformSIGTERMWritesPartialOutputs starts `wschaos conform --suite`
// as a real process, sends it SIGTERM once the first case is graded, and
// checks it exits 1 within a bound, writes JSON and JUnit with only the
// finished cases (marked interrupted), and leaves no adapter running.
func TestConformSIGTERMWritesPartialOutputs(t *testing.T) {
	dir := t.TempDir()
	adapter := conformAdapter(t)
	// The wrapper records each adapter's pid, then becomes the adapter.
	pids := filepath.Join(dir, "pids")
	wrapper := filepath.Join(dir, "adapter.sh")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\necho $$ >> "+pids+"\nexec "+adapter+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	suite := filepath.Join(dir, "suite.json")
	sc := []suiteClient{{Name: "a", Command: []string{wrapper}}, {Name: "b", Command: []string{wrapper}}}
	data, _ := json.Marshal(sc)
	if err := os.WriteFile(suite, data, 0o644); err != nil {
		t.Fatal(err)
	}
	jsonOut, junitOut := filepath.Join(dir, "c.json"), filepath.Join(dir, "c.xml")
	// 1.1 finishes in about a second; 6.4 and 2.2 take several more.
	args, _ := json.Marshal([]string{"conform", "--suite", suite, "--progress", "--parallel", "1",
		"--case", "1.1,2.2,6.4", "--json", jsonOut, "--junit", junitOut})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestConformChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(args))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	graded := make(chan string, 1)
	var rest strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "conform: ") {
				select {
				case graded <- sc.Text():
				default:
				}
			}
			rest.WriteString(sc.Text() + "\n")
		}
	}()
	select {
	case line := <-graded:
		t.Logf("first grade: %s", line)
	case <-time.After(60 * time.Second):
		t.Fatal("no case graded within 60s")
	}
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	took := time.Since(signalled)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
		t.Fatalf("exit: %v, want code %d\n%s", err, exitFailed, rest.String())
	}
	if took > 15*time.Second {
		t.Errorf("stopped %v after SIGTERM; want within 15s", took)
	}
	if !strings.Contains(rest.String(), "interrupted") {
		t.Errorf("stderr does not say interrupted:\n%s", rest.String())
	}
	var rep struct {
		Clients []conformance.ClientReport `json:"clients"`
	}
	raw, err := os.ReadFile(jsonOut)
	if err != nil {
		t.Fatalf("no partial JSON: %v", err)
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range rep.Clients {
		total += len(c.Results)
		if !c.Interrupted && len(c.Results) < 3 {
			t.Errorf("client %s: %d results and not marked interrupted", c.Client, len(c.Results))
		}
	}
	if len(rep.Clients) != 2 || total < 1 || total >= 6 {
		t.Fatalf("%d clients, %d results: want 2 clients and 1..5 of 6 results\n%s", len(rep.Clients), total, raw)
	}
	x, err := os.ReadFile(junitOut)
	if err != nil || strings.Count(string(x), "<testcase ") != total {
		t.Fatalf("junit: %v, %d testcases, want %d", err, strings.Count(string(x), "<testcase "), total)
	}
	// Every adapter started (probes included) is gone.
	list, err := os.ReadFile(pids)
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(list))
	if len(fields) < 2 {
		t.Fatalf("%d adapters recorded, want >= 2", len(fields))
	}
	for _, f := range fields {
		pid, _ := strconv.Atoi(f)
		if alive(pid) {
			t.Errorf("adapter %d still running after the interrupted run", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
