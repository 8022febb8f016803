package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPprofRefusesNonLoopback: a profile exposes memory, so --pprof serves
// loopback only; anything else is a usage error before the command runs.
func TestPprofRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"10.1.2.3:6060", "0.0.0.0:6060", ":6060", "example.com:6060", "nonsense"} {
		code, _, errOut := runCLI(t, "--pprof", addr, "run", "--check")
		if code != exitUsage || !strings.Contains(errOut, "--pprof") {
			t.Errorf("--pprof %s: exit %d, stderr %q; want exit 2 naming --pprof", addr, code, errOut)
		}
	}
}

// TestPprofServesUntilCancelled: on loopback the profiles are served while
// the context lives, and the port is closed once it ends.
func TestPprofServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := servePprof(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr.String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile: total") {
		t.Fatalf("status %d, body %.80q", resp.StatusCode, body)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr.String(), time.Second)
		if err != nil {
			return // closed
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepting 5 s after the context ended", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
