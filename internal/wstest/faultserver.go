package wstest

import (
	"context"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
)

// StartFaultServer runs a fault server (admin API off) on an ephemeral
// loopback port for the test and closes it at cleanup, failing the test if
// it does not close within 5s.
func StartFaultServer(t testing.TB) *faultserver.Server {
	t.Helper()
	srv, err := faultserver.New(faultserver.Config{DisableAdmin: true})
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

// FastClient is a client configuration scaled down so a test sees many
// reconnects in a second: backoff 20ms..200ms with full jitter, heartbeat
// every 200ms with a 600ms timeout.
func FastClient() client.Config {
	return client.Config{
		HandshakeTimeout: 2 * time.Second,
		Backoff:          client.Backoff{Base: 20 * time.Millisecond, Cap: 200 * time.Millisecond, Jitter: client.JitterFull},
		MinUptime:        100 * time.Millisecond,
		PingInterval:     200 * time.Millisecond,
		PongTimeout:      600 * time.Millisecond,
	}
}
