package client

import (
	"context"
	"fmt"
	"sync"
)

// PublishStatus is where a publication stands. It only moves forward:
// queued, sent (written to a socket at least once; it may be resent after a
// reconnect, see Publication.Sends), then acked or failed.
type PublishStatus int

// The publish statuses.
const (
	// PublishQueued: in the unacked window, never written to a socket yet.
	PublishQueued PublishStatus = iota
	// PublishSent: written to a socket, waiting for the server's ack.
	PublishSent
	// PublishAcked: the server acknowledged it (terminal).
	PublishAcked
	// PublishFailed: the session failed or closed before an ack (terminal); see Publication.Err.
	PublishFailed
)

func (s PublishStatus) String() string {
	switch s {
	case PublishQueued:
		return "queued"
	case PublishSent:
		return "sent"
	case PublishAcked:
		return "acked"
	case PublishFailed:
		return "failed"
	}
	return fmt.Sprintf("PublishStatus(%d)", int(s))
}

// Publication is the handle Session.Publish returns: its status can be
// polled, or waited for with Wait. Its methods are safe for concurrent use.
type Publication struct {
	id      uint64
	channel string
	data    []byte

	mu sync.Mutex
	// done is closed on acked or failed. It is made on first use (Done, or
	// Wait before the end), so a publication nobody waits on costs no channel.
	done   chan struct{}
	seq    uint64
	status PublishStatus
	err    error
	sends  int // times written to a socket
}

func newPublication(id uint64, channel string, data []byte) *Publication {
	return &Publication{id: id, channel: channel, data: data}
}

// ID is unique within the Session and stable for the publication's life
// (unlike Seq, which changes if the session resyncs): 1, 2, 3, ... It is
// sent as the v2 producer sequence (Publish.PSeq) with the Session's stable
// producer id, so a server that dedupes by it fans a publication out once
// even when a resync republishes it.
func (p *Publication) ID() uint64 { return p.id }

// Channel is the channel published to.
func (p *Publication) Channel() string { return p.channel }

// Data is the payload. The caller must not modify it.
func (p *Publication) Data() []byte { return p.data }

// Seq is the current protocol sequence number. After a resync (the server
// forgot the session) the publication is renumbered within the new session.
func (p *Publication) Seq() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seq
}

// Status reports the current status.
func (p *Publication) Status() PublishStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// Sends reports how many times the publication was written to a socket
// (more than 1 means it was resent after a reconnect).
func (p *Publication) Sends() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sends
}

// Err is nil unless the status is PublishFailed.
func (p *Publication) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Done is closed once the publication is acked or failed.
func (p *Publication) Done() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.doneLocked()
}

// closedChan is the Done channel of publications that ended before anyone asked.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (p *Publication) doneLocked() chan struct{} {
	if p.done == nil {
		if p.status >= PublishAcked {
			return closedChan
		}
		p.done = make(chan struct{})
	}
	return p.done
}

// Wait blocks until the server acked the publication (nil), it failed (its
// error, wrapping ErrClosed or ErrFailed), or ctx ends (ctx.Err(); the
// publication itself carries on).
func (p *Publication) Wait(ctx context.Context) error {
	p.mu.Lock()
	if p.status >= PublishAcked {
		err := p.err
		p.mu.Unlock()
		return err
	}
	done := p.doneLocked()
	p.mu.Unlock()
	select {
	case <-done:
		return p.Err()
	case <-ctx.Done():
		return fmt.Errorf("client: failed to wait for ack of publication %d: %w", p.id, ctx.Err())
	}
}

// markWritten records a successful socket write and returns how many writes
// the publication has had.
func (p *Publication) markWritten() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sends++
	if p.status == PublishQueued {
		p.status = PublishSent
	}
	return p.sends
}

// finish moves the publication to a terminal status once.
func (p *Publication) finish(st PublishStatus, err error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status >= PublishAcked {
		return false
	}
	p.status, p.err = st, err
	if p.done != nil {
		close(p.done)
	}
	return true
}

// window is the session's unacked publications, in sequence order. Sequence
// numbers are contiguous: live()[i] has seq acked+1+i. The first sent entries
// were written on the current connection (writes are in order, so they are a
// prefix). Acked entries leave from the head by moving an index; the backing
// array is compacted once the dead prefix is at least half of it, so an ack
// costs O(acked entries), never O(window). It is bounded in count (limit) and
// payload bytes (maxBytes). Not safe for concurrent use; the session guards it
// with its mutex.
type window struct {
	limit    int
	maxBytes int
	acked    uint64 // highest cumulative ack of the current server session
	entries  []*Publication
	head     int // entries[:head] are acked (nil)
	sent     int // relative to head
	bytes    int // payload bytes of the live entries
}

