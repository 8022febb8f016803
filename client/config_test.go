package client

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestConfigRejectsReservedHeaders: a Config.Header that gorilla would
// refuse on every handshake is a configuration error from New and Dial, not
// an endless retry loop; no dial is attempted. Negative controls: ordinary
// headers, and Sec-WebSocket-Protocol without Subprotocols, still connect.
func TestConfigRejectsReservedHeaders(t *testing.T) {
	srv := startServer(t, "127.0.0.1:0", (&sink{}).handle)
	reject := []struct {
		name string
		cfg  Config
	}{
		{"Upgrade", Config{Header: http.Header{"Upgrade": {"websocket"}}}},
		{"Connection", Config{Header: http.Header{"Connection": {"Upgrade"}}}},
		{"Sec-WebSocket-Key", Config{Header: http.Header{"Sec-WebSocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}}},
		{"Sec-WebSocket-Version", Config{Header: http.Header{"Sec-Websocket-Version": {"13"}}}},
		{"Sec-WebSocket-Extensions", Config{Header: http.Header{"Sec-Websocket-Extensions": {"permessage-deflate"}}}},
		{"non-canonical key", Config{Header: http.Header{"upgrade": {"websocket"}}}},
		{"Sec-WebSocket-Protocol with Subprotocols", Config{Header: http.Header{"Sec-Websocket-Protocol": {"a"}}, Subprotocols: []string{"b"}}},
	}
	for _, tc := range reject {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(srv.url(), tc.cfg)
			if err == nil {
				closeClient(t, c)
				t.Fatal("New accepted the header")
			}
			if !strings.Contains(err.Error(), "invalid Header") {
				t.Fatalf("New: %v, want an invalid Header error", err)
			}
			c, err = Dial(t.Context(), srv.url(), tc.cfg)
			if err == nil {
				closeClient(t, c)
				t.Fatal("Dial accepted the header")
			}
		})
	}
	if n := srv.count(); n != 0 {
		t.Fatalf("server saw %d handshakes, want 0", n)
	}

	for _, h := range []http.Header{
		{"Authorization": {"Bearer t"}, "X-Trace": {"a"}},
		{"Sec-Websocket-Protocol": {"chat.v1"}}, // gorilla sends it as given when Subprotocols is empty
	} {
		var rec recorder
		cfg := fast(&rec)
		cfg.Header = h
		c := dial(t, srv.url(), cfg)
		closeClient(t, c)
	}
	eventually(t, 5*time.Second, "2 handshakes", func() bool { return srv.count() == 2 })
}
