package client

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/protocol"
)

// TestPublishWindowBytes: the window is bounded in bytes as well as count;
// a payload over WindowBytes is refused with ErrPayloadTooLarge and never
// enters the window.
func TestPublishWindowBytes(t *testing.T) {
	// A server that reads and never answers: nothing is ever acked.
	srv := startServer(t, "127.0.0.1:0", func(ws *websocket.Conn) {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	})
	s, err := NewSession(srv.url(), SessionConfig{WindowBytes: 100, WindowOverflow: WindowError})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	}()
	ctx := context.Background()
	if _, err := s.Publish(ctx, "c", make([]byte, 60)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, "c", make([]byte, 50)); !errors.Is(err, ErrWindowFull) {
		t.Fatalf("60+50 bytes in a 100-byte window: %v, want ErrWindowFull", err)
	}
	if _, err := s.Publish(ctx, "c", make([]byte, 101)); !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("101 bytes: %v, want ErrPayloadTooLarge", err)
	}
	if _, err := s.Publish(ctx, "c", make([]byte, 40)); err != nil {
		t.Fatalf("60+40 bytes: %v", err)
	}
	if st := s.Stats(); st.Unacked != 2 || st.Published != 2 {
		t.Fatalf("unacked %d published %d, want 2 2", st.Unacked, st.Published)
	}
}

// largestDeliverable is the largest payload whose message frame on channel
// fits readLimit, found with the real encoder.
func largestDeliverable(t *testing.T, channel string, readLimit int) int {
	t.Helper()
	n := 0
	for {
		frame, err := protocol.Encode(protocol.ChannelMessage{Channel: channel, Serial: math.MaxUint64, Data: make([]byte, n+1)})
		if err != nil {
			t.Fatal(err)
		}
		if len(frame) > readLimit {
			return n
		}
		n++
	}
}

// TestPublishRefusesUndeliverable: with ReadLimit 4096 on publisher and
// subscriber, the largest payload whose message frame fits is accepted and
// delivered once with no reconnect; one byte more is refused with
// ErrPayloadTooLarge before it enters the window. The old code accepted it,
// and the subscriber looped on close 1009.
func TestPublishRefusesUndeliverable(t *testing.T) {
	const readLimit = 4096
	srv := startFault(t, faultserver.Config{})
	ev := &eventCounter{}
	cfg := fastSession(ev)
	cfg.Client.ReadLimit = readLimit
	s := dialFault(t, srv.SessionURL(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := s.Attach(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	n := largestDeliverable(t, "c", readLimit)
	for _, size := range []int{n + 1, n + 3, 10 * readLimit} {
		if _, err := s.Publish(ctx, "c", make([]byte, size)); !errors.Is(err, ErrPayloadTooLarge) {
			t.Fatalf("Publish(%d bytes, largest deliverable %d) = %v, want ErrPayloadTooLarge", size, n, err)
		}
	}
	if st := s.Stats(); st.Published != 0 || st.Unacked != 0 {
		t.Fatalf("refused payloads entered the window: %+v", st)
	}
	big := make([]byte, n)
	big[0] = 'x'
	if _, err := s.PublishAndWait(ctx, "c", big); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishAndWait(ctx, "c", []byte("after")); err != nil {
		t.Fatal(err)
	}
	got := receiveN(t, ctx, sub, 2)
	if len(got[0]) != n || got[1] != "after" {
		t.Fatalf("delivered %d bytes then %q", len(got[0]), got[1])
	}
	if c := s.Client().Stats().Connects; c != 1 {
		t.Fatalf("%d connects, want 1 (no 1009 loop)", c)
	}
}
