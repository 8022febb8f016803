package conformance

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	zlog "github.com/rs/zerolog/log"
)

// silenceToxiproxy quiets zerolog's global logger, which Toxiproxy's links
// log through too, when the first proxy starts (not in init, so importing
// conformance changes no global).
var silenceToxiproxy = sync.OnceFunc(func() { zlog.Logger = zerolog.Nop() })

// proxy puts an embedded Toxiproxy (loopback, ephemeral port) between the
// adapters and the fault server: stopping it is a network outage the server
// does not cause, closing both sides' TCP connections and refusing new ones.
func (e *env) proxy() (*toxiproxy.Proxy, string, error) {
	silenceToxiproxy()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "conform", "127.0.0.1:0", e.srv.Addr())
	if err := p.Start(); err != nil {
		return nil, "", fmt.Errorf("toxiproxy: %w", err)
	}
	e.cleanup = append(e.cleanup, p.Stop)
	return p, strings.Replace(e.endpoint("c0"), e.srv.Addr(), p.Listen, 1), nil
}

// connectThroughProxy starts a proxy in front of the endpoint and one
// adapter, and connects the adapter through the proxy.
func (e *env) connectThroughProxy() (*toxiproxy.Proxy, *adapter, error) {
	p, u, err := e.proxy()
	if err != nil {
		return nil, nil, err
	}
	a, err := e.start()
	if err != nil {
		return nil, nil, err
	}
	since := time.Now()
	opts := e.options()
	if err := a.send(Command{Cmd: "connect", URL: u, Options: &opts}); err != nil {
		return nil, nil, err
	}
	if _, err := e.waitHandshake(since, 10*time.Second, "c0", upgraded); err != nil {
		return nil, nil, fmt.Errorf("%w: not connected through the proxy: %w", ErrAdapter, err)
	}
	return p, a, nil
}

func scenarioLossOutage(e *env) (map[string]verdict, error) {
	p, a, err := e.connectThroughProxy()
	if err != nil {
		return nil, err
	}
	ids, w, err := e.stream(a, func() error {
		p.Stop()
		if err := e.sleep(500 * time.Millisecond); err != nil {
			return err
		}
		return p.Start()
	})
	if err != nil {
		return nil, err
	}
	e.settle(w.back, ids)
	return map[string]verdict{"6.3": gradeDelivery(deliveries(ids, a, e.srv.Frames(), w), a.caps.Delivery, true)}, nil
}
