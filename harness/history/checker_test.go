package history

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

// ack records the server's ack of a message on one queue.
func (h *history) ack(dir Direction, ch, sender, receiver string, idx uint64) {
	id := fmt.Sprintf("%s/%s/%s/%d", dir, ch, sender, idx)
	h.add(Record{Kind: RecAck, Dir: dir, Channel: ch, Sender: sender, Receiver: receiver, ID: id, Index: idx})
}

// handBack records a message handed back undelivered on one queue.
func (h *history) handBack(dir Direction, ch, sender, receiver string, idx uint64) {
	id := fmt.Sprintf("%s/%s/%s/%d", dir, ch, sender, idx)
	h.add(Record{Kind: RecHandedBack, Dir: dir, Channel: ch, Sender: sender, Receiver: receiver, ID: id, Index: idx})
}

// state records client i entering state to.
func (h *history) state(i int, to string) {
	h.add(Record{Kind: RecState, Client: i, From: "reconnecting", To: to})
}

// end is the end of the measured window: after everything added so far.
func (h *history) end() time.Time {
	return h.t0.Add(time.Duration(h.n)*time.Millisecond + time.Microsecond)
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
	rep := CheckMessages(h.recs, h.end())
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
			got := CheckMessages(h.recs, h.end()).Total
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
	rep := CheckMessages(h.recs, h.end())
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

// Loss against abandonment: a message is lost when the system took it on
// and it vanished silently; it is abandoned only when the server acked it for
// a receiver that then ended (failed or closed within the window) before
// delivering it. Each case must yield exactly these counts.
func TestCheckMessagesLostOrAbandoned(t *testing.T) {
	const c0 = "client-0"
	cases := []struct {
		name  string
		build func(h *history)
		// after adds records past the end of the measured window.
		after func(h *history)
		want  MessageCounts
	}{
		{"a message to a still-live client that never arrives is lost", func(h *history) {
			for i := uint64(1); i <= 2; i++ {
				h.send(Down, "a", "server", c0, i)
				h.ack(Down, "a", "server", c0, i)
			}
			h.deliver(Down, "a", "server", c0, 1)
		}, nil, MessageCounts{Sent: 2, Acked: 2, Delivered: 1, Lost: 1}},
		{"acked messages after a failed client's last delivery are abandoned", func(h *history) {
			for i := uint64(1); i <= 3; i++ {
				h.send(Down, "a", "server", c0, i)
				h.ack(Down, "a", "server", c0, i)
			}
			h.deliver(Down, "a", "server", c0, 1)
			h.state(0, "failed")
		}, nil, MessageCounts{Sent: 3, Acked: 3, Delivered: 1, Abandoned: 2}},
		{"messages published after the client failed are abandoned", func(h *history) {
			h.state(0, "failed")
			h.send(Down, "a", "server", c0, 1)
			h.ack(Down, "a", "server", c0, 1)
		}, nil, MessageCounts{Sent: 1, Acked: 1, Abandoned: 1}},
		{"a hole below a failed client's last delivery is lost", func(h *history) {
			for i := uint64(1); i <= 3; i++ {
				h.send(Down, "a", "server", c0, i)
				h.ack(Down, "a", "server", c0, i)
			}
			h.deliver(Down, "a", "server", c0, 1)
			h.deliver(Down, "a", "server", c0, 3)
			h.state(0, "failed")
		}, nil, MessageCounts{Sent: 3, Acked: 3, Delivered: 2, Lost: 1}},
		{"a failed client's unacked publication not handed back is lost, up and down", func(h *history) {
			h.send(Up, "a", c0, "server", 1)
			h.send(Down, "a", c0, c0, 1)
			h.state(0, "failed")
		}, nil, MessageCounts{Sent: 2, Lost: 2}},
		{"a failed client's unacked publication handed back is not lost", func(h *history) {
			h.send(Up, "a", c0, "server", 1)
			h.send(Down, "a", c0, c0, 1)
			h.state(0, "failed")
			h.handBack(Up, "a", c0, "server", 1)
			h.handBack(Down, "a", c0, c0, 1)
		}, nil, MessageCounts{Sent: 2, HandedBack: 2}},
		{"an acked upstream message is lost even if its publisher failed", func(h *history) {
			h.send(Up, "a", c0, "server", 1)
			h.send(Down, "a", c0, c0, 1)
			h.ack(Up, "a", c0, "server", 1)
			h.ack(Down, "a", c0, c0, 1)
			h.state(0, "failed")
		}, nil, MessageCounts{Sent: 2, Acked: 2, Lost: 1, Abandoned: 1}},
		{"a close after the end of the window (the harness's own) abandons nothing", func(h *history) {
			for i := uint64(1); i <= 2; i++ {
				h.send(Down, "a", "server", c0, i)
				h.ack(Down, "a", "server", c0, i)
			}
			h.deliver(Down, "a", "server", c0, 1)
		}, func(h *history) { h.state(0, "closed") }, MessageCounts{Sent: 2, Acked: 2, Delivered: 1, Lost: 1}},
		{"a close within the window abandons like a failure", func(h *history) {
			h.send(Down, "a", "server", c0, 1)
			h.ack(Down, "a", "server", c0, 1)
			h.state(0, "closed")
		}, nil, MessageCounts{Sent: 1, Acked: 1, Abandoned: 1}},
		{"another client's failure abandons nothing", func(h *history) {
			h.send(Down, "a", "server", c0, 1)
			h.ack(Down, "a", "server", c0, 1)
			h.state(1, "failed")
		}, nil, MessageCounts{Sent: 1, Acked: 1, Lost: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHistory()
			tc.build(h)
			end := h.end()
			if tc.after != nil {
				tc.after(h)
			}
			rep := CheckMessages(h.recs, end)
			if rep.Total != tc.want {
				t.Fatalf("got %+v\nwant %+v", rep.Total, tc.want)
			}
			if got := rep.OK(); got != (tc.want.Lost == 0) {
				t.Fatalf("OK() = %v with %d lost", got, tc.want.Lost)
			}
		})
	}
}

// A zero end honours no terminal state: the strictest reading.
func TestCheckMessagesZeroEndAbandonsNothing(t *testing.T) {
	h := newHistory()
	h.send(Down, "a", "server", "client-0", 1)
	h.ack(Down, "a", "server", "client-0", 1)
	h.state(0, "failed")
	got := CheckMessages(h.recs, time.Time{}).Total
	if want := (MessageCounts{Sent: 1, Acked: 1, Lost: 1}); got != want {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}