func newWindow(limit int) *window { return &window{limit: limit} }

func (w *window) live() []*Publication { return w.entries[w.head:] }

func (w *window) len() int   { return len(w.entries) - w.head }
func (w *window) full() bool { return w.len() >= w.limit }

// fits reports whether a payload of size bytes may be pushed now: the count
// bound holds and, unless the window is empty, so does the byte bound (an
// empty window takes any payload Publish accepted, so nothing waits forever).
func (w *window) fits(size int) bool {
	if w.full() {
		return false
	}
	return w.maxBytes <= 0 || w.len() == 0 || w.bytes+size <= w.maxBytes
}

// next is the sequence number the next push gets.
func (w *window) next() uint64 { return w.acked + uint64(w.len()) + 1 }

// push numbers p and appends it. The caller checks fits first.
func (w *window) push(p *Publication) {
	p.mu.Lock()
	p.seq = w.next()
	p.mu.Unlock()
	w.entries = append(w.entries, p)
	w.bytes += len(p.data)
}

// ack applies the server's cumulative ack and returns the publications it
// covers, in order. An ack at or below the current one is stale and returns
// nothing; an ack beyond the last pushed sequence number is a protocol
// violation (the server acked something never sent) and changes nothing.
func (w *window) ack(seq uint64) ([]*Publication, error) {
	if seq <= w.acked {
		return nil, nil
	}
	n := seq - w.acked
	if n > uint64(w.len()) {
		return nil, fmt.Errorf("client: server acked seq %d, but the last seq published is %d", seq, w.next()-1)
	}
	k := int(n)
	done := make([]*Publication, k)
	copy(done, w.entries[w.head:w.head+k])
	for _, p := range done {
		w.bytes -= len(p.data)
	}
	clear(w.entries[w.head : w.head+k])
	w.head += k
	w.acked = seq
	w.sent = max(0, w.sent-k)
	w.compact()
	return done, nil
}

// compact drops the dead prefix once it is at least half the array
// (amortised O(1) per entry).
func (w *window) compact() {
	if w.head == len(w.entries) {
		w.entries, w.head = w.entries[:0], 0
		return
	}
	if w.head < 64 || w.head < len(w.entries)/2 {
		return
	}
	n := copy(w.entries, w.entries[w.head:])
	clear(w.entries[n:])
	w.entries, w.head = w.entries[:n], 0
}

// unsent returns up to max entries not yet written on the current connection.
func (w *window) unsent(max int) []*Publication { return w.unsentInto(nil, max) }

// unsentInto is unsent appending to dst, so the pump can reuse one slice.
func (w *window) unsentInto(dst []*Publication, max int) []*Publication {
	l := w.live()
	end := min(len(l), w.sent+max)
	return append(dst, l[w.sent:end]...)
}

// markSent records that p, the first unsent entry, was written on the
// current connection. It reports false if p is no longer that entry (an ack
// or a new connection came in between).
func (w *window) markSent(p *Publication) bool {
	if l := w.live(); w.sent < len(l) && l[w.sent] == p {
		w.sent++
		return true
	}
	return false
}

// rewind starts a new connection: every entry is to be (re)sent.
func (w *window) rewind() { w.sent = 0 }

// restart renumbers the window for a fresh server session (after
// resume_failed or no_session): the oldest unacked entry becomes seq 1, and
// all are unsent. Entries already finished (rejected by the old session)
// leave first: the new session must not see them.
func (w *window) restart() {
	kept := w.entries[:0]
	for _, p := range w.live() {
		if p.Status() >= PublishAcked {
			w.bytes -= len(p.data)
			continue
		}
		kept = append(kept, p)
	}
	clear(w.entries[len(kept):])
	w.entries, w.head = kept, 0
	w.acked, w.sent = 0, 0
	for i, p := range w.entries {
		p.mu.Lock()
		p.seq = uint64(i) + 1
		p.mu.Unlock()
	}
}

// drain empties the window, returning what it held.
func (w *window) drain() []*Publication {
	out := append([]*Publication(nil), w.live()...)
	w.entries, w.head, w.sent, w.bytes = nil, 0, 0, 0
	return out
}
