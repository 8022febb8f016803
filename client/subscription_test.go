package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wschaos/wschaos/protocol"
)

// newTestSub returns a subscription on a bare session: enough for the
// deliver-ack bookkeeping, no transport.
func newTestSub(channel string) (*Session, *Subscription) {
	s := &Session{subs: map[string]*Subscription{}, ackDue: map[*Subscription]struct{}{}, kick: make(chan struct{}, 1)}
	sub := newSubscription(s, channel)
	s.subs[channel] = sub
	return s, sub
}

func chMsg(serial uint64) protocol.ChannelMessage {
	return protocol.ChannelMessage{Channel: "ch", Serial: serial, Data: []byte{byte(serial)}}
}

func offerAll(t *testing.T, sub *Subscription, want verdict, serials ...uint64) {
	t.Helper()
	for _, s := range serials {
		if v, _ := sub.offer(chMsg(s)); v != want {
			t.Fatalf("offer(%d) = %v, want %v", s, v, want)
		}
	}
}

func drain(t *testing.T, sub *Subscription) []uint64 {
	t.Helper()
	var out []uint64
	for sub.Buffered() > 0 {
		d, err := sub.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d.Serial)
	}
	return out
}

func TestSubscriptionFirstAttachStartsAtHead(t *testing.T) {
	_, sub := newTestSub("ch")
	sub.beginSync(1, false)
	offerAll(t, sub, verdictEarly, 3) // before attached: not ours yet
	if l, _ := sub.onAttached(protocol.Attached{Channel: "ch", Serial: 5, Oldest: 1}); l != nil {
		t.Fatalf("first attach reported loss %+v", l)
	}
	select {
	case <-sub.ready:
	default:
		t.Fatal("ready not closed by the first attached")
	}
	offerAll(t, sub, verdictDuplicate, 4, 5)
	offerAll(t, sub, verdictDeliver, 6, 7)
	offerAll(t, sub, verdictDuplicate, 6, 7)
	if got := drain(t, sub); !equalU64(got, []uint64{6, 7}) {
		t.Fatalf("delivered %v", got)
	}
}

func TestSubscriptionReattachDedupesReplay(t *testing.T) {
	_, sub := newTestSub("ch")
	sub.beginSync(1, false)
	sub.onAttached(protocol.Attached{Channel: "ch", Serial: 0, Oldest: 1})
	offerAll(t, sub, verdictDeliver, 1, 2, 3)
	// Reconnect: the server redelivers from its last deliver_ack (1) and a
	// live message (6) overtakes the replay of our re-attach (after=3).
	if a, _ := sub.beginSync(2, false); a.After != 3 {
		t.Fatalf("re-attach after = %d, want 3", a.After)
	}
	offerAll(t, sub, verdictDuplicate, 2, 3)
	offerAll(t, sub, verdictDeliver, 4)
	offerAll(t, sub, verdictEarly, 6)
	if l, _ := sub.onAttached(protocol.Attached{Channel: "ch", Serial: 6, Oldest: 1}); l != nil {
		t.Fatalf("loss %+v", l)
	}
	offerAll(t, sub, verdictDuplicate, 4)
	offerAll(t, sub, verdictDeliver, 5, 6, 7)
	if got := drain(t, sub); !equalU64(got, []uint64{1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("delivered %v, want 1..7 once each", got)
	}
}

func TestSubscriptionRepairsALiveGapOnce(t *testing.T) {
	_, sub := newTestSub("ch")
	sub.beginSync(1, false)
	sub.onAttached(protocol.Attached{Channel: "ch", Serial: 10})
	offerAll(t, sub, verdictDeliver, 11)
	if v, exp := sub.offer(chMsg(13)); v != verdictRepair || exp != 12 {
		t.Fatalf("gap: %v expected %d; want repair from 12", v, exp)
	}
	offerAll(t, sub, verdictEarly, 14) // while the repair attach is pending
	sub.onAttached(protocol.Attached{Channel: "ch", Serial: 14, Oldest: 1})
	offerAll(t, sub, verdictDeliver, 12, 13, 14)
	// A gap at a new point is repaired again; the same point twice is loss.
	offerAll(t, sub, verdictRepair, 16)
	sub.onAttached(protocol.Attached{Channel: "ch", Serial: 16, Oldest: 1})
	if v, exp := sub.offer(chMsg(16)); v != verdictGap || exp != 15 {
		t.Fatalf("second gap at 15: %v, want gap", v)
	}
	if got := drain(t, sub); !equalU64(got, []uint64{11, 12, 13, 14, 16}) {
		t.Fatalf("delivered %v", got)
	}
}

func TestSubscriptionContinuityLoss(t *testing.T) {
	tests := []struct {
		name     string
		last     uint64
		fresh    bool
		attached protocol.Attached
		want     *loss
		wantLast uint64
	}{
		{"history reaches", 10, false, protocol.Attached{Serial: 20, Oldest: 11}, nil, 10},
		{"history starts later", 10, false, protocol.Attached{Serial: 20, Oldest: 15, ContinuityLost: true}, &loss{From: 11, To: 14, Oldest: 15}, 14},
		{"lost flag but nothing missing", 10, false, protocol.Attached{Serial: 20, Oldest: 11, ContinuityLost: true}, nil, 10},
		{"channel reset", 10, false, protocol.Attached{Serial: 3, Oldest: 1}, &loss{From: 4, To: 10, Oldest: 1}, 3},
		{"resync from zero", 0, true, protocol.Attached{Serial: 4, Oldest: 1}, &loss{From: 1, To: 4, Oldest: 1}, 4},
		{"resync from zero, empty channel", 0, true, protocol.Attached{Serial: 0, Oldest: 1}, nil, 0},
		{"resume from zero", 0, false, protocol.Attached{Serial: 4, Oldest: 1}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, sub := newTestSub("ch")
			sub.beginSync(1, false)
			sub.beginSync(1, false)
			sub.onAttached(protocol.Attached{Channel: "ch", Serial: tt.last})
			sub.beginSync(2, tt.fresh)
			tt.attached.Channel = "ch"
			got, _ := sub.onAttached(tt.attached)
			switch {
			case tt.want == nil && got != nil:
				t.Fatalf("loss %+v, want none", got)
			case tt.want != nil && (got == nil || got.From != tt.want.From || got.To != tt.want.To || got.Oldest != tt.want.Oldest):
				t.Fatalf("loss %+v, want %+v", got, tt.want)
			}
			if sub.LastSerial() != tt.wantLast {
				t.Fatalf("last = %d, want %d", sub.LastSerial(), tt.wantLast)
			}
			offerAll(t, sub, verdictDeliver, tt.wantLast+1)
		})
	}
}

