package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServePrintsURLsAndStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs syncBuffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetErr(&logs)
	root.SetArgs([]string{"serve", "--listen", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	adminRE := regexp.MustCompile(`admin API\s+(http://127\.0\.0\.1:\d+)`)
	var admin string
	for deadline := time.Now().Add(5 * time.Second); admin == ""; time.Sleep(10 * time.Millisecond) {
		if m := adminRE.FindStringSubmatch(out.String()); m != nil {
			admin = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no admin URL printed; stdout %q stderr %q", out.String(), logs.String())
		}
	}
	if !regexp.MustCompile(`session endpoint\s+ws://127\.0\.0\.1:\d+/ws`).MatchString(out.String()) {
		t.Fatalf("no session URL in %q", out.String())
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(admin + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
	cancel() // what SIGINT does through main's signal.NotifyContext
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

func TestServeRefusesOffLoopbackAdminWithoutToken(t *testing.T) {
	t.Setenv(adminTokenEnv, "")
	root := newRootCommand()
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	root.SetArgs([]string{"serve", "--listen", "127.0.0.1:0", "--admin-addr", "0.0.0.0:0"})
	err := root.ExecuteContext(t.Context())
	var ex *exitError
	if !errors.As(err, &ex) || ex.code != exitUsage {
		t.Fatalf("err %v, want exit code %d", err, exitUsage)
	}
}
