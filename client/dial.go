package client

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/internal/cork"
)

func validateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("client: invalid URL %q: %w", raw, err)
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return fmt.Errorf("client: invalid URL %q: scheme must be ws or wss", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("client: invalid URL %q: no host", raw)
	}
	return nil
}

// writeBufferPool is every default-sized client connection's write buffer
// (gorilla's WriteBufferPool; one pool per buffer size, as gorilla asks).
var writeBufferPool sync.Pool

// buildDialer copies Config.Dialer (or starts from gorilla's defaults) and
// fills in the TLS, subprotocol and timeout settings.
func buildDialer(cfg Config) *websocket.Dialer {
	var d websocket.Dialer
	if cfg.Dialer != nil {
		d = *cfg.Dialer
	} else {
		d.Proxy = http.ProxyFromEnvironment
	}
	if d.TLSClientConfig == nil && cfg.TLSConfig != nil {
		d.TLSClientConfig = cfg.TLSConfig.Clone()
	}
	if d.Subprotocols == nil {
		d.Subprotocols = cfg.Subprotocols
	}
	d.HandshakeTimeout = cfg.HandshakeTimeout
	if d.WriteBufferPool == nil && d.WriteBufferSize == 0 {
		// gorilla then holds a write buffer only while a message is being
		// written, instead of 4 KiB per connection for its whole life.
		d.WriteBufferPool = &writeBufferPool
	}
	// The socket is wrapped so the writer can coalesce a batch of frames
	// into one syscall (internal/cork); the bytes on the wire are the same.
	if d.NetDialContext == nil && d.NetDial != nil {
		nd := d.NetDial
		d.NetDialContext = func(_ context.Context, network, addr string) (net.Conn, error) { return nd(network, addr) }
	}
	d.NetDialContext = cork.WrapDial(d.NetDialContext)
	if d.NetDialTLSContext != nil {
		d.NetDialTLSContext = cork.WrapDial(d.NetDialTLSContext)
	}
	return &d
}

// dialOnce runs one handshake bounded by HandshakeTimeout.
func (c *Client) dialOnce(ctx context.Context) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.HandshakeTimeout)
	defer cancel()
	dial := c.cfg.dial
	if dial == nil {
		dial = c.dialer.DialContext
	}
	ws, resp, err := dial(ctx, c.url, c.cfg.Header)
	if err != nil {
		he := &HandshakeError{Err: err}
		if resp != nil {
			he.Status = resp.StatusCode
			if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
				// The only statuses where Retry-After means "come back later".
				he.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			}
			if resp.Body != nil {
				_ = resp.Body.Close()
			}
		}
		return nil, he
	}
	return ws, nil
}

// parseRetryAfter reads delta-seconds or an HTTP date; 0 if absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second) // the cap applies later anyway
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
