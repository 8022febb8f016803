package faultserver

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wschaos/wschaos/protocol"
)

const producerID = "00112233445566778899aabbccddeeff"

// TestProducerDedupeAcrossResync: the session is forgotten mid-stream and
// the client resyncs, republishing its window (pseq 3..5) under new seqs,
// then carries on (6, 7): the subscriber gets pseq 1..7 exactly once, and 3
// duplicates are acked but not fanned out. Without a producer (v1
// behaviour) the same republish reaches the subscriber twice.
func TestProducerDedupeAcrossResync(t *testing.T) {
	for _, withProducer := range []bool{true, false} {
		s := start(t, Config{})
		sub, pub := dial(t, s.SessionURL()), dial(t, s.SessionURL())
		sub.hello()
		sub.attach("c", 0)
		hello := protocol.Hello{}
		if withProducer {
			hello.Producer = producerID
		}
		pub.send(hello)
		if w := expect[protocol.Welcome](pub); w.Limits.DedupeTTLMS != (10 * time.Minute).Milliseconds() {
			t.Fatalf("limits %+v", w.Limits)
		}
		send := func(seq, pseq uint64) {
			pub.send(protocol.Publish{Seq: seq, Channel: "c", Data: fmt.Appendf(nil, "p%d", pseq), PSeq: pseq})
			if a := expect[protocol.Ack](pub); a.Seq != seq {
				t.Fatalf("ack %+v, want %d", a, seq)
			}
		}
		for p := uint64(1); p <= 5; p++ {
			send(p, p)
		}
		if _, got := sub.messages(5); !slices.Equal(got, []string{"p1", "p2", "p3", "p4", "p5"}) {
			t.Fatalf("before: %v", got)
		}
		s.ForgetSessions() // both sessions lost; the subscriber resyncs too
		sub.hello()
		sub.attach("c", 5)
		pub.send(hello)
		expect[protocol.Welcome](pub)
		for i, p := range []uint64{3, 4, 5, 6, 7} {
			send(uint64(i+1), p)
		}
		want := []string{"p6", "p7"}
		if !withProducer {
			want = []string{"p3", "p4", "p5", "p6", "p7"}
		}
		_, got := sub.messages(len(want))
		if !slices.Equal(got, want) {
			t.Fatalf("producer=%v: delivered %v, want %v", withProducer, got, want)
		}
		sub.quiet(100 * time.Millisecond)
		dups := uint64(0)
		if withProducer {
			dups = 3
		}
		if st := s.Stats(); st.ProducerDuplicates != dups {
			t.Fatalf("producer=%v: producer duplicates %d, want %d", withProducer, st.ProducerDuplicates, dups)
		}
	}
}

// TestProducerDedupeHorizonAndEviction: past DedupeTTL or MaxProducers a
// producer is forgotten and its pseq starts over.
func TestProducerDedupeHorizonAndEviction(t *testing.T) {
	s := start(t, Config{MaxProducers: 1, DedupeTTL: time.Hour})
	now := time.Now()
	a := &session{producer: producerID}
	b := &session{producer: "ffffffffffffffffffffffffffffffff"}
	s.mu.Lock()
	defer s.mu.Unlock()
	steps := []struct {
		ss   *session
		pseq uint64
		at   time.Time
		dup  bool
	}{
		{a, 1, now, false},
		{a, 1, now, true},
		{a, 2, now, false},
		{b, 1, now, false},                      // evicts a (cap 1)
		{a, 2, now, false},                      // a forgotten: not a duplicate; evicts b
		{a, 2, now.Add(59 * time.Minute), true}, // within the horizon
		{a, 2, now.Add(3 * time.Hour), false},   // past it
	}
	for i, st := range steps {
		if got := s.producerDuplicateLocked(st.ss, st.pseq, st.at); got != st.dup {
			t.Fatalf("step %d: duplicate %v, want %v", i, got, st.dup)
		}
	}
	if got := s.count.producersEvicted.Load(); got != 2 {
		t.Fatalf("evicted %d, want 2", got)
	}
}
