package history

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// randomHistory is a seeded mix of everything a queue can see: sends, send
// failures, acks, hand-backs, lost, duplicated and reordered deliveries,
// unexpected ones (some with ids of another shape), and clients ending
// before and after end.
func randomHistory(seed uint64) (recs []Record, end time.Time) {
	rnd := rand.New(rand.NewPCG(seed, seed^0x5eed))
	t0 := time.Unix(1_700_000_000, 0)
	n := 0
	at := func() time.Time { n++; return t0.Add(time.Duration(n) * time.Millisecond) }
	senders := []string{serverName(), ClientName(0), ClientName(1)}
	type q struct {
		dir           Direction
		ch, from, to  string
		count         int
		pLoss, pDup   float64
		pSwap, pFail  float64
		pHand, pNoAck float64
	}
	var qs []q
	for c := range 2 {
		ch := fmt.Sprintf("run.c%d.0", c)
		for _, from := range senders {
			to := ClientName(c)
			dir := Down
			if from != serverName() && from != to {
				continue
			}
			if from == to && rnd.IntN(2) == 0 {
				qs = append(qs, q{dir: Up, ch: ch, from: from, to: serverName()})
			}
			qs = append(qs, q{dir: dir, ch: ch, from: from, to: to})
		}
	}
	for i := range qs {
		qs[i].count = 1 + rnd.IntN(300)
		qs[i].pLoss, qs[i].pDup, qs[i].pSwap = rnd.Float64()*0.1, rnd.Float64()*0.05, rnd.Float64()*0.05
		qs[i].pFail, qs[i].pHand, qs[i].pNoAck = rnd.Float64()*0.05, rnd.Float64()*0.05, rnd.Float64()*0.1
	}
	for _, x := range qs {
		var deliveries []uint64
		for i := 1; i <= x.count; i++ {
			idx := uint64(i)
			id := fmt.Sprintf("%s/%s/%d", x.from, x.ch, idx)
			base := Record{Dir: x.dir, Channel: x.ch, Sender: x.from, Receiver: x.to, ID: id, Index: idx}
			r := base
			r.Kind, r.Time = RecSend, at()
			if rnd.Float64() < x.pFail {
				r.Kind = RecSendFailed
			}
			recs = append(recs, r)
			switch {
			case rnd.Float64() < x.pHand:
				r.Kind, r.Time = RecHandedBack, at()
				recs = append(recs, r)
			case rnd.Float64() >= x.pNoAck:
				r.Kind, r.Time = RecAck, at()
				recs = append(recs, r)
			}
			if rnd.Float64() >= x.pLoss {
				deliveries = append(deliveries, idx)
				if rnd.Float64() < x.pDup {
					deliveries = append(deliveries, idx)
				}
			}
		}
		for i := 1; i < len(deliveries); i++ {
			if rnd.Float64() < x.pSwap {
				deliveries[i-1], deliveries[i] = deliveries[i], deliveries[i-1]
			}
		}
		if rnd.IntN(4) == 0 { // one never sent
			deliveries = append(deliveries, uint64(x.count+1+rnd.IntN(5)))
		}
		for _, idx := range deliveries {
			recs = append(recs, Record{Kind: RecDeliver, Time: at(), Dir: x.dir, Channel: x.ch, Sender: x.from,
				Receiver: x.to, ID: fmt.Sprintf("%s/%s/%d", x.from, x.ch, idx), Index: idx})
		}
		if rnd.IntN(3) == 0 { // a payload of another shape
			recs = append(recs, Record{Kind: RecDeliver, Time: at(), Dir: x.dir, Channel: x.ch, Receiver: x.to, ID: "raw:junk"})
		}
	}
	end = t0.Add(time.Duration(n*3/4) * time.Millisecond)
	for c := range 2 {
		if rnd.IntN(2) == 0 {
			to := []string{stateFailed, stateClosed}[rnd.IntN(2)]
			recs = append(recs, Record{Kind: RecState, Time: t0.Add(time.Duration(rnd.IntN(n+50)) * time.Millisecond), Client: c, From: stateReconnecting, To: to})
		}
	}
	slices.SortStableFunc(recs, func(a, b Record) int { return a.Time.Compare(b.Time) })
	return recs, end
}

func serverName() string { return "server" }

