package cork

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
)

// ResponseWriter wraps an http.ResponseWriter so that the connection a
// WebSocket upgrade hijacks is a *Conn; Conn returns it after the upgrade.
type ResponseWriter struct {
	http.ResponseWriter
	conn *Conn
}

// NewResponseWriter wraps w.
func NewResponseWriter(w http.ResponseWriter) *ResponseWriter {
	return &ResponseWriter{ResponseWriter: w}
}

// Hijack implements http.Hijacker.
func (w *ResponseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("cork: response writer does not implement http.Hijacker")
	}
	nc, brw, err := h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = New(nc)
	return w.conn, brw, nil
}

// Conn is the hijacked connection, nil before Hijack.
func (w *ResponseWriter) Conn() *Conn { return w.conn }

// DialFunc is the shape of websocket.Dialer.NetDialContext.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// WrapDial returns a DialFunc that wraps what dial returns in a *Conn and
// A nil dial is a plain net.Dialer.
func WrapDial(dial DialFunc) DialFunc {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return New(nc), nil
	}
}
