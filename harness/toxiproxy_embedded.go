package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	zlog "github.com/rs/zerolog/log"
)

// silenceToxicLogs quiets zerolog's global logger, once, when the first
// embedded Toxiproxy starts. Toxiproxy's bandwidth toxic logs through that
// global at trace level (to stderr), and nothing lets us hand it another
// logger. Doing it at the first embedded start rather than in an init keeps
// importers that never embed Toxiproxy (external mode, or packages that only
// use the types) untouched. It happens before that stack starts any
// Toxiproxy goroutine, and sync.Once orders it before every later stack's,
// so no toxic reads the variable while it is written. A program that embeds
// Toxiproxy and logs through zerolog's global logger itself loses those
// logs: documented in docs/ARCHITECTURE.md. The embedded server itself gets
// its own Nop logger below.
var silenceToxicLogs = sync.OnceFunc(func() { zlog.Logger = zerolog.Nop() })

// embeddedToxiproxy is Toxiproxy's API server run inside this process on an
// ephemeral loopback port. Each Stack gets its own, so specs can run in
// parallel: there is no shared proxy collection. Metrics stay disabled and use
// a private registry, so nothing touches prometheus' global registry.
type embeddedToxiproxy struct {
	server *toxiproxy.ApiServer
	http   *http.Server
	ln     net.Listener
	done   chan struct{}
}

func startEmbeddedToxiproxy() (*toxiproxyAPI, error) {
	silenceToxicLogs()
	metrics := toxiproxy.NewMetricsContainer(prometheus.NewRegistry())
	srv := toxiproxy.NewServer(metrics, zerolog.Nop())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("harness: failed to listen for embedded toxiproxy API: %w", err)
	}
	e := &embeddedToxiproxy{
		server: srv,
		http:   &http.Server{Handler: srv.Routes(), ReadHeaderTimeout: 5 * time.Second},
		ln:     ln,
		done:   make(chan struct{}),
	}
	go func() {
		defer close(e.done)
		// Serve returns ErrServerClosed after Shutdown; nothing else to report.
		_ = e.http.Serve(ln)
	}()
	url := "http://" + ln.Addr().String()
	return &toxiproxyAPI{url: url, client: toxiclient.NewClient(url), embedded: e}, nil
}

// close stops every proxy (closing their connections) and the API server.
// A stuck Toxiproxy (see ErrToxiproxyStuck) is abandoned: its proxies keep
// their goroutines until the process ends, but the run does not hang.
func (e *embeddedToxiproxy) close(g *toxiGuard) error {
	clearErr := g.call(context.Background(), "clear the embedded proxies", e.server.Collection.Clear)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shutErr := e.http.Shutdown(ctx)
	<-e.done
	if err := errors.Join(clearErr, shutErr); err != nil {
		return fmt.Errorf("harness: failed to stop embedded toxiproxy: %w", err)
	}
	return nil
}
