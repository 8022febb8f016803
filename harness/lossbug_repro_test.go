package harness

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// TestLossReproOverload is a diagnosis aid (WSCHAOS_LOSSREPRO=rate): it runs
// BenchmarkRunChecked's plan at the given per-client rate with every record
// kept and prints, for each lost id, what became of it.
func TestLossReproOverload(t *testing.T) {
	rs := os.Getenv("WSCHAOS_LOSSREPRO")
	if rs == "" {
		t.Skip("set WSCHAOS_LOSSREPRO=<rate>")
	}
	rate, _ := strconv.ParseFloat(rs, 64)
	drain := 10 * time.Second
	if d, err := time.ParseDuration(os.Getenv("WSCHAOS_LOSSREPRO_DRAIN")); err == nil {
		drain = d
	}
	plan := Plan{
		Name:   "throughput",
		Stack:  StackOptions{Server: faultserver.Config{DisableAdmin: true}},
		Client: fastClient(),
		Window: 1024,
		Load:   Load{Clients: 20, Channels: 1, Up: rate, Down: 1, MessageSize: 32, Duration: Duration(3 * time.Second)},
		Drain:  drain,
	}
	res, err := Run(t.Context(), plan, RunOptions{KeepRecords: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("summary %+v", res.Summary)
	t.Logf("offered %+v harness %+v", res.Offered, res.Harness)
	t.Logf("window %v .. %v (%v)", res.Start, res.End, res.End.Sub(res.Start))
	type qk struct {
		dir         Direction
		ch, rcv, id string
	}
	type st struct {
		send, ack, hb, deliv time.Time
		sender               string
		serial               uint64
		index                uint64
	}
	m := map[qk]*st{}
	var states []Record
	for _, r := range res.Records {
		switch r.Kind {
		case RecState, RecContinuityLost, RecResync, RecResumed:
			states = append(states, r)
		}
		if r.ID == "" {
			continue
		}
		k := qk{r.Dir, r.Channel, r.Receiver, r.ID}
		s := m[k]
		if s == nil {
			s = &st{sender: r.Sender}
			m[k] = s
		}
		switch r.Kind {
		case RecSend:
			s.send, s.index = r.Time, r.Index
		case RecAck:
			s.ack = r.Time
		case RecHandedBack:
			s.hb = r.Time
		case RecDeliver:
			if s.deliv.IsZero() {
				s.deliv, s.serial = r.Time, r.Serial
			}
		}
	}
	for _, r := range states {
		t.Logf("state/event rec: %+v", r)
	}
	for _, q := range res.Messages.Queues {
		if q.Lost == 0 {
			continue
		}
		t.Logf("queue %v lost %d sent %d acked %d delivered %d hb %d ex %v", q.QueueKey, q.Lost, q.Sent, q.Acked, q.Delivered, q.HandedBack, q.LostIDs[:min(3, len(q.LostIDs))])
		for _, id := range q.LostIDs[:min(3, len(q.LostIDs))] {
			s := m[qk{q.Dir, q.Channel, q.Receiver, id}]
			up := m[qk{Up, q.Channel, serverName, id}]
			t.Logf("  %s sender %s send %v ack %v hb %v deliv %v; upstream deliv %v serial %d", id, s.sender,
				s.send.Sub(res.Start), s.ack.Sub(res.Start), s.hb.Sub(res.Start), s.deliv.Sub(res.Start), up.deliv.Sub(res.Start), up.serial)
		}
	}
	// Deliveries recorded after the measured window ended: still in flight
	// when the drain ended.
	late := 0
	for _, s := range m {
		if !s.deliv.IsZero() && s.deliv.After(res.End) {
			late++
		}
	}
	t.Logf("deliveries recorded after the drain ended: %d", late)
	// Per down queue: last delivery, max delivered index, tail vs holes.
	for _, q := range res.Messages.Queues {
		if q.Lost == 0 || q.Dir != Down {
			continue
		}
		var maxIdx uint64
		var lastDeliv time.Time
		var minLost uint64 = 1 << 62
		tail, holes := 0, 0
		for _, r := range res.Records {
			if r.Kind == RecDeliver && r.Channel == q.Channel && r.Receiver == q.Receiver && r.Sender != serverName {
				maxIdx = max(maxIdx, r.Index)
				if r.Time.After(lastDeliv) {
					lastDeliv = r.Time
				}
			}
		}
		for k, s := range m {
			if k.ch != q.Channel || k.rcv != q.Receiver || k.dir != Down || !s.deliv.IsZero() || s.send.IsZero() {
				continue
			}
			if s.sender == serverName {
				continue
			}
			idx := s.index
			minLost = min(minLost, idx)
			if idx > maxIdx {
				tail++
			} else {
				holes++
			}
		}
		t.Logf("down %s: lost %d = tail %d + holes %d; min lost index %d; max delivered index %d, last delivery at %v",
			q.Receiver, q.Lost, tail, holes, minLost, maxIdx, lastDeliv.Sub(res.Start))
	}
	kinds := map[string]int{}
	for _, e := range res.ServerEvents {
		kinds[string(e.Kind)]++
		switch e.Kind {
		case "connect", "hello", "disconnect":
		default:
			if e.Kind != "attach" || e.After != 0 {
				t.Logf("server event %+v", e)
			}
		}
	}
	t.Logf("server event kinds %v", kinds)
}
