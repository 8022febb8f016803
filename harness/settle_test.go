package harness

import (
	"slices"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// countRecords counts records of kind per direction.
func countRecords(recs []Record, kind RecordKind) (up, down int) {
	for _, r := range recs {
		if r.Kind != kind {
			continue
		}
		if r.Dir == Up {
			up++
		} else {
			down++
		}
	}
	return up, down
}

// TestRunRecordsAcks: on a fault-free run every publication is acked, and
// the ack counts are exact: one ack per queue a message was sent on, each
// after its send.
func TestRunRecordsAcks(t *testing.T) {
	plan := Plan{
		Name:   "acks",
		Stack:  StackOptions{Server: faultserver.Config{DisableAdmin: true}},
		Client: fastClient(),
		Load:   Load{Clients: 2, Channels: 2, Up: 20, Down: 10, Duration: Duration(600 * time.Millisecond)},
		Drain:  5 * time.Second,
	}
	res, err := Run(t.Context(), plan, RunOptions{KeepRecords: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 {
		t.Fatalf("run errors: %v", res.Errors)
	}
	m := res.Messages
	published := 0
	for _, c := range res.Clients {
		published += c.Published
		if c.Undelivered != 0 {
			t.Errorf("client %d handed back %d", c.Index, c.Undelivered)
		}
	}
	if published == 0 || m.Up.Sent != published {
		t.Fatalf("up sent %d, published %d", m.Up.Sent, published)
	}
	if m.Up.Acked != m.Up.Sent || m.Down.Acked != m.Down.Sent || m.Total.HandedBack != 0 || m.Total.Abandoned != 0 {
		t.Fatalf("acked up %d/%d down %d/%d, handed back %d, abandoned %d",
			m.Up.Acked, m.Up.Sent, m.Down.Acked, m.Down.Sent, m.Total.HandedBack, m.Total.Abandoned)
	}
	up, down := countRecords(res.Records, RecAck)
	if up != m.Up.Acked || down != m.Down.Acked {
		t.Fatalf("ack records up %d down %d, checker up %d down %d", up, down, m.Up.Acked, m.Down.Acked)
	}
	if res.Summary.Acked != m.Total.Acked || res.Summary.Acked != m.Up.Sent+m.Down.Sent {
		t.Fatalf("summary acked %d, total %d", res.Summary.Acked, m.Total.Acked)
	}
	sent := map[string]time.Time{}
	for _, r := range res.Records {
		k := string(r.Dir) + r.Receiver + r.ID
		switch r.Kind {
		case RecSend:
			sent[k] = r.Time
		case RecAck:
			if at, ok := sent[k]; !ok || r.Time.Before(at) {
				t.Fatalf("ack of %s at %v, sent at %v (recorded: %v)", r.ID, r.Time, at, ok)
			}
		}
	}
}

// outagePlan: the proxy goes down at 300ms and stays down, so every client
// gives up after 3 attempts while the agent (connected directly) carries on.
func outagePlan(seed uint64) Plan {
	cfg := fastClient()
	cfg.MaxAttempts = 3
	return Plan{
		Name:     "outage",
		Seed:     seed,
		Stack:    StackOptions{Server: faultserver.Config{DisableAdmin: true}},
		Client:   cfg,
		Load:     Load{Clients: 3, Channels: 2, Up: 20, Down: 10, Duration: Duration(1200 * time.Millisecond)},
		Timeline: Timeline{{At: Duration(300 * time.Millisecond), Duration: Duration(900 * time.Millisecond), Fault: Fault{Kind: FaultProxyDown}}},
		Drain:    time.Second,
	}
}

// TestRunPersistentOutageFailsGracefully: clients that give up lose
// nothing. Each publication is acked or handed back, never both or neither;
// what the server still had for a failed client is abandoned, not lost.
func TestRunPersistentOutageFailsGracefully(t *testing.T) {
	res, err := Run(t.Context(), outagePlan(7), RunOptions{KeepRecords: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 {
		t.Fatalf("run errors: %v", res.Errors)
	}
	m, s := res.Messages, res.Summary
	if s.FailedClients != 3 {
		t.Fatalf("failed clients %d, want 3: %+v", s.FailedClients, res.Clients)
	}
	if !m.OK() || s.Lost != 0 {
		t.Fatalf("messages: %+v\nqueues: %+v", m.Total, m.Queues)
	}
	published, undelivered := 0, 0
	for _, c := range res.Clients {
		published += c.Published
		undelivered += c.Undelivered
	}
	if m.Up.Sent != published || m.Up.HandedBack != undelivered || undelivered == 0 {
		t.Fatalf("up sent %d handed back %d; published %d undelivered %d", m.Up.Sent, m.Up.HandedBack, published, undelivered)
	}
	for _, d := range []MessageCounts{m.Up, m.Down} {
		if d.Acked+d.HandedBack != d.Sent {
			t.Errorf("acked %d + handed back %d != sent %d", d.Acked, d.HandedBack, d.Sent)
		}
		if d.Delivered+d.HandedBack-d.HandedBackDelivered+d.Abandoned != d.Sent {
			t.Errorf("delivered %d, handed back %d (%d delivered anyway), abandoned %d do not add up to sent %d",
				d.Delivered, d.HandedBack, d.HandedBackDelivered, d.Abandoned, d.Sent)
		}
	}
	if m.Up.Abandoned != 0 || m.Down.Abandoned == 0 || s.Abandoned != m.Down.Abandoned || s.HandedBack != m.Total.HandedBack {
		t.Fatalf("abandoned up %d down %d summary %d", m.Up.Abandoned, m.Down.Abandoned, s.Abandoned)
	}
	up, down := countRecords(res.Records, RecHandedBack)
	if up != m.Up.HandedBack || down != m.Down.HandedBack {
		t.Fatalf("hand-back records up %d down %d, checker %d %d", up, down, m.Up.HandedBack, m.Down.HandedBack)
	}
	up, down = countRecords(res.Records, RecAck)
	if up != m.Up.Acked || down != m.Down.Acked {
		t.Fatalf("ack records up %d down %d, checker %d %d", up, down, m.Up.Acked, m.Down.Acked)
	}

	// Negative control: the same history with the hand-backs removed (as
	// before the harness recorded them for clients that failed) must fail.
	var stripped []Record
	for _, r := range res.Records {
		if r.Kind != RecHandedBack {
			stripped = append(stripped, r)
		}
	}
	bad := CheckMessages(stripped, res.End)
	if want := m.Up.HandedBack - m.Up.HandedBackDelivered; bad.Up.Lost != want || bad.OK() {
		t.Fatalf("without hand-backs: up lost %d, want %d", bad.Up.Lost, want)
	}
	// And with no terminal state honoured, what was abandoned is lost.
	if strict := CheckMessages(res.Records, time.Time{}); strict.Down.Lost != m.Down.Abandoned {
		t.Fatalf("zero end: down lost %d, want the %d abandoned", strict.Down.Lost, m.Down.Abandoned)
	}
}

// schedules returns each client's scheduled reconnect delays, in order.
func schedules(res *Result) map[int][]time.Duration {
	out := map[int][]time.Duration{}
	for _, b := range res.Timing.Backoff {
		out[b.Client] = append(out[b.Client], b.Scheduled)
	}
	return out
}

// TestRunSeedReplaysBackoff: Plan.Seed seeds every client's jitter, each
// with a stream of its own: two runs with one seed schedule the same delays,
// client by client; clients differ from each other, and another seed differs.
func TestRunSeedReplaysBackoff(t *testing.T) {
	run := func(seed uint64) map[int][]time.Duration {
		res, err := Run(t.Context(), outagePlan(seed), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Summary.FailedClients != 3 {
			t.Fatalf("failed clients %d, want 3", res.Summary.FailedClients)
		}
		return schedules(res)
	}
	a, b, c := run(11), run(11), run(12)
	if len(a) != 3 {
		t.Fatalf("schedules for %d clients, want 3", len(a))
	}
	for i := range 3 {
		if len(a[i]) != 3 { // the drop, then 2 failed dials; the 3rd gives up
			t.Errorf("client %d: %d delays %v, want 3", i, len(a[i]), a[i])
		}
		if !slices.Equal(a[i], b[i]) {
			t.Errorf("client %d, same seed: %v vs %v", i, a[i], b[i])
		}
		if slices.Equal(a[i], c[i]) {
			t.Errorf("client %d, different seeds, same delays %v", i, a[i])
		}
	}
	if slices.Equal(a[0], a[1]) || slices.Equal(a[1], a[2]) {
		t.Errorf("clients share a stream: %v", a)
	}
}

func TestClientRand(t *testing.T) {
	if clientRand(0, 3) != nil {
		t.Fatal("seed 0 must leave the client unseeded")
	}
	x, y := clientRand(5, 1).Uint64(), clientRand(5, 1).Uint64()
	if x != y {
		t.Fatal("clientRand is not deterministic")
	}
	seen := map[uint64]bool{}
	for i := -1; i < 100; i++ {
		v := clientRand(5, i).Uint64()
		if seen[v] {
			t.Fatalf("client %d repeats another client's first draw", i)
		}
		seen[v] = true
	}
}