func TestSubscriptionDeliverAckBatching(t *testing.T) {
	s, sub := newTestSub("ch")
	sub.beginSync(1, false)
	sub.onAttached(protocol.Attached{Channel: "ch", Serial: 0})
	for i := uint64(1); i <= deliverAckEvery+10; i++ {
		sub.offer(chMsg(i))
	}
	for range deliverAckEvery - 1 {
		if _, err := sub.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.ackDue) != 0 {
		t.Fatalf("ack due after %d of %d consumed", deliverAckEvery-1, deliverAckEvery+10)
	}
	_, _ = sub.Next(context.Background())
	if _, ok := s.ackDue[sub]; !ok {
		t.Fatalf("no ack due after %d consumed", deliverAckEvery)
	}
	if serial, ok := sub.pendingAck(); !ok || serial != deliverAckEvery {
		t.Fatalf("pendingAck = %d, %v", serial, ok)
	}
	if _, ok := sub.pendingAck(); ok {
		t.Fatal("pendingAck twice for the same serial")
	}
	delete(s.ackDue, sub)
	drain(t, sub) // draining the queue acks at once
	if serial, ok := sub.pendingAck(); !ok || serial != deliverAckEvery+10 {
		t.Fatalf("pendingAck after drain = %d, %v", serial, ok)
	}
}

func TestSubscriptionEndKeepsBufferedMessages(t *testing.T) {
	_, sub := newTestSub("ch")
	sub.beginSync(1, false)
	sub.onAttached(protocol.Attached{Channel: "ch", Serial: 0})
	offerAll(t, sub, verdictDeliver, 1, 2)
	sub.beginSync(3, false)
	sub.end(ErrDetached)
	select {
	case <-sub.syncedChan():
	default:
		t.Fatal("end did not release a pending attach wait")
	}
	offerAll(t, sub, verdictDuplicate, 3) // nothing more after the end
	if got := drain(t, sub); !equalU64(got, []uint64{1, 2}) {
		t.Fatalf("buffered %v", got)
	}
	if _, err := sub.Next(context.Background()); !errors.Is(err, ErrDetached) {
		t.Fatalf("Next after end = %v", err)
	}
}

func TestSubscriptionNextWaitsAndHonoursContext(t *testing.T) {
	_, sub := newTestSub("ch")
	sub.beginSync(1, false)
	sub.onAttached(protocol.Attached{Channel: "ch", Serial: 0})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := sub.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on empty = %v", err)
	}
	got := make(chan uint64)
	go func() {
		d, _ := sub.Next(context.Background())
		got <- d.Serial
	}()
	sub.offer(chMsg(1))
	select {
	case s := <-got:
		if s != 1 {
			t.Fatalf("got %d", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next not woken by offer")
	}
}
