package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
)

// TestAwayBacklogConverges is the first scenario with the real
// client: a subscriber on 8 channels is kept away (its connection dropped,
// every handshake refused) while 1,024 messages are published on each (the
// default history), or 8,192 on one channel with HistorySize 8192. Once it
// may connect again it resumes, and every message arrives exactly once and
// in order, with no continuity loss, no resync, and at most one
// slow-consumer kill (0 seen). The old server killed every resume as a slow
// consumer (188-397 kills per run) and never converged.
func TestAwayBacklogConverges(t *testing.T) {
	for _, c := range []struct {
		name              string
		history, channels int
		per               int
	}{
		{"8x1024", 0, 8, 1024},
		{"1x8192", 8192, 1, 8192},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := startServer(t, faultserver.Config{HistorySize: c.history})
			sub := dial(t, srv.SessionURL(), fastConfig("sub", nil))
			// The publisher must not lose its connection while handshakes are
			// refused (it could not come back until they are allowed again):
			// a heartbeat that survives a loaded machine under -race.
			pcfg := fastConfig("pub", nil)
			pcfg.Client.PingInterval, pcfg.Client.PongTimeout = time.Second, 20*time.Second
			pub := dial(t, srv.SessionURL(), pcfg)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			rec := newRecorder()
			want := map[string]int{}
			done := make(chan error, c.channels)
			var names []string
			for i := range c.channels {
				ch := fmt.Sprintf("ch%d", i)
				names = append(names, ch)
				want[ch] = c.per
				s, err := sub.Attach(ctx, ch)
				if err != nil {
					t.Fatal(err)
				}
				go func() {
					for range c.per {
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
			if err := srv.RejectHandshakes(faultserver.RejectSpec{}); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.DropConnections(ctx, faultserver.Selector{Sessions: []string{sub.SessionID()}}); err != nil {
				t.Fatal(err)
			}
			var pubs []*client.Publication
			for _, ch := range names {
				for i := range c.per {
					p, err := pub.Publish(ctx, ch, payload(ch, i))
					if err != nil {
						t.Fatal(err)
					}
					pubs = append(pubs, p)
				}
			}
			for _, p := range pubs {
				if err := p.Wait(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := rec.total(); got != 0 {
				t.Fatalf("%d delivered while away, want 0", got)
			}
			srv.ClearFaults()
			for range names {
				if err := <-done; err != nil {
					t.Fatalf("after %d of %d: %v", rec.total(), c.channels*c.per, err)
				}
			}
			if rp := rec.check(want); !rp.clean() {
				t.Fatalf("%+v", rp)
			}
			st := sub.Stats()
			if kills := srv.CountEvents(faultserver.EventSlowConsumer); kills > 1 || st.Resyncs != 0 || st.ContinuityLosses != 0 || st.Resumes < 1 {
				t.Fatalf("slow-consumer kills %d (at most 1), resyncs %d, losses %d, resumes %d", kills, st.Resyncs, st.ContinuityLosses, st.Resumes)
			}
			t.Logf("%s: %d slow-consumer kills, %d resumes, %d duplicates dropped by the client", c.name,
				srv.CountEvents(faultserver.EventSlowConsumer), st.Resumes, st.Duplicates)
		})
	}
}
