package harness

import (
	"fmt"
	"testing"
	"time"
)

// history builds hand-made records with increasing timestamps.
type history struct {
	t0   time.Time
	n    int
	recs []Record
}

func newHistory() *history { return &history{t0: time.Unix(1_700_000_000, 0)} }

func (h *history) add(r Record) {
	h.n++
	r.Time = h.t0.Add(time.Duration(h.n) * time.Millisecond)
	h.recs = append(h.recs, r)
}

func (h *history) send(dir Direction, ch, sender, receiver string, idx uint64) string {
	id := fmt.Sprintf("%s/%s/%s/%d", dir, ch, sender, idx)
	h.add(Record{Kind: RecSend, Dir: dir, Channel: ch, Sender: sender, Receiver: receiver, ID: id, Index: idx})
	return id
}

func (h *history) deliver(dir Direction, ch, sender, receiver string, idx uint64) {
	id := fmt.Sprintf("%s/%s/%s/%d", dir, ch, sender, idx)
	h.add(Record{Kind: RecDeliver, Dir: dir, Channel: ch, Sender: sender, Receiver: receiver, ID: id, Index: idx})
}

func TestCheckMessagesCleanHistory(t *testing.T) {
	h := newHistory()
	for i := uint64(1); i <= 5; i++ {
		h.send(Up, "a", "client-0", "server", i)
		h.send(Down, "a", "server", "client-0", i)
		h.send(Down, "a", "server", "client-1", i)
	}
	for i := uint64(1); i <= 5; i++ {
		h.deliver(Up, "a", "client-0", "server", i)
		h.deliver(Down, "a", "server", "client-0", i)
		h.deliver(Down, "a", "server", "client-1", i)
	}
	rep := CheckMessages(h.recs)
	want := MessageCounts{Sent: 15, Delivered: 15}
	if rep.Total != want {
		t.Fatalf("total = %+v, want %+v", rep.Total, want)
	}
	if rep.Up.Sent != 5 || rep.Down.Sent != 10 {
		t.Fatalf("up/down sent = %d/%d, want 5/10", rep.Up.Sent, rep.Down.Sent)
	}
	if !rep.OK() {
		t.Fatal("clean history reported as failing")
	}
	if len(rep.Queues) != 3 || len(rep.ByChannel) != 2 {
		t.Fatalf("queues = %d, by channel = %d; want 3 and 2", len(rep.Queues), len(rep.ByChannel))
	}
}

// Each negative control breaks a clean history in one way and must fail with
// exactly that count.
func TestCheckMessagesNegativeControls(t *testing.T) {
	cases := []struct {
		name  string
		build func(h *history)
		want  MessageCounts
	}{
		{"lost", func(h *history) {
			h.send(Up, "a", "c0", "server", 1)
			h.send(Up, "a", "c0", "server", 2)
			h.deliver(Up, "a", "c0", "server", 2)
		}, MessageCounts{Sent: 2, Delivered: 1, Lost: 1}},
		{"duplicated", func(h *history) {
			h.send(Down, "a", "server", "c0", 1)
			h.deliver(Down, "a", "server", "c0", 1)
			h.deliver(Down, "a", "server", "c0", 1)
			h.deliver(Down, "a", "server", "c0", 1)
		}, MessageCounts{Sent: 1, Delivered: 1, Duplicated: 1, ExtraDeliveries: 2}},
		{"reordered", func(h *history) {
			for i := uint64(1); i <= 3; i++ {
				h.send(Down, "a", "server", "c0", i)
			}
			h.deliver(Down, "a", "server", "c0", 1)
			h.deliver(Down, "a", "server", "c0", 3)
			h.deliver(Down, "a", "server", "c0", 2)
		}, MessageCounts{Sent: 3, Delivered: 3, Reordered: 1}},
		{"unexpected", func(h *history) {
			h.send(Down, "a", "server", "c0", 1)
			h.deliver(Down, "a", "server", "c0", 1)
			h.deliver(Down, "a", "server", "c0", 9)
		}, MessageCounts{Sent: 1, Delivered: 1, Unexpected: 1}},
		{"delivered to the wrong receiver is lost there and unexpected here", func(h *history) {
			h.send(Down, "a", "server", "c0", 1)
			h.deliver(Down, "a", "server", "c1", 1)
		}, MessageCounts{Sent: 1, Lost: 1, Unexpected: 1}},
		{"handed back is not lost", func(h *history) {
			id := h.send(Up, "a", "c0", "server", 1)
			h.add(Record{Kind: RecHandedBack, Dir: Up, Channel: "a", Receiver: "server", ID: id})
		}, MessageCounts{Sent: 1, HandedBack: 1}},
		{"failed send that arrives is recovered", func(h *history) {
			h.add(Record{Kind: RecSendFailed, Dir: Up, Channel: "a", Receiver: "server", ID: "up/a/c0/1", Index: 1})
			h.deliver(Up, "a", "c0", "server", 1)
		}, MessageCounts{SendFailed: 1, Recovered: 1}},
		{"interleaved senders are not a reorder", func(h *history) {
			h.send(Down, "a", "s1", "c0", 1)
			h.send(Down, "a", "s2", "c0", 5)
			h.deliver(Down, "a", "s2", "c0", 5)
			h.deliver(Down, "a", "s1", "c0", 1)
		}, MessageCounts{Sent: 2, Delivered: 2}},
		{"a duplicate of an old message is not also a reorder", func(h *history) {
			h.send(Down, "a", "s", "c0", 1)
			h.send(Down, "a", "s", "c0", 2)
			h.deliver(Down, "a", "s", "c0", 1)
			h.deliver(Down, "a", "s", "c0", 2)
			h.deliver(Down, "a", "s", "c0", 1)
		}, MessageCounts{Sent: 2, Delivered: 2, Duplicated: 1, ExtraDeliveries: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHistory()
			tc.build(h)
			got := CheckMessages(h.recs).Total
			if got != tc.want {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestCheckMessagesExampleIDs(t *testing.T) {
	h := newHistory()
	for i := uint64(1); i <= 30; i++ {
		h.send(Up, "a", "c0", "server", i)
	}
	rep := CheckMessages(h.recs)
	if rep.Total.Lost != 30 {
		t.Fatalf("lost = %d, want 30", rep.Total.Lost)
	}
	if got := len(rep.Queues[0].LostIDs); got != maxExampleIDs {
		t.Fatalf("lost ids listed = %d, want %d", got, maxExampleIDs)
	}
	if rep.OK() {
		t.Fatal("a history losing everything passed")
	}
}
