package harness

import (
	"crypto/tls"
	"net/http"

	"github.com/wschaos/wschaos/client"
)

// ThroughProxy returns cfg ready to dial [Stack.URL] when the stack fronts a
// Target. Toxiproxy forwards bytes, not HTTP, so a client dialling the proxy
// would otherwise name the proxy where the target expects its own name: the
// handshake carries the target's Host (virtual hosts, ingresses) and, for
// wss://, TLS verifies the target's certificate name (SNI). Settings the
// caller made (a Host header, a TLS ServerName) are kept. Without a Target,
// cfg is returned unchanged.
func (s *Stack) ThroughProxy(cfg client.Config) client.Config {
	if s.server != nil || s.upstream == nil {
		return cfg
	}
	if cfg.Header.Get("Host") == "" {
		cfg.Header = cfg.Header.Clone()
		if cfg.Header == nil {
			cfg.Header = http.Header{}
		}
		cfg.Header.Set("Host", s.targetHost)
	}
	if s.upstream.Scheme != "wss" {
		return cfg
	}
	name := s.upstream.Hostname()
	withName := func(c *tls.Config) *tls.Config {
		if c == nil {
			c = &tls.Config{MinVersion: tls.VersionTLS12}
		} else {
			c = c.Clone()
		}
		if c.ServerName == "" {
			c.ServerName = name
		}
		return c
	}
	// The client prefers the Dialer's TLS settings over Config.TLSConfig.
	if cfg.Dialer != nil && cfg.Dialer.TLSClientConfig != nil {
		d := *cfg.Dialer
		d.TLSClientConfig = withName(d.TLSClientConfig)
		cfg.Dialer = &d
		return cfg
	}
	cfg.TLSConfig = withName(cfg.TLSConfig)
	return cfg
}
