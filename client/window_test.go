package client

import (
	"context"
	"errors"
	"testing"
	"time"
)

func pubs(n int) []*Publication {
	out := make([]*Publication, n)
	for i := range out {
		out[i] = newPublication(uint64(i+1), "ch", []byte{byte(i)})
	}
	return out
}

func seqs(ps []*Publication) []uint64 {
	out := make([]uint64, len(ps))
	for i, p := range ps {
		out[i] = p.Seq()
	}
	return out
}

func equalU64(a, b []uint64) bool {
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

func TestWindowNumbersAndAcksCumulatively(t *testing.T) {
	w := newWindow(4)
	ps := pubs(5)
	for _, p := range ps[:4] {
		w.push(p)
	}
	if !w.full() || w.len() != 4 || w.next() != 5 {
		t.Fatalf("full=%v len=%d next=%d; want true 4 5", w.full(), w.len(), w.next())
	}
	if got := seqs(ps[:4]); !equalU64(got, []uint64{1, 2, 3, 4}) {
		t.Fatalf("seqs %v", got)
	}
	done, err := w.ack(3)
	if err != nil || !equalU64(seqs(done), []uint64{1, 2, 3}) {
		t.Fatalf("ack(3) = %v, %v; want seqs 1..3", seqs(done), err)
	}
	if w.len() != 1 || w.full() {
		t.Fatalf("after ack len=%d full=%v", w.len(), w.full())
	}
	if done, err := w.ack(2); err != nil || len(done) != 0 {
		t.Fatalf("stale ack(2) = %d entries, %v; want none", len(done), err)
	}
	if done, err := w.ack(3); err != nil || len(done) != 0 {
		t.Fatalf("repeated ack(3) = %d entries, %v; want none", len(done), err)
	}
	w.push(ps[4])
	if ps[4].Seq() != 5 {
		t.Fatalf("next push got seq %d, want 5", ps[4].Seq())
	}
	if _, err := w.ack(6); err == nil {
		t.Fatal("ack beyond the last seq: want error")
	}
	if w.len() != 2 || w.acked != 3 {
		t.Fatalf("bad ack changed the window: len=%d acked=%d", w.len(), w.acked)
	}
	if done, _ := w.ack(5); !equalU64(seqs(done), []uint64{4, 5}) || w.len() != 0 {
		t.Fatalf("ack(5) = %v, len %d", seqs(done), w.len())
	}
}

func TestWindowSentPrefixAcrossAcksAndConnections(t *testing.T) {
	w := newWindow(10)
	ps := pubs(6)
	for _, p := range ps {
		w.push(p)
	}
	batch := w.unsent(4)
	if !equalU64(seqs(batch), []uint64{1, 2, 3, 4}) {
		t.Fatalf("unsent(4) = %v", seqs(batch))
	}
	for _, p := range batch[:3] {
		if !w.markSent(p) {
			t.Fatalf("markSent(%d) = false", p.Seq())
		}
	}
	if w.markSent(ps[5]) {
		t.Fatal("markSent out of order: want false")
	}
	// An ack overtaking the writes (the server acked 1..4 while 4 was in flight).
	if _, err := w.ack(4); err != nil {
		t.Fatal(err)
	}
	if w.sent != 0 {
		t.Fatalf("sent = %d after ack past it, want 0", w.sent)
	}
	if w.markSent(ps[3]) {
		t.Fatal("markSent of an acked entry: want false")
	}
	if got := seqs(w.unsent(10)); !equalU64(got, []uint64{5, 6}) {
		t.Fatalf("unsent = %v, want [5 6]", got)
	}
	w.markSent(ps[4])
	w.rewind() // new connection: everything unacked goes again
	if got := seqs(w.unsent(10)); !equalU64(got, []uint64{5, 6}) {
		t.Fatalf("after rewind unsent = %v, want [5 6]", got)
	}
}

func TestWindowRestartRenumbersFromOne(t *testing.T) {
	w := newWindow(10)
	ps := pubs(5)
	for _, p := range ps {
		w.push(p)
	}
	_, _ = w.ack(2)
	w.markSent(ps[2])
	w.restart()
	if got := seqs(ps[2:]); !equalU64(got, []uint64{1, 2, 3}) {
		t.Fatalf("renumbered seqs %v, want [1 2 3]", got)
	}
	if w.acked != 0 || w.sent != 0 || w.next() != 4 {
		t.Fatalf("acked=%d sent=%d next=%d", w.acked, w.sent, w.next())
	}
	if got := w.drain(); len(got) != 3 || w.len() != 0 {
		t.Fatalf("drain returned %d, left %d", len(got), w.len())
	}
}

func TestPublicationLifecycle(t *testing.T) {
	p := newPublication(7, "ch", []byte("x"))
	if p.Status() != PublishQueued || p.Status().String() != "queued" {
		t.Fatalf("new status %v", p.Status())
	}
	if n := p.markWritten(); n != 1 || p.Status() != PublishSent {
		t.Fatalf("markWritten = %d, status %v", n, p.Status())
	}
	if n := p.markWritten(); n != 2 || p.Sends() != 2 {
		t.Fatalf("second markWritten = %d", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := p.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait before ack = %v, want deadline", err)
	}
	if !p.finish(PublishAcked, nil) || p.finish(PublishFailed, ErrClosed) {
		t.Fatal("finish: first must win, second must be refused")
	}
	if err := p.Wait(context.Background()); err != nil || p.Status() != PublishAcked {
		t.Fatalf("Wait = %v, status %v", err, p.Status())
	}
	if n := p.markWritten(); n != 3 || p.Status() != PublishAcked {
		t.Fatalf("late write changed status to %v", p.Status())
	}

	f := newPublication(8, "ch", nil)
	f.finish(PublishFailed, ErrClosed)
	if err := f.Wait(context.Background()); !errors.Is(err, ErrClosed) || f.Status().String() != "failed" {
		t.Fatalf("failed Wait = %v, status %v", err, f.Status())
	}
	if PublishStatus(9).String() != "PublishStatus(9)" || PublishSent.String() != "sent" || PublishAcked.String() != "acked" {
		t.Fatal("String")
	}
}

func TestWindowByteBound(t *testing.T) {
	w := &window{limit: 10, maxBytes: 10}
	if !w.fits(100) {
		t.Fatal("an empty window must take any accepted payload")
	}
	w.push(newPublication(1, "c", make([]byte, 6)))
	if w.fits(5) || !w.fits(4) {
		t.Fatalf("fits(5)=%v fits(4)=%v with 6 of 10 bytes used; want false true", w.fits(5), w.fits(4))
	}
	w.push(newPublication(2, "c", make([]byte, 4)))
	if w.bytes != 10 || w.fits(1) {
		t.Fatalf("bytes %d, fits(1) %v; want 10 false", w.bytes, w.fits(1))
	}
	if _, err := w.ack(1); err != nil || w.bytes != 4 || !w.fits(6) || w.fits(7) {
		t.Fatalf("after ack(1): bytes %d fits(6) %v fits(7) %v", w.bytes, w.fits(6), w.fits(7))
	}
	if got := w.drain(); len(got) != 1 || w.bytes != 0 {
		t.Fatalf("drain %d, bytes %d", len(got), w.bytes)
	}
}

// TestWindowAckKeepsStorageBounded: 100,000 publish/ack cycles through a
// window holding 1,000 leave a backing array within 2x the window (+64),
// entries still in order.
func TestWindowAckKeepsStorageBounded(t *testing.T) {
	w := newWindow(1000)
	var id uint64
	for range 1000 {
		id++
		w.push(newPublication(id, "c", nil))
	}
	for i := range 100_000 {
		id++
		w.push(newPublication(id, "c", nil))
		done, err := w.ack(uint64(i + 1))
		if err != nil || len(done) != 1 || done[0].id != uint64(i+1) {
			t.Fatalf("ack %d: %v %d", i+1, err, len(done))
		}
	}
	if w.len() != 1000 || cap(w.entries) > 2*1000+64+1024 || w.live()[0].id != 100_001 {
		t.Fatalf("len %d cap %d first %d", w.len(), cap(w.entries), w.live()[0].id)
	}
}
