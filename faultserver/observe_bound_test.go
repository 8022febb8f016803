package faultserver

import (
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// TestObservedFramesAreBounded: with ObserveFrames 10, 55 frames leave the
// newest 10 in Frames (in order); with -1 none are recorded. The old log
// kept every frame forever (8.9 MiB after BenchmarkChannelsExpire).
func TestObservedFramesAreBounded(t *testing.T) {
	for _, c := range []struct{ limit, want int }{{10, 10}, {-1, 0}} {
		s := start(t, Config{ObserveFrames: c.limit})
		p := dial(t, s.SessionURL())
		for i := range 55 {
			if err := p.ws.WriteMessage(websocket.BinaryMessage, fmt.Appendf(nil, "%d", i)); err != nil {
				t.Fatal(err)
			}
			expect[protocol.ErrorMessage](p)
		}
		deadline := time.Now().Add(ioWait)
		for s.Stats().ProtocolErrors < 55 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		fs := s.Frames()
		if len(fs) != c.want {
			t.Fatalf("limit %d: %d frames kept, want %d", c.limit, len(fs), c.want)
		}
		for i, f := range fs {
			if want := fmt.Sprint(45 + i); string(f.Data) != want {
				t.Fatalf("frame %d = %q, want %q", i, f.Data, want)
			}
		}
	}
}
