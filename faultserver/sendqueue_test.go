package faultserver

import (
	"testing"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// drainQueue pops everything: the acks' seqs and the other frames' data.
func drainQueue(q *sendQueue) []string {
	var out []string
	for {
		f, ok := q.pop()
		if !ok {
			return out
		}
		if f.isAck {
			b, err := protocol.EncodeVersion(f.ackV, protocol.Ack{Seq: f.ackSeq})
			if err != nil {
				panic(err)
			}
			out = append(out, string(b))
			continue
		}
		out = append(out, string(f.data))
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestAckFolding: acks queued back to back, or with channel messages
// between, fold into the first (which then covers all); a reply between two
// acks keeps them apart (negative control), and an ack already popped is
// never advanced.
func TestAckFolding(t *testing.T) {
	ack := func(v int, seq uint64) string {
		b, _ := protocol.EncodeVersion(v, protocol.Ack{Seq: seq})
		return string(b)
	}
	q := newSendQueue(100)
	for seq := uint64(1); seq <= 5; seq++ {
		q.pushAck(seq, 2)
	}
	q.pushMessage(outFrame{typ: websocket.TextMessage, data: []byte("m1")})
	q.pushAck(6, 2)
	q.push(outFrame{typ: websocket.TextMessage, data: []byte("rejected 7")})
	q.pushAck(7, 2)
	q.pushAck(3, 2) // never backwards
	want := []string{ack(2, 6), "m1", "rejected 7", ack(2, 7)}
	if got := drainQueue(q); !equalStrings(got, want) {
		t.Fatalf("queue %q, want %q", got, want)
	}
	if q.coalesced != 6 {
		t.Fatalf("coalesced %d, want 6", q.coalesced)
	}

	// A popped ack is on its way: the next one is queued anew.
	q.pushAck(8, 1)
	if got := drainQueue(q); !equalStrings(got, []string{ack(1, 8)}) {
		t.Fatalf("queue %q", got)
	}
	q.pushAck(9, 1)
	if f, _ := q.pop(); f.ackSeq != 9 {
		t.Fatalf("popped %+v", f)
	}
	q.pushAck(10, 1)
	if got := drainQueue(q); !equalStrings(got, []string{ack(1, 10)}) {
		t.Fatalf("after a pop: %q, want a fresh ack 10", got)
	}
}

// TestAckFoldingBounded: a full queue refuses a new ack but still folds
// into a queued one (folding takes no room).
func TestAckFoldingBounded(t *testing.T) {
	q := newSendQueue(2)
	if !q.pushAck(1, 2) || !q.pushMessage(outFrame{data: []byte("m")}) {
		t.Fatal("queue refused within its limit")
	}
	if !q.pushAck(2, 2) {
		t.Fatal("a fold was refused on a full queue")
	}
	if q.push(outFrame{data: []byte("reply")}) {
		t.Fatal("a full queue took a reply")
	}
	if q.len() != 2 {
		t.Fatalf("len %d", q.len())
	}
}