// The compact recorder's verdict equals CheckMessages' on the same history,
// counts and example ids, over many seeded histories.
func TestCompactMatchesCheckMessages(t *testing.T) {
	for seed := range uint64(64) {
		recs, end := randomHistory(seed)
		want := CheckMessages(recs, end)
		rec := NewCompactRecorder(false)
		for _, r := range recs {
			rec.Add(r)
		}
		got := rec.CheckMessages(end)
		if !reflect.DeepEqual(got.Total, want.Total) {
			t.Fatalf("seed %d: total\n got %+v\nwant %+v", seed, got.Total, want.Total)
		}
		if len(got.Queues) != len(want.Queues) {
			t.Fatalf("seed %d: %d queues, want %d", seed, len(got.Queues), len(want.Queues))
		}
		for i := range want.Queues {
			if !reflect.DeepEqual(got.Queues[i], want.Queues[i]) {
				t.Fatalf("seed %d: queue %d\n got %+v\nwant %+v", seed, i, got.Queues[i], want.Queues[i])
			}
		}
		if !reflect.DeepEqual(got.ByChannel, want.ByChannel) || got.Up != want.Up || got.Down != want.Down {
			t.Fatalf("seed %d: by channel or direction differ", seed)
		}
		full := NewRecorder()
		for _, r := range recs {
			full.Add(r)
		}
		agent := func(s, r string) bool { return s == "server" || r == "server" }
		if g, w := rec.CheckMessagesWhere(end, agent), full.CheckMessagesWhere(end, agent); !reflect.DeepEqual(g, w) {
			t.Fatalf("seed %d: filtered\n got %+v\nwant %+v", seed, g.Total, w.Total)
		}
		if rec.Len() != len(recs) {
			t.Fatalf("seed %d: Len %d, want %d", seed, rec.Len(), len(recs))
		}
		for _, r := range rec.Records() {
			if isMessageKind(r.Kind) {
				t.Fatalf("seed %d: a compact recorder kept %s", seed, r.Kind)
			}
		}
	}
}

// Negative control with exact counts: a compact recorder sees a loss, a
// duplicate, a reorder and an unexpected message.
func TestCompactDetects(t *testing.T) {
	rec := NewCompactRecorder(false)
	add := func(kind RecordKind, idx uint64) {
		rec.Add(Record{Kind: kind, Dir: Down, Channel: "ch", Sender: "server", Receiver: ClientName(0),
			ID: fmt.Sprintf("server/ch/%d", idx), Index: idx})
	}
	for i := uint64(1); i <= 1000; i++ {
		add(RecSend, i)
		add(RecAck, i)
	}
	for i := uint64(1); i <= 1000; i++ {
		switch i {
		case 500: // lost
		case 600:
			add(RecDeliver, 601)
			add(RecDeliver, 600) // reordered
		case 601:
		case 700:
			add(RecDeliver, 700)
			add(RecDeliver, 700) // duplicated
		default:
			add(RecDeliver, i)
		}
	}
	add(RecDeliver, 5000) // unexpected
	c := rec.CheckMessages(time.Time{}).Total
	want := MessageCounts{Sent: 1000, Acked: 1000, Delivered: 999, Lost: 1, Duplicated: 1, ExtraDeliveries: 1, Reordered: 1, Unexpected: 1}
	if c != want {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	q := rec.CheckMessages(time.Time{}).Queues[0]
	if !slices.Equal(q.LostIDs, []string{"server/ch/500"}) || !slices.Equal(q.ReorderedIDs, []string{"server/ch/600"}) ||
		!slices.Equal(q.DuplicatedIDs, []string{"server/ch/700"}) || !slices.Equal(q.UnexpectedIDs, []string{"server/ch/5000"}) {
		t.Fatalf("examples %+v", q)
	}
}

func TestSpans(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var s spans
		set := map[uint64]bool{}
		for range rnd.IntN(200) {
			x := uint64(1 + rnd.IntN(100))
			if s.add(x) == set[x] {
				t.Fatalf("add(%d) new = %v, set has it %v", x, !set[x], set[x])
			}
			set[x] = true
		}
		if s.count() != len(set) {
			t.Fatalf("count %d, want %d: %v", s.count(), len(set), s)
		}
		for i := 1; i < len(s); i++ {
			if s[i].lo <= s[i-1].hi+1 {
				t.Fatalf("spans not disjoint and apart: %v", s)
			}
		}
		for x := uint64(0); x <= 101; x++ {
			if s.has(x) != set[x] {
				t.Fatalf("has(%d) = %v: %v", x, s.has(x), s)
			}
		}
	}
}
