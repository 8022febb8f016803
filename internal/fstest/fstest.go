// Package fstest starts real fault servers for tests. It imports only
// faultserver, so the client package's own tests can use it (internal/wstest
// imports client and cannot be imported from there).
package fstest

import (
	"context"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// Start runs a fault server with cfg on an ephemeral loopback port for the
// test and closes it at cleanup, failing the test if it does not close
// within 5s.
func Start(t testing.TB, cfg faultserver.Config) *faultserver.Server {
	t.Helper()
	srv, err := faultserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close fault server: %v", err)
		}
	})
	return srv
}
