package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// startToxiproxy runs Toxiproxy's API server on a loopback port, as a
// stand-in for the toxiproxy-server of docker-compose, with the proxy that
// toxiproxy.json declares.
func startToxiproxy(t *testing.T) string {
	t.Helper()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Routes(), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Collection.Clear()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
	})
	api := "http://" + ln.Addr().String()
	c := toxiclient.NewClient(api)
	// The upstream is a placeholder: the run repoints it at its fault server.
	if _, err := c.CreateProxy("wschaos_session", "127.0.0.1:0", "127.0.0.1:9"); err != nil {
		t.Fatal(err)
	}
	return api
}

// TestRunExternalToxiproxy runs the tiny scenario through an external
// Toxiproxy's named proxy (--toxiproxy/--proxy), the docker-compose setup.
func TestRunExternalToxiproxy(t *testing.T) {
	if testing.Short() {
		t.Skip("real run; skipped with -short")
	}
	checkNoLeaks(t)
	api := startToxiproxy(t)
	js := filepath.Join(t.TempDir(), "r.json")
	code, out, stderr := runCLI(t, "run", "-q", "--toxiproxy", api, "--proxy", "wschaos_session", "--report-json", js, writeScenario(t, tiny))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	var rep struct {
		Stack struct{ Mode, Toxiproxy, Proxy string }
		Pass  bool
	}
	data, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(data, &rep) != nil {
		t.Fatalf("report: %v", err)
	}
	if !rep.Pass || rep.Stack.Mode != "external" || rep.Stack.Toxiproxy != api || rep.Stack.Proxy != "wschaos_session" {
		t.Errorf("report stack %+v pass %v", rep.Stack, rep.Pass)
	}
	// The proxy must be handed back pointing where it pointed before.
	p, err := toxiclient.NewClient(api).Proxy("wschaos_session")
	if err != nil || p.Upstream != "127.0.0.1:9" {
		t.Errorf("proxy after the run: %+v, %v", p, err)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}
