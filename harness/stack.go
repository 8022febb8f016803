package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/wschaos/wschaos/faultserver"
)

// StackOptions configures a [Stack]. The zero value is an embedded Toxiproxy
// in front of a local fault server with its default config.
type StackOptions struct {
	// Toxiproxy says which Toxiproxy to drive: [ToxiproxyAuto] (the zero
	// value: ToxiproxyURL, else $TOXIPROXY_URL, else embedded),
	// [ToxiproxyEmbedded] (always in-process, whatever the URL and the
	// environment say) or [ToxiproxyExternal] (ToxiproxyURL, else
	// $TOXIPROXY_URL; an error with neither).
	Toxiproxy ToxiproxyMode
	// ToxiproxyURL is the API of an external toxiproxy-server, e.g.
	// "http://127.0.0.1:8474". The old value "embedded" is still accepted
	// and means Toxiproxy: ToxiproxyEmbedded.
	ToxiproxyURL string
	// ProxyName, with an external Toxiproxy, uses that existing proxy (as
	// declared in toxiproxy.json, e.g. DefaultProxyName) instead of creating
	// a uniquely named one: its upstream is repointed at this stack's server
	// and restored on Close. Only one stack at a time may use a named proxy.
	// Empty (the default, and what parallel specs use) creates a proxy named
	// "wschaos_<random>" listening on 127.0.0.1:0 and deletes it on Close.
	ProxyName string
	// Target is the WebSocket URL (ws:// or wss://) of the server under test,
	// used instead of a local fault server: the proxy forwards to its
	// host:port, clients dial the proxy ([Stack.URL], [Stack.ThroughProxy])
	// and [Stack.DirectURL] reaches the target itself. Only network faults
	// apply. [Run] needs the target to speak the session protocol
	// (docs/PROTOCOL.md), as `wschaos serve` does.
	Target string
	// Server configures the local fault server (ignored with Target).
	Server faultserver.Config
	// TargetAdmin, with Target, is the target's admin API (a `wschaos
	// serve` one): fault-server faults are then applied through it, and its
	// event log goes into the Result. Nil: network faults only.
	TargetAdmin *AdminClient
}

// Stack is a fault server (or an external target) with a Toxiproxy proxy in
// front of it. Clients dial [Stack.URL]; faults go through [Stack.Apply].
// Every method is safe for concurrent use.
type Stack struct {
	opts   StackOptions
	api    *toxiproxyAPI
	server *faultserver.Server // nil with a Target

	proxyMu  sync.Mutex
	proxy    *toxiclient.Proxy
	owned    bool   // true: created by this stack, deleted on Close
	restore  string // upstream to restore on Close for a named proxy
	names    toxicNamer
	upstream *url.URL // where the proxy points (scheme ws/wss, host, path)
	// targetHost is the Target's host as written, for the Host header.
	targetHost string

	admin      *AdminClient // with a Target: its admin API, or nil
	adminSince uint64       // the admin event log's newest id when the stack started

	closeOnce sync.Once
	closeErr  error
}

// NewStack starts the fault server (unless opts.Target is set) and a proxy in
// front of it. Close it when done; Close stops everything it started.
func NewStack(ctx context.Context, opts StackOptions) (_ *Stack, err error) {
	s := &Stack{opts: opts}
	defer func() {
		if err != nil {
			_ = s.Close(context.WithoutCancel(ctx))
		}
	}()
	if opts.Target != "" {
		u, err := url.Parse(opts.Target)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return nil, fmt.Errorf("harness: target %q: want a ws:// or wss:// URL with a host", opts.Target)
		}
		s.targetHost = u.Host // as written: the Host header omits a default port
		if u.Port() == "" {
			u.Host = net.JoinHostPort(u.Hostname(), map[string]string{"ws": "80", "wss": "443"}[u.Scheme])
		}
		s.upstream = u
		if err := s.connectAdmin(ctx); err != nil {
			return nil, err
		}
	} else {
		srv, err := startFaultServer(ctx, opts.Server)
		if err != nil {
			return nil, err
		}
		s.server = srv
		s.upstream = &url.URL{Scheme: "ws", Host: srv.Addr()}
	}
	if s.api, err = connectToxiproxy(opts.Toxiproxy, opts.ToxiproxyURL); err != nil {
		return nil, err
	}
	if err := s.setUpProxy(); err != nil {
		return nil, err
	}
	return s, nil
}

// ToxiproxyMode selects the Toxiproxy a [Stack] drives.
type ToxiproxyMode string

