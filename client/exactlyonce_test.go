package client

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// forgetDropMidStream publishes n messages on "c" from one session while
// another receives them; after the subscriber has 1/4 of them, the server
// forgets every session and drops every connection, so the publisher's
// resume fails and it republishes its window in a new session. It returns
// how many payloads were delivered twice and how many distinct arrived.
func forgetDropMidStream(t *testing.T, n int, noPSeq bool) (dups, distinct int) {
	srv := startFault(t, faultserver.Config{HistorySize: 2 * n})
	ev := &eventCounter{}
	pcfg := fastSession(ev)
	pcfg.noPSeq = noPSeq
	p := dialFault(t, srv.SessionURL(), pcfg)
	if p.Limits().DedupeTTLMS == 0 && !noPSeq {
		t.Skip("the fault server does not announce a dedupe horizon (v2 dedupe not landed)")
	}
	s := dialFault(t, srv.SessionURL(), fastSession(&eventCounter{}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sub, err := s.Attach(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	pubErr := make(chan error, 1)
	go func() {
		for i := range n {
			if _, err := p.Publish(ctx, "c", fmt.Appendf(nil, "m-%d", i)); err != nil {
				pubErr <- err
				return
			}
		}
		pubErr <- nil
	}()
	seen := map[string]int{}
	for len(seen) < n {
		d, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("after %d distinct: %v", len(seen), err)
		}
		seen[string(d.Data)]++
		if len(seen) == n/4 && seen[string(d.Data)] == 1 {
			srv.ForgetSessions()
			if _, err := srv.DropConnections(ctx, faultserver.AllConnections); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := <-pubErr; err != nil {
		t.Fatal(err)
	}
	// Anything still to come would be a duplicate: wait for the window to drain.
	eventually(t, 10*time.Second, "publisher window drained", func() bool { return p.Stats().Unacked == 0 })
	drainCtx, dcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer dcancel()
	for {
		d, err := sub.Next(drainCtx)
		if err != nil {
			break
		}
		seen[string(d.Data)]++
	}
	for _, c := range seen {
		dups += c - 1
	}
	if p.Stats().Resyncs == 0 {
		t.Fatal("the publisher never resynced: the scenario did not happen")
	}
	return dups, len(seen)
}

// TestExactlyOnceAcrossResync: 2,000 messages with a forget + drop after
// 500: 0 duplicates and all 2,000 delivered, because the republished window
// keeps its PSeqs and the server dedupes by producer.
func TestExactlyOnceAcrossResync(t *testing.T) {
	dups, distinct := forgetDropMidStream(t, 2000, false)
	if dups != 0 || distinct != 2000 {
		t.Fatalf("%d duplicates, %d distinct; want 0 and 2000", dups, distinct)
	}
}

// TestDuplicatesWithoutPSeq is the negative control: the same scenario with
// the producer sequence left out (a v1 publisher) delivers duplicates. It
// skips, rather than fails, on the rare run where nothing was in flight.
func TestDuplicatesWithoutPSeq(t *testing.T) {
	dups, distinct := forgetDropMidStream(t, 2000, true)
	if distinct != 2000 {
		t.Fatalf("%d distinct, want 2000", distinct)
	}
	t.Logf("%d duplicates without PSeq", dups)
	if dups == 0 {
		t.Skip("no publication was in flight at the forget: nothing to duplicate this run")
	}
}
