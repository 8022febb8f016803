package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/protocol"
)

// TestOlderServerKeepsWorking: against a fault server pinned to protocol v1
// (Config.MaxVersion 1, a strict v1 server: v2 and v3 frames get error
// unsupported) and one pinned to v2, the v3 client falls back on its first
// connection (exactly protocol.Version - max fallbacks per session, each one
// protocol error on the server) and then publishes and subscribes as
// before: 2,000 messages on 2 channels through 3 connection drops, each
// delivered exactly once and in order, every publication acked. The
// negative control is the checker itself (recorder.check, see the lossy
// chaos control).
func TestOlderServerKeepsWorking(t *testing.T) {
	for _, maxV := range []int{1, 2} {
		t.Run("v"+string(rune('0'+maxV)), func(t *testing.T) {
			srv := startServer(t, faultserver.Config{MaxVersion: maxV})
			subEv, pubEv := &eventLog{}, &eventLog{}
			sub := dial(t, srv.SessionURL(), fastConfig("sub", subEv))
			pub := dial(t, srv.SessionURL(), fastConfig("pub", pubEv))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			chans := []string{"a", "b"}
			rec := newRecorder()
			done := make(chan error, len(chans))
			const per = 1000
			for _, ch := range chans {
				s, err := sub.Attach(ctx, ch)
				if err != nil {
					t.Fatal(err)
				}
				go func() {
					for range per {
						d, err := s.Next(ctx)
						if err != nil {
							done <- err
							return
						}
						rec.record(ch, d)
					}
					done <- nil
				}()
			}
			var pubs []*client.Publication
			for i := range per {
				for _, ch := range chans {
					p, err := pub.Publish(ctx, ch, payload(ch, i))
					if err != nil {
						t.Fatal(err)
					}
					pubs = append(pubs, p)
				}
				if i%300 == 299 {
					if _, err := srv.DropConnections(ctx, faultserver.AllConnections); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, p := range pubs {
				if err := p.Wait(ctx); err != nil {
					t.Fatalf("publication: %v", err)
				}
			}
			for range chans {
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			if rp := rec.check(map[string]int{"a": per, "b": per}); !rp.clean() {
				t.Fatalf("%+v", rp)
			}
			fallbacks := uint64(protocol.Version - maxV)
			for _, s := range []*client.Session{sub, pub} {
				if v, st := s.WireVersion(), s.Stats(); v != maxV || st.VersionFallbacks != fallbacks || st.Resyncs != 0 || st.SessionLosses != 0 {
					t.Fatalf("wire version %d, fallbacks %d, resyncs %d, session losses %d; want %d, %d, 0, 0 (every drop resumed)",
						v, st.VersionFallbacks, st.Resyncs, st.SessionLosses, maxV, fallbacks)
				}
			}
			// Every frame the server could not read at its version: exactly
			// the refused hellos. (Frames a dropped connection had buffered
			// may still be read after the session moved on and get
			// no_session; their answers go nowhere.)
			var refused []string
			for _, e := range srv.Events() {
				if e.Kind == faultserver.EventProtocolError && e.ErrorCode == protocol.CodeUnsupported {
					refused = append(refused, e.Detail)
				}
			}
			if uint64(len(refused)) != 2*fallbacks {
				t.Fatalf("server refused %d frames, want %d (the first hellos only): %q", len(refused), 2*fallbacks, refused)
			}
			if n := srv.Stats().ConnectionsTotal; n < 6 {
				t.Fatalf("%d connections, want at least 6 (3 drops of 2 clients)", n)
			}
		})
	}
}