// Toxiproxy modes.
const (
	// ToxiproxyAuto uses StackOptions.ToxiproxyURL, else $TOXIPROXY_URL,
	// else an embedded Toxiproxy.
	ToxiproxyAuto ToxiproxyMode = ""
	// ToxiproxyEmbedded runs Toxiproxy's server in this process on loopback.
	ToxiproxyEmbedded ToxiproxyMode = "embedded"
	// ToxiproxyExternal drives a running toxiproxy-server over its HTTP API.
	ToxiproxyExternal ToxiproxyMode = "external"
)

// connectToxiproxy picks embedded or external per StackOptions.
func connectToxiproxy(mode ToxiproxyMode, u string) (*toxiproxyAPI, error) {
	if u == string(ToxiproxyEmbedded) { // the old spelling of the mode
		mode, u = ToxiproxyEmbedded, ""
	}
	switch mode {
	case ToxiproxyEmbedded:
		return startEmbeddedToxiproxy()
	case ToxiproxyAuto, ToxiproxyExternal:
	default:
		return nil, fmt.Errorf("harness: unknown Toxiproxy mode %q", mode)
	}
	if u == "" {
		u = os.Getenv(EnvToxiproxyURL)
	}
	if u == "" {
		if mode == ToxiproxyExternal {
			return nil, fmt.Errorf("harness: external Toxiproxy: no ToxiproxyURL and no $%s", EnvToxiproxyURL)
		}
		return startEmbeddedToxiproxy()
	}
	c := toxiclient.NewClient(u)
	if _, err := c.Version(); err != nil {
		return nil, fmt.Errorf("harness: failed to reach toxiproxy at %s: %w", u, err)
	}
	return &toxiproxyAPI{url: u, client: c}, nil
}

func (s *Stack) setUpProxy() error {
	upstream := s.upstream.Host
	if s.opts.ProxyName == "" {
		p, err := s.api.client.CreateProxy(uniqueName("wschaos"), "127.0.0.1:0", upstream)
		if err != nil {
			return fmt.Errorf("harness: failed to create proxy: %w", err)
		}
		s.proxy, s.owned = p, true
		return nil
	}
	p, err := s.api.client.Proxy(s.opts.ProxyName)
	if err != nil {
		return fmt.Errorf("harness: proxy %q (declare it in toxiproxy.json): %w", s.opts.ProxyName, err)
	}
	if err := s.api.client.ResetState(); err != nil {
		return fmt.Errorf("harness: failed to reset toxiproxy: %w", err)
	}
	s.restore = p.Upstream
	p.Upstream, p.Enabled = upstream, true
	if err := p.Save(); err != nil {
		return fmt.Errorf("harness: failed to point proxy %q at %s: %w", p.Name, upstream, err)
	}
	s.proxy = p
	return nil
}

// URL returns the WebSocket URL clients dial: the proxy's address with path
// (e.g. faultserver.SessionPath). With a Target, an empty path means the
// target's own path and query.
func (s *Stack) URL(path string) string {
	u := *s.upstream
	u.Host = s.dialAddr()
	if path != "" || s.server != nil {
		u.Path, u.RawQuery = path, ""
	}
	return u.String()
}

// SessionURL is the session endpoint through the proxy: the local fault
// server's SessionPath, or the Target's own path and query.
func (s *Stack) SessionURL() string { return s.URL(s.sessionPath()) }

// DirectSessionURL is SessionURL bypassing the proxy: the Target itself, or
// the local fault server's session endpoint.
func (s *Stack) DirectSessionURL() string { return s.DirectURL(s.sessionPath()) }

func (s *Stack) sessionPath() string {
	if s.server != nil {
		return faultserver.SessionPath
	}
	return "" // the target's own
}

// dialAddr is where a client reaches the proxy. A proxy listening on every
// interface (Toxiproxy reports "0.0.0.0:p" or "[::]:p", as a toxiproxy.json
// written for a container does) is reached on the Toxiproxy API's host: the
// proxy runs there.
func (s *Stack) dialAddr() string {
	listen := s.ProxyAddr()
	h, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
		return listen
	}
	host := "127.0.0.1"
	if u, err := url.Parse(s.api.url); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return net.JoinHostPort(host, port)
}

// DirectURL is like URL but bypasses the proxy (no network faults apply).
func (s *Stack) DirectURL(path string) string {
	u := *s.upstream
	if path != "" || s.server != nil {
		u.Path, u.RawQuery = path, ""
	}
	return u.String()
}

