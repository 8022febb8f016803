package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Handshake options over real loopback sockets: TLS, headers, subprotocols.

func withTLS(s *wsServer) { s.tls = true }

// certPool trusts the test server's self-signed certificate.
func certPool(srv *wsServer) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(srv.srv.Certificate())
	return p
}

// TestTLS: wss:// with the test server's pool connects and carries data;
// certificate failures (unknown authority, wrong host name) are fatal after
// exactly one attempt; a TLS failure that is not about the certificate (a
// plain ws server behind a wss:// URL) stays retryable.
func TestTLS(t *testing.T) {
	t.Run("trusted", func(t *testing.T) {
		k := &sink{}
		srv := startServer(t, "127.0.0.1:0", k.handle, withTLS)
		var rec recorder
		cfg := fast(&rec)
		cfg.TLSConfig = &tls.Config{RootCAs: certPool(srv)}
		c := dial(t, srv.url(), cfg)
		for _, s := range []string{"x", "y"} {
			if err := c.Send(t.Context(), msg(s)); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, 5*time.Second, "2 frames over TLS", func() bool { return len(k.got()) == 2 })
		if got := k.got(); !slices.Equal(got, []string{"x", "y"}) || c.Stats().Attempts != 1 {
			t.Fatalf("server got %v after %d attempts, want [x y] after 1", got, c.Stats().Attempts)
		}
	})

	fatal := func(t *testing.T, cfg Config, url string, want any) {
		t.Helper()
		var rec recorder
		cfg.OnEvent = rec.add
		cfg.Backoff = Backoff{Base: 10 * time.Millisecond, Cap: 20 * time.Millisecond}
		c, err := New(url, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer closeClient(t, c)
		if err := c.WaitFor(t.Context(), StateFailed); err != nil {
			t.Fatal(err)
		}
		var fe *FatalError
		var he *HandshakeError
		if !errors.As(c.Err(), &fe) || !errors.As(c.Err(), &he) || he.Status != 0 || !errors.As(c.Err(), want) {
			t.Fatalf("Err = %v, want a FatalError wrapping a HandshakeError and %T", c.Err(), want)
		}
		if n := c.Stats().Attempts; n != 1 || len(rec.to(StateReconnecting)) != 0 {
			t.Fatalf("%d attempts, %d reconnects: a certificate error must not be retried", n, len(rec.to(StateReconnecting)))
		}
	}
	t.Run("unknown authority", func(t *testing.T) {
		srv := startServer(t, "127.0.0.1:0", (&sink{}).handle, withTLS)
		fatal(t, Config{}, srv.url(), &x509.UnknownAuthorityError{})
		if n := srv.count(); n != 0 {
			t.Fatalf("server upgraded %d connections without a trusted certificate", n)
		}
	})
	t.Run("wrong host name", func(t *testing.T) {
		srv := startServer(t, "127.0.0.1:0", (&sink{}).handle, withTLS)
		cfg := Config{TLSConfig: &tls.Config{RootCAs: certPool(srv), ServerName: "wrong.invalid"}}
		fatal(t, cfg, srv.url(), &x509.HostnameError{})
	})

	// Negative control for the classifier: not every TLS failure is fatal.
	t.Run("plain server behind wss is retried", func(t *testing.T) {
		srv := startServer(t, "127.0.0.1:0", (&sink{}).handle)
		c, err := New("wss://"+srv.addr()+"/", Config{MaxAttempts: 2,
			Backoff: Backoff{Base: 10 * time.Millisecond, Cap: 20 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		defer closeClient(t, c)
		_ = c.WaitFor(t.Context(), StateFailed)
		var le *LimitError
		var rh tls.RecordHeaderError
		if !errors.As(c.Err(), &le) || le.Attempts != 2 || !errors.As(c.Err(), &rh) || c.Stats().Attempts != 2 {
			t.Fatalf("Err = %v after %d attempts, want a max-attempts LimitError after 2 TLS record errors", c.Err(), c.Stats().Attempts)
		}
	})
}

// TestHeadersAndSubprotocol: every handshake, the first and each reconnect,
// carries exactly the configured headers and subprotocol offer; changing
// the caller's Config afterwards has no effect; the server's choice of
// subprotocol is reported on each Connected event.
func TestHeadersAndSubprotocol(t *testing.T) {
	var mu sync.Mutex
	var reqs []http.Header
	record := func(s *wsServer) {
		s.up.Subprotocols = []string{"chat.v1"} // the server's only choice
		s.onReq = func(r *http.Request) { mu.Lock(); reqs = append(reqs, r.Header.Clone()); mu.Unlock() }
	}
	var picked []string
	var pmu sync.Mutex
	srv := startServer(t, "127.0.0.1:0", func(ws *websocket.Conn) {
		pmu.Lock()
		picked = append(picked, ws.Subprotocol())
		pmu.Unlock()
		(&sink{}).handle(ws)
	}, record)

	var rec recorder
	cfg := fast(&rec)
	cfg.Header = http.Header{"Authorization": {"Bearer t0k3n"}, "X-Trace": {"a", "b"}}
	cfg.Subprotocols = []string{"chat.v2", "chat.v1"}
	c := dial(t, srv.url(), cfg)
	cfg.Header.Set("Authorization", "changed") // New copied cfg: no effect
	cfg.Subprotocols[0] = "changed"
	srv.dropLive(t)
	waitConnects(t, c, 2)

	mu.Lock()
	got := slices.Clone(reqs)
	mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("%d handshakes, want 2", len(got))
	}
	for i, h := range got {
		if a := h.Values("Authorization"); !slices.Equal(a, []string{"Bearer t0k3n"}) {
			t.Errorf("handshake %d: Authorization %q", i+1, a)
		}
		if x := h.Values("X-Trace"); !slices.Equal(x, []string{"a", "b"}) {
			t.Errorf("handshake %d: X-Trace %q, want [a b]", i+1, x)
		}
		if p := h.Values("Sec-Websocket-Protocol"); !slices.Equal(p, []string{"chat.v2, chat.v1"}) {
			t.Errorf("handshake %d: Sec-WebSocket-Protocol %q", i+1, p)
		}
	}
	eventually(t, 5*time.Second, "2 Connected events", func() bool { return len(rec.to(StateConnected)) == 2 })
	var seen []string
	for _, ev := range rec.to(StateConnected) {
		seen = append(seen, ev.Subprotocol)
	}
	pmu.Lock()
	defer pmu.Unlock()
	if !slices.Equal(seen, []string{"chat.v1", "chat.v1"}) || !slices.Equal(picked, seen) {
		t.Fatalf("Connected events report subprotocols %q, server picked %q; want chat.v1 twice", seen, picked)
	}
}

// TestSubprotocolNone is the negative control: a server that supports none
// of the offered subprotocols yields "" on the Connected event.
func TestSubprotocolNone(t *testing.T) {
	srv := startServer(t, "127.0.0.1:0", (&sink{}).handle, func(s *wsServer) { s.up.Subprotocols = []string{"other"} })
	var rec recorder
	cfg := fast(&rec)
	cfg.Subprotocols = []string{"chat.v1"}
	_ = dial(t, srv.url(), cfg)
	eventually(t, 5*time.Second, "the Connected event", func() bool { return len(rec.to(StateConnected)) == 1 })
	if ev := rec.to(StateConnected); len(ev) != 1 || ev[0].Subprotocol != "" {
		t.Fatalf("Connected events %+v, want one with no subprotocol", ev)
	}
}
