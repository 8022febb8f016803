package harness

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/gorilla/websocket"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/internal/wstest"
)

// startTarget runs a fault server on a loopback port, standing in for "your
// server": the harness gets only its URL, never the *Server.
func startTarget(t *testing.T) (*faultserver.Server, string) {
	t.Helper()
	srv := wstest.StartFaultServer(t)
	return srv, "ws://" + srv.Addr() + faultserver.SessionPath
}

// TestRunAgainstTarget runs the load against a server the harness did not
// start, with network faults on the proxy in front of it: nothing may be
// lost, and the target's own counters must agree with the harness's.
func TestRunAgainstTarget(t *testing.T) {
	srv, target := startTarget(t)
	const clients = 3
	plan := Plan{
		Name:   "target",
		Stack:  StackOptions{Target: target},
		Client: fastClient(),
		Load:   Load{Clients: clients, Channels: 2, Up: 20, Down: 10, Duration: Duration(2 * time.Second)},
		Timeline: Timeline{
			{At: Duration(200 * time.Millisecond), Duration: Duration(400 * time.Millisecond),
				Fault: Fault{Kind: FaultLatency, Latency: Duration(30 * time.Millisecond), Jitter: Duration(10 * time.Millisecond)}},
			{At: Duration(900 * time.Millisecond), Duration: Duration(300 * time.Millisecond), Fault: Fault{Kind: FaultResetPeer}},
		},
		Drain: 5 * time.Second,
	}
	res, err := Run(context.Background(), plan, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	t.Logf("summary: %+v", s)
	if len(res.Errors) != 0 {
		t.Fatalf("run errors: %v", res.Errors)
	}
	if s.Lost != 0 || s.Duplicated != 0 || s.Reordered != 0 || s.Unexpected != 0 || s.Sent == 0 || s.Delivered != s.Sent {
		t.Fatalf("messages: %+v\nqueues: %+v", res.Messages.Total, res.Messages.Queues)
	}
	if len(res.Faults) != 2 || len(res.Faults[0].Toxics) != 2 || len(res.Faults[1].Toxics) != 2 {
		t.Fatalf("fault log: %+v", res.Faults)
	}
	if res.ServerEvents != nil {
		t.Errorf("server events from a target the harness cannot see: %d", len(res.ServerEvents))
	}
	// reset_peer cuts every client: each one recovers at least once.
	if s.Recoveries < clients || s.Unrecovered != 0 || s.ConnectedClients != clients {
		t.Fatalf("recoveries = %d unrecovered = %d connected = %d", s.Recoveries, s.Unrecovered, s.ConnectedClients)
	}

	// The target counted what the harness did: one session per client plus
	// the agent (every reconnect resumed), and every publication exactly
	// once (Sent counts a client's publication twice: up to the server and
	// back down to itself; the agent's once).
	st := srv.Stats()
	published := 0
	for _, c := range res.Clients {
		published += c.Published
	}
	if st.SessionsTotal != clients+1 {
		t.Errorf("target saw %d sessions; want %d", st.SessionsTotal, clients+1)
	}
	if want := uint64(s.Sent - published); st.PublishesAccepted != want {
		t.Errorf("target accepted %d publishes; want %d (sent %d, client publications %d)", st.PublishesAccepted, want, s.Sent, published)
	}
	// The agent dials the target directly: the toxics never reach it, so its
	// session never resumed, while the clients' sessions did.
	agent, resumes := "", map[string]int{}
	for _, e := range srv.Events() {
		switch e.Kind {
		case faultserver.EventHello:
			if e.Detail == serverName { // the hello's client id
				agent = e.Session
			}
		case faultserver.EventResume:
			resumes[e.Session]++
		}
	}
	total := 0
	for _, n := range resumes {
		total += n
	}
	if total < clients {
		t.Errorf("target saw %d resumes; want at least one per client", total)
	}
	if agent == "" || resumes[agent] != 0 {
		t.Errorf("agent session %q resumed %d times: it went through the proxy", agent, resumes[agent])
	}
}

// TestPlanRefusesServerFaultsWithTarget: a fault-server action against a
// Target is a plan error naming the step, and nothing starts.
func TestPlanRefusesServerFaultsWithTarget(t *testing.T) {
	plan := Plan{
		Stack: StackOptions{Target: "ws://127.0.0.1:9/ws"},
		Load:  Load{Duration: Duration(time.Second)},
		Timeline: Timeline{
			{At: Duration(100 * time.Millisecond), Duration: Duration(100 * time.Millisecond), Fault: Fault{Kind: FaultLatency, Latency: Duration(time.Millisecond)}},
			{At: Duration(500 * time.Millisecond), Fault: Fault{Kind: FaultDrop}},
		},
	}
	start := time.Now()
	_, err := Run(context.Background(), plan, RunOptions{})
	if !errors.Is(err, ErrInvalidPlan) || !errors.Is(err, ErrNeedsServer) || !strings.Contains(err.Error(), "timeline step 1: drop") {
		t.Fatalf("err = %v; want ErrInvalidPlan and ErrNeedsServer naming step 1", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusal took %v: something started", d)
	}
	// The same plan without the server fault is valid.
	plan.Timeline = plan.Timeline[:1]
	if err := plan.Validate(); err != nil {
		t.Fatalf("network-only plan refused: %v", err)
	}
}

func TestThroughProxy(t *testing.T) {
	stack := func(target string) *Stack {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		host := u.Host
		if u.Port() == "" {
			u.Host += ":443"
		}
		return &Stack{upstream: u, targetHost: host}
	}
	s := stack("wss://staging.example:8443/ws")
	cfg := s.ThroughProxy(client.Config{})
	if got := cfg.Header.Get("Host"); got != "staging.example:8443" {
		t.Errorf("Host = %q", got)
	}
	if cfg.TLSConfig == nil || cfg.TLSConfig.ServerName != "staging.example" {
		t.Errorf("TLS = %+v", cfg.TLSConfig)
	}
	// A default port stays out of the Host header, as the URL wrote it.
	if got := stack("wss://staging.example/ws").ThroughProxy(client.Config{}).Header.Get("Host"); got != "staging.example" {
		t.Errorf("Host = %q", got)
	}
	// The caller's choices win, and the caller's values are not modified.
	mine := client.Config{Header: map[string][]string{"Host": {"mine"}}}
	d := &websocket.Dialer{TLSClientConfig: s.ThroughProxy(client.Config{}).TLSConfig.Clone()}
	d.TLSClientConfig.ServerName = ""
	mine.Dialer = d
	cfg = s.ThroughProxy(mine)
	if cfg.Header.Get("Host") != "mine" || cfg.Dialer.TLSClientConfig.ServerName != "staging.example" || d.TLSClientConfig.ServerName != "" {
		t.Errorf("cfg = %+v, dialer TLS %q, caller's dialer TLS %q", cfg.Header, cfg.Dialer.TLSClientConfig.ServerName, d.TLSClientConfig.ServerName)
	}
	// ws:// gets no TLS settings; a local fault server gets nothing at all.
	if cfg := stack("ws://10.0.0.1:80/ws").ThroughProxy(client.Config{}); cfg.TLSConfig != nil || cfg.Header.Get("Host") != "10.0.0.1:80" {
		t.Errorf("ws: %+v", cfg)
	}
	local := &Stack{server: &faultserver.Server{}, upstream: &url.URL{Scheme: "ws", Host: "127.0.0.1:1"}}
	if cfg := local.ThroughProxy(client.Config{}); cfg.Header != nil {
		t.Errorf("local: %+v", cfg.Header)
	}
}

func TestDialAddr(t *testing.T) {
	cases := []struct{ api, listen, want string }{
		{"http://127.0.0.1:8474", "127.0.0.1:26380", "127.0.0.1:26380"},
		{"http://127.0.0.1:8474", "[::]:26380", "127.0.0.1:26380"},
		{"http://toxiproxy:8474", "0.0.0.0:26380", "toxiproxy:26380"},
		{"http://[::1]:8474", "[::]:1", "[::1]:1"},
		{"http://toxiproxy:8474", "10.0.0.5:26380", "10.0.0.5:26380"},
	}
	for _, c := range cases {
		s := &Stack{api: &toxiproxyAPI{url: c.api}, proxy: &toxiclient.Proxy{Listen: c.listen}}
		if got := s.dialAddr(); got != c.want {
			t.Errorf("api %s listen %s: dial %s; want %s", c.api, c.listen, got, c.want)
		}
	}
}

// TestComposeToxiproxyConfig keeps docker/toxiproxy.json (the compose copy)
// in step with docker-compose.yml: the canonical proxy listens on every
// interface of the toxiproxy container and forwards to the faultserver
// service that the target-mode runner names.
func TestComposeToxiproxyConfig(t *testing.T) {
	cfg, err := LoadToxiproxyConfig("../docker/toxiproxy.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg) != 1 || cfg[0].Name != DefaultProxyName || cfg[0].Upstream != "faultserver:8080" || !strings.HasPrefix(cfg[0].Listen, "0.0.0.0:") {
		t.Fatalf("docker/toxiproxy.json = %+v", cfg)
	}
	compose, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(cfg[0].Listen, ":")
	for _, want := range []string{"./docker/toxiproxy.json:/config/toxiproxy.json", "--target=ws://" + cfg[0].Upstream + "/ws",
		"--proxy=" + DefaultProxyName, "127.0.0.1:" + port + ":" + port} {
		if !strings.Contains(string(compose), want) {
			t.Errorf("docker-compose.yml lacks %q", want)
		}
	}
}