// ProxyAddr is the proxy's listen address (host:port).
func (s *Stack) ProxyAddr() string {
	s.proxyMu.Lock()
	defer s.proxyMu.Unlock()
	return s.proxy.Listen
}

// ProxyName is the Toxiproxy name of this stack's proxy.
func (s *Stack) ProxyName() string {
	s.proxyMu.Lock()
	defer s.proxyMu.Unlock()
	return s.proxy.Name
}

// Server returns the local fault server, or nil with a Target.
func (s *Stack) Server() *faultserver.Server { return s.server }

// Embedded reports whether Toxiproxy runs in this process.
func (s *Stack) Embedded() bool { return s.api != nil && s.api.embedded != nil }

// ToxiproxyURL is the Toxiproxy API this stack drives.
func (s *Stack) ToxiproxyURL() string { return s.api.url }

// ResetFaults removes every toxic from the proxy, re-enables it, and lifts
// every fault-server fault.
func (s *Stack) ResetFaults(ctx context.Context) error {
	var errs []error
	s.proxyMu.Lock()
	p := s.proxy
	s.proxyMu.Unlock()
	var toxics []toxiclient.Toxic
	err := s.api.guard.call(ctx, "list toxics", func() (err error) {
		toxics, err = p.Toxics()
		return err
	})
	if err != nil {
		errs = append(errs, err)
	}
	for _, t := range toxics {
		if err := s.api.guard.call(ctx, "remove toxic "+t.Name, func() error { return p.RemoveToxic(t.Name) }); err != nil && apiErrorStatus(err) != http.StatusNotFound {
			errs = append(errs, err)
		}
	}
	if err := s.setProxyEnabled(true); err != nil {
		errs = append(errs, err)
	}
	if err := s.clearServerFaults(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("harness: failed to reset faults: %w", err)
	}
	return nil
}

func (s *Stack) setProxyEnabled(on bool) error {
	s.proxyMu.Lock()
	defer s.proxyMu.Unlock()
	if s.proxy.Enabled == on {
		return nil
	}
	s.proxy.Enabled = on
	if err := s.api.guard.call(context.Background(), "save proxy "+s.proxy.Name, s.proxy.Save); err != nil {
		return fmt.Errorf("harness: failed to set proxy %s enabled=%v: %w", s.proxy.Name, on, err)
	}
	return nil
}

// Close deletes (or restores) the proxy, stops the embedded Toxiproxy and
// the fault server. It is idempotent.
func (s *Stack) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.proxy != nil {
			g := &s.api.guard
			if s.owned {
				if err := g.call(ctx, "delete proxy "+s.proxy.Name, s.proxy.Delete); err != nil && apiErrorStatus(err) != http.StatusNotFound {
					errs = append(errs, err)
				}
			} else if g.call(ctx, "reset toxiproxy", s.api.client.ResetState) == nil {
				s.proxy.Upstream = s.restore
				if err := g.call(ctx, "restore proxy "+s.proxy.Name, s.proxy.Save); err != nil {
					errs = append(errs, err)
				}
			}
		}
		if s.api != nil {
			errs = append(errs, s.api.close())
			if s.api.embedded == nil {
				// The Toxiproxy client uses http.DefaultTransport; drop its
				// idle keep-alive connections so no reader goroutine outlives
				// the stack (leak checks would flag it).
				if t, ok := http.DefaultTransport.(*http.Transport); ok {
					t.CloseIdleConnections()
				}
			}
		}
		if s.server != nil {
			errs = append(errs, s.server.Close(ctx))
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("harness: failed to close stack: %w", err)
		}
	})
	return s.closeErr
}

// hostIsLoopback reports whether a host:port names loopback.
func hostIsLoopback(hostport string) bool {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		h = hostport
	}
	return faultserver.IsLoopbackHost(strings.Trim(h, "[]"))
}

// EmbeddedToxiproxy reports whether a [Stack] built from o runs Toxiproxy in
// this process (and so holds its accept and dial sockets here), resolving
// [ToxiproxyAuto] against $TOXIPROXY_URL as [NewStack] does.
func (o StackOptions) EmbeddedToxiproxy() bool {
	switch {
	case o.Toxiproxy == ToxiproxyEmbedded || o.ToxiproxyURL == string(ToxiproxyEmbedded):
		return true
	case o.ToxiproxyURL != "":
		return false
	case o.Toxiproxy == ToxiproxyAuto:
		return os.Getenv(EnvToxiproxyURL) == ""
	}
	return false
}
