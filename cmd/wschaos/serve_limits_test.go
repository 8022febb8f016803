//go:build linux

package main

import (
	"io"
	"log/slog"
	"syscall"
	"testing"
)

// TestServeMaxConnsFollowsTheDescriptorLimit: serve holds one descriptor
// per connection, so its default cap is the (raised) descriptor limit less
// the reserve, not the library's 10,000, which 10,000 clients plus their
// agents exceed.
func TestServeMaxConnsFollowsTheDescriptorLimit(t *testing.T) {
	var before syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &before); err != nil {
		t.Skip("no RLIMIT_NOFILE:", err)
	}
	got := defaultMaxConns(slog.New(slog.NewTextHandler(io.Discard, nil)))
	var after syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &after); err != nil {
		t.Fatal(err)
	}
	if after.Cur != after.Max {
		t.Errorf("soft limit %d not raised to the hard %d", after.Cur, after.Max)
	}
	if want := int(max(after.Max, 2*serveFDReserve) - serveFDReserve); got != want {
		t.Errorf("defaultMaxConns = %d, want %d (hard limit %d - %d)", got, want, after.Max, serveFDReserve)
	}
}
