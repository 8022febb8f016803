package client

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// TestNoCommonVersionIsATypedError: a server that answers every hello with
// error unsupported (it speaks no version the client does) makes each
// opening try protocol.Version down to MinVersion on one connection (3
// hellos) and fail with an error matching ErrUnsupportedVersion, surfaced
// on the state events; DialSession gives up at its ctx. No frame but hello
// is ever sent.
func TestNoCommonVersionIsATypedError(t *testing.T) {
	sc := &scripted{t: t}
	var hellos, others atomic.Int32
	srv := startServer(t, "127.0.0.1:0", func(ws *websocket.Conn) {
		sc.conns.Add(1)
		for {
			m, err := sc.read(ws)
			if err != nil {
				return
			}
			if _, ok := m.(protocol.Hello); ok {
				hellos.Add(1)
			} else {
				others.Add(1)
			}
			frame, _ := protocol.EncodeVersion(1, protocol.ErrorMessage{Code: protocol.CodeUnsupported, Message: "v9 only"})
			_ = ws.WriteMessage(websocket.TextMessage, frame)
		}
	})
	ev := &eventCounter{}
	cfg := fastSession(ev)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s, err := DialSession(ctx, srv.url(), cfg)
	if err == nil {
		s.Close(context.Background())
		t.Fatal("dial succeeded")
	}
	found := false
	for _, e := range ev.errors(EventStateChanged) {
		if errors.Is(e, ErrUnsupportedVersion) {
			found = true
		}
	}
	conns := int(sc.conns.Load())
	if !found || conns == 0 || int(hellos.Load()) < 3*(conns-1) || others.Load() != 0 {
		t.Fatalf("typed error seen %v; %d connections, %d hellos, %d other frames; want ErrUnsupportedVersion, 3 hellos per connection, none else",
			found, conns, hellos.Load(), others.Load())
	}
}
