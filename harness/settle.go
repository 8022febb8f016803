package harness

import (
	"sync"
	"time"

	"github.com/wschaos/wschaos/client"
)

// settleEvery is how often the settler looks for settled publications. The
// ack and hand-back records it writes are stamped when seen, so at most this
// late; no checker reads their times.
const settleEvery = 5 * time.Millisecond

// settlers records how every member's publications ended, from one
// goroutine polling each member's oldest unsettled publications (a goroutine
// per member, parked on its next publication, cost one goroutine per
// simulated client). The zero value is ready to use.
type settlers struct {
	mu      sync.Mutex
	members []*member
	rec     *Recorder
	cnt     *counters
	stop    chan struct{}
	done    chan struct{}
	stopped bool
}

// start settles m's publications until finish, starting the settler with
// the first member.
func (s *settlers) start(rec *Recorder, cnt *counters, m *member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.members = append(s.members, m)
	if s.stop == nil {
		s.rec, s.cnt = rec, cnt
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.loop()
	}
}

func (s *settlers) loop() {
	defer close(s.done)
	t := time.NewTicker(settleEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			s.pass() // what settled before the stop is recorded
			return
		case <-t.C:
			s.pass()
		}
	}
}

// pass records every member's publications settled so far, in publish
// order: cumulative acks and the session's final hand-back settle them in
// order, so the oldest unsettled one bounds what is ready.
func (s *settlers) pass() {
	s.mu.Lock()
	members := s.members
	s.mu.Unlock()
	for _, m := range members {
		for {
			pb, ok := m.headPub()
			if !ok || pb.p.Status() < client.PublishAcked {
				break // none, or the oldest is still in flight (Status, not Done: no channel per publication)
			}
			settleOne(s.rec, s.cnt, m, pb)
			m.releasePub()
		}
	}
}

// finish stops the settler once it has recorded what is settled, and waits
// for it. Call it after every session ended; it is idempotent. A
// publication never settled is neither acked nor handed back, so the
// checker sees it as lost.
func (s *settlers) finish() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	stop, done := s.stop, s.done
	s.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	<-done
	if h := testHooks.settled; h != nil {
		h(s.rec)
	}
}

// settleOne records how pb ended: one ack record per queue when the server
// acked it, one hand-back record per queue when it failed (the session
// failed or closed: the caller was told).
func settleOne(rec *Recorder, cnt *counters, m *member, pb pub) {
	kind := RecAck
	if pb.p.Status() == client.PublishFailed {
		kind = RecHandedBack
	}
	now := time.Now()
	if kind == RecHandedBack {
		m.mu.Lock()
		m.info.Undelivered++
		m.mu.Unlock()
	}
	for _, rt := range pb.routes {
		rec.Add(Record{Time: now, Kind: kind, Client: m.index, Dir: rt.dir, Channel: pb.channel, ID: pb.id,
			Sender: pb.sender, Receiver: rt.to.name, Index: pb.index})
		if kind == RecHandedBack {
			rt.to.settled(pb.channel, pb.sender, pb.index) // the drain stops waiting for it; it may still arrive
		}
	}
	cnt.settled.Add(1)
}

// headPub returns m's oldest unsettled publication, if any.
func (m *member) headPub() (pub, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pubs) == 0 {
		return pub{}, false
	}
	return m.pubs[0], true
}

// releasePub drops m's oldest publication once it was recorded, so a member
// holds only its unsettled publications (and their payloads), not every one
// of the run.
func (m *member) releasePub() {
	m.mu.Lock()
	m.pubs[0] = pub{}
	m.pubs = m.pubs[1:]
	m.mu.Unlock()
}

// addPub appends pb to m's unsettled publications.
func (m *member) addPub(pb pub) {
	m.mu.Lock()
	m.pubs = append(m.pubs, pb)
	m.info.Published++
	m.mu.Unlock()
}
