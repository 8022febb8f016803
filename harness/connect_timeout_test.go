package harness

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// startBlackhole listens on loopback and accepts connections that are never
// answered (a server too loaded to complete a handshake); it returns a
// ws:// URL for it.
func startBlackhole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "ws://" + ln.Addr().String() + "/ws"
}

// TestConnectTimeoutSaysHowFar: a plan whose connect timeout is too short
// for its target (one that never answers a handshake) fails with a
// *ConnectTimeoutError whose text names the exact counts, what timed out
// and the setting to raise, never a bare "context deadline exceeded".
func TestConnectTimeoutSaysHowFar(t *testing.T) {
	cfg := fastClient()
	cfg.HandshakeTimeout = 200 * time.Millisecond
	plan := Plan{
		Name:           "connect-timeout",
		Stack:          StackOptions{Target: startBlackhole(t), Toxiproxy: ToxiproxyEmbedded},
		Client:         cfg,
		Load:           Load{Clients: 3, Channels: 2, Duration: Duration(time.Second)},
		ConnectTimeout: 1500 * time.Millisecond,
	}
	start := time.Now()
	res, err := Run(t.Context(), plan, RunOptions{})
	if res != nil || err == nil {
		t.Fatalf("Run = %v, %v; want no result and an error", res, err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Run took %v; the connect phase is bounded by 1.5s (plus setup and teardown)", d)
	}
	var ce *ConnectTimeoutError
	if !errors.As(err, &ce) || !errors.Is(err, ErrConnectTimeout) {
		t.Fatalf("error %q (%T); want a *ConnectTimeoutError", err, err)
	}
	want := ConnectTimeoutError{Timeout: 1500 * time.Millisecond, Waiting: "the agents' attaches",
		Clients: 3, Connected: 0, Attached: 0, ChannelsPer: 2, Agents: 1, AgentsConnected: 0, AgentChannels: 6, AgentAttached: 0}
	got := *ce
	got.LastError, got.Others = "", nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("error fields %+v\nwant %+v", got, want)
	}
	if ce.LastError == "" {
		t.Errorf("no client's last connection error in %q (each had a handshake time out)", err)
	}
	msg := err.Error()
	for _, s := range []string{
		"connect timed out after 1.5s waiting for the agents' attaches",
		"0 of 3 clients connected, 0 of 3 attached their 2 channel(s)",
		"agents: 0 of 1 connected, 0 of 6 channels attached",
		"raise load.connect_timeout in the scenario file (Plan.ConnectTimeout; default 30s + 10ms per client and per channel attach: 30.09s for this plan)",
	} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q\nlacks %q", msg, s)
		}
	}
	if strings.HasPrefix(msg, "context deadline exceeded") || strings.Count(msg, "failed to attach") > 0 {
		t.Errorf("error %q repeats the attach errors instead of counting them", msg)
	}
}

// TestConnectTimeoutControl is the negative control: the same plan against
// a server that answers connects and attaches well within the timeout
// (BeforeLoad stops the run right after the connect phase).
func TestConnectTimeoutControl(t *testing.T) {
	_, target := startTarget(t)
	stop := errors.New("connected")
	plan := Plan{
		Name:           "connect-ok",
		Stack:          StackOptions{Target: target, Toxiproxy: ToxiproxyEmbedded},
		Client:         fastClient(),
		Load:           Load{Clients: 3, Channels: 2, Duration: Duration(time.Second)},
		ConnectTimeout: 10 * time.Second,
	}
	_, err := Run(t.Context(), plan, RunOptions{BeforeLoad: func(context.Context) error { return stop }})
	if !errors.Is(err, stop) {
		t.Fatalf("Run = %v; want the connect phase to finish (BeforeLoad's error)", err)
	}
}

// TestConnectTimeoutErrorText pins the message for a run that got part of
// the way: every count, what it waited for, a client's last error and the
// default for the plan's size.
func TestConnectTimeoutErrorText(t *testing.T) {
	e := &ConnectTimeoutError{Timeout: 70 * time.Second, Waiting: "the clients' attaches", Clients: 2000, Connected: 1234,
		Attached: 1100, ChannelsPer: 1, Agents: 4, AgentsConnected: 4, AgentChannels: 2000, AgentAttached: 2000,
		LastError: "c1999: dial tcp 127.0.0.1:1: connect: too many open files"}
	want := "harness: connect timed out after 1m10s waiting for the clients' attaches: 1234 of 2000 clients connected, " +
		"1100 of 2000 attached their 1 channel(s); agents: 4 of 4 connected, 2000 of 2000 channels attached; " +
		"last error of a client not connected: c1999: dial tcp 127.0.0.1:1: connect: too many open files; " +
		"raise load.connect_timeout in the scenario file (Plan.ConnectTimeout; default 30s + 10ms per client and per channel attach: " +
		"1m10s for this plan), or run fewer clients per process (wschaos run --shard)"
	if e.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", e.Error(), want)
	}
}

// TestDefaultConnectTimeoutGrows: the default is 30s for a small plan and
// grows by 10ms per connection and attach; Validate refuses a negative one.
func TestDefaultConnectTimeoutGrows(t *testing.T) {
	for _, c := range []struct {
		clients, channels int
		want              time.Duration
	}{{4, 2, 30*time.Second + 120*time.Millisecond}, {2000, 1, 70 * time.Second}, {10000, 1, 230 * time.Second}, {0, 0, 30 * time.Second}} {
		if got := DefaultConnectTimeout(c.clients, c.channels); got != c.want {
			t.Errorf("DefaultConnectTimeout(%d, %d) = %v, want %v", c.clients, c.channels, got, c.want)
		}
	}
	p := Plan{Load: Load{Clients: 2000, Channels: 1, Duration: Duration(time.Second)}}.withDefaults()
	if p.ConnectTimeout != 70*time.Second {
		t.Errorf("plan default = %v, want 70s", p.ConnectTimeout)
	}
	if err := (Plan{Load: Load{Duration: Duration(time.Second)}, ConnectTimeout: -time.Second}).Validate(); !errors.Is(err, ErrInvalidPlan) {
		t.Errorf("negative connect timeout: Validate = %v, want ErrInvalidPlan", err)
	}
}
