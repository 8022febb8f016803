package wstest

import (
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/internal/fstest"
)

// StartFaultServer runs a fault server (admin API off) on an ephemeral
// loopback port for the test and closes it at cleanup, failing the test if
// it does not close within 5s.
func StartFaultServer(t testing.TB) *faultserver.Server {
	t.Helper()
	return fstest.Start(t, faultserver.Config{DisableAdmin: true})
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
