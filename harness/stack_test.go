package harness

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/internal/leakcheck"
	"github.com/wschaos/wschaos/internal/wstest"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// echoServer is a plain gorilla WebSocket echo server on loopback.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(wstest.EchoHandler())
	t.Cleanup(srv.Close)
	return srv
}

func newTargetStack(t *testing.T, target string) *Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := NewStack(ctx, StackOptions{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

// roundTrip dials url, sends one message and times its echo.
func roundTrip(t *testing.T, url string) (time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if err := c.WriteMessage(websocket.TextMessage, []byte("ping")); err != nil {
		return 0, err
	}
	_, data, err := c.ReadMessage()
	if err != nil {
		return 0, err
	}
	if string(data) != "ping" {
		return 0, errors.New("echo mismatch: " + string(data))
	}
	return time.Since(start), nil
}

func TestStackProxiesToTargetWithToxics(t *testing.T) {
	if os.Getenv(EnvToxiproxyURL) != "" {
		t.Skip("embedded-mode test")
	}
	echo := echoServer(t)
	s := newTargetStack(t, "ws"+strings.TrimPrefix(echo.URL, "http")+"/echo")
	if !s.Embedded() || !strings.HasPrefix(s.URL(""), "ws://127.0.0.1:") || !strings.HasSuffix(s.URL(""), "/echo") {
		t.Fatalf("stack url %q embedded %v", s.URL(""), s.Embedded())
	}
	base, err := roundTrip(t, s.URL(""))
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	undo, err := s.Apply(ctx, Fault{Kind: FaultLatency, Latency: Duration(100 * time.Millisecond), Stream: StreamDownstream}, 0)
	if err != nil {
		t.Fatal(err)
	}
	rtt, err := roundTrip(t, s.URL(""))
	if err != nil {
		t.Fatal(err)
	}
	if rtt < 100*time.Millisecond {
		t.Fatalf("round trip with 100ms downstream latency took %v (baseline %v)", rtt, base)
	}
	if err := undo(ctx); err != nil {
		t.Fatal(err)
	}

	undo, err = s.Apply(ctx, Fault{Kind: FaultProxyDown}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(t, s.URL("")); err == nil {
		t.Fatal("dial succeeded through a disabled proxy")
	}
	if err := undo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(t, s.URL("")); err != nil {
		t.Fatalf("after proxy up: %v", err)
	}

	// limit_data counts the handshake: 10 bytes cut the upgrade itself.
	if _, err := s.Apply(ctx, Fault{Kind: FaultLimitData, Bytes: 10}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(t, s.URL("")); err == nil {
		t.Fatal("handshake passed a 10-byte limit_data toxic")
	}
	if err := s.ResetFaults(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(t, s.URL("")); err != nil {
		t.Fatalf("after reset: %v", err)
	}

	if _, err := s.Apply(ctx, Fault{Kind: FaultDrop}, 0); !errors.Is(err, ErrNeedsServer) {
		t.Fatalf("server fault on a target stack: err = %v, want ErrNeedsServer", err)
	}
	if _, err := s.Apply(ctx, Fault{Kind: FaultLatency}, 0); !errors.Is(err, ErrInvalidFault) {
		t.Fatalf("latency without latency: err = %v, want ErrInvalidFault", err)
	}
}

// Two stacks side by side get distinct proxies on distinct ports.
func TestStacksAreIndependent(t *testing.T) {
	echo := echoServer(t)
	target := "ws" + strings.TrimPrefix(echo.URL, "http") + "/"
	a, b := newTargetStack(t, target), newTargetStack(t, target)
	if a.ProxyName() == b.ProxyName() || a.ProxyAddr() == b.ProxyAddr() {
		t.Fatalf("stacks share a proxy: %s@%s and %s@%s", a.ProxyName(), a.ProxyAddr(), b.ProxyName(), b.ProxyAddr())
	}
	ctx := context.Background()
	if _, err := a.Apply(ctx, Fault{Kind: FaultProxyDown}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(t, b.URL("")); err != nil {
		t.Fatalf("b affected by a's fault: %v", err)
	}
}

func TestStackWithFaultServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := NewStack(ctx, StackOptions{Server: faultserver.Config{DisableAdmin: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	if _, err := roundTrip(t, s.URL(faultserver.EchoPath)); err != nil {
		t.Fatal(err)
	}
	// A timeline: restart the server for 200ms, starting 50ms in.
	var log FaultLog
	start := time.Now()
	tl := Timeline{{At: Duration(50 * time.Millisecond), Duration: Duration(200 * time.Millisecond), Fault: Fault{Kind: FaultRestart}}}
	if err := s.RunTimeline(ctx, start, tl, &log); err != nil {
		t.Fatal(err)
	}
	e := log.Entries()
	if len(e) != 1 || e[0].Err != "" || e[0].End.Sub(e[0].Start) < 190*time.Millisecond {
		t.Fatalf("fault log = %+v", e)
	}
	if n := s.Server().CountEvents(faultserver.EventRestartUp); n != 1 {
		t.Fatalf("restart_up events = %d, want 1", n)
	}
	if _, err := roundTrip(t, s.URL(faultserver.EchoPath)); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestTimelineValidate(t *testing.T) {
	bad := []Timeline{
		{{Fault: Fault{Kind: "nope"}}},
		{{Duration: Duration(time.Second), Fault: Fault{Kind: FaultDrop}}},
		{{Fault: Fault{Kind: FaultProxyDown}}},
		{{At: Duration(-1), Duration: Duration(time.Second), Fault: Fault{Kind: FaultProxyDown}}},
		{{Fault: Fault{Kind: FaultLatency, Latency: Duration(time.Millisecond), Toxicity: 2}}},
	}
	for i, tl := range bad {
		if err := tl.Validate(); !errors.Is(err, ErrInvalidFault) {
			t.Errorf("timeline %d: err = %v, want ErrInvalidFault", i, err)
		}
	}
	ok := Timeline{
		{At: Duration(time.Second), Duration: Duration(time.Second), Fault: Fault{Kind: FaultProxyDown}},
		{At: Duration(3 * time.Second), Fault: Fault{Kind: FaultDrop}},
		{Fault: Fault{Kind: FaultReject, Status: 503, Count: 3}},
	}
	if err := ok.Validate(); err != nil || ok.End() != 3*time.Second || !ok.HasServerFaults() {
		t.Fatalf("valid timeline: err %v, end %v", err, ok.End())
	}
}

func TestLoadToxiproxyConfig(t *testing.T) {
	cfg, err := LoadToxiproxyConfig("../toxiproxy.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg) == 0 || cfg[0].Name != DefaultProxyName {
		t.Fatalf("toxiproxy.json = %+v, want %s first", cfg, DefaultProxyName)
	}
	for _, p := range cfg {
		if !hostIsLoopback(p.Listen) || !hostIsLoopback(p.Upstream) {
			t.Errorf("proxy %s leaves loopback: %s -> %s", p.Name, p.Listen, p.Upstream)
		}
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"dup.json":      `[{"name":"a","listen":"127.0.0.1:1","upstream":"127.0.0.1:2"},{"name":"a","listen":"127.0.0.1:3","upstream":"127.0.0.1:4"}]`,
		"nolisten.json": `[{"name":"a","upstream":"127.0.0.1:2"}]`,
		"garbage.json":  `{`,
	} {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadToxiproxyConfig(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
