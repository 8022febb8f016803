package harness

import (
	"sync"
	"time"

	"github.com/wschaos/wschaos/client"
)

// settlers runs one settle goroutine per member and stops them all.
// The zero value is ready to use.
type settlers struct {
	mu      sync.Mutex
	stop    chan struct{}
	stopped bool
	wg      sync.WaitGroup
}

func (s *settlers) stopCh() chan struct{} {
	if s.stop == nil {
		s.stop = make(chan struct{})
	}
	return s.stop
}

// start settles m's publications until finish.
func (s *settlers) start(rec *Recorder, cnt *counters, m *member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	stop := s.stopCh()
	s.wg.Go(func() { settle(rec, cnt, m, stop) })
}

// finish stops every settle goroutine once it has recorded what is settled,
// and waits for them. Call it after every session ended; it is idempotent.
func (s *settlers) finish() {
	s.mu.Lock()
	if !s.stopped {
		s.stopped = true
		close(s.stopCh())
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// settle records, in publish order, how each publication of m ended: one
// ack record per queue when the server acked it (stamped when the ack was
// seen), one hand-back record per queue when it failed (the session failed
// or closed: the caller was told). Cumulative acks and the session's final
// hand-back settle publications in order, so one goroutine per member
// waiting on each in turn sees every outcome promptly. settle returns once
// stop is closed and every publication already settled was recorded; the
// caller closes stop only after every session ended, when none is pending.
func settle(rec *Recorder, cnt *counters, m *member, stop <-chan struct{}) {
	for i := 0; ; i++ {
		pb, ok := m.waitPub(i, stop)
		if !ok {
			return
		}
		select {
		case <-pb.p.Done():
		case <-stop:
			select {
			case <-pb.p.Done():
			default:
				return // never settled: neither acked nor handed back, so the checker sees it as lost
			}
		}
		kind := RecAck
		if pb.p.Status() == client.PublishFailed {
			kind = RecHandedBack
		}
		now := time.Now()
		m.mu.Lock()
		if kind == RecHandedBack {
			m.info.Undelivered++
		}
		m.mu.Unlock()
		for _, rt := range pb.routes {
			rec.Add(Record{Time: now, Kind: kind, Client: m.index, Dir: rt.dir, Channel: pb.channel, ID: pb.id,
				Sender: pb.sender, Receiver: rt.to.name, Index: pb.index})
			if kind == RecHandedBack {
				rt.to.settled(pb.id) // the drain stops waiting for it; it may still arrive
			}
		}
		cnt.settled.Add(1)
		m.releasePub()
	}
}

// releasePub drops m's oldest publication once settle recorded it, so a
// member holds only its unsettled publications (and their payloads), not
// every one of the run.
func (m *member) releasePub() {
	m.mu.Lock()
	m.pubs[0] = pub{}
	m.pubs = m.pubs[1:]
	m.pubBase++
	m.mu.Unlock()
}

// waitPub returns m's i-th publication once it exists, or false once stop
// is closed and it does not.
func (m *member) waitPub(i int, stop <-chan struct{}) (pub, bool) {
	for {
		m.mu.Lock()
		if m.added == nil {
			m.added = make(chan struct{})
		}
		if j := i - m.pubBase; j < len(m.pubs) {
			pb := m.pubs[j]
			m.mu.Unlock()
			return pb, true
		}
		added := m.added
		m.mu.Unlock()
		select {
		case <-added:
		case <-stop:
			m.mu.Lock()
			n := m.pubBase + len(m.pubs)
			m.mu.Unlock()
			if i >= n {
				return pub{}, false
			}
		}
	}
}

// addPub appends pb to m's publications and wakes settle.
func (m *member) addPub(pb pub) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pubs = append(m.pubs, pb)
	m.info.Published++
	if m.added != nil {
		close(m.added)
	}
	m.added = make(chan struct{})
}
