package faultserver

import "time"

// producer is the v2 dedupe state of one publishing client, across its
// sessions. Guarded by Server.mu.
type producer struct {
	highest uint64    // highest PSeq accepted
	last    time.Time // last publish; forgotten DedupeTTL after it
}

// producerDuplicateLocked reports whether pseq of ss's producer was already
// accepted (within the dedupe horizon), and records it otherwise. Sessions
// without a producer or publishes without a PSeq are never duplicates here
// (v1: duplicates possible across a resync). Caller holds mu.
func (s *Server) producerDuplicateLocked(ss *session, pseq uint64, now time.Time) bool {
	if ss.producer == "" || pseq == 0 {
		return false
	}
	p := s.producers[ss.producer]
	if p != nil && now.Sub(p.last) > s.cfg.DedupeTTL {
		delete(s.producers, ss.producer) // past the horizon: a new producer
		p = nil
	}
	if p == nil {
		s.evictProducerLocked()
		p = &producer{}
		s.producers[ss.producer] = p
	}
	p.last = now
	if pseq <= p.highest {
		return true
	}
	p.highest = pseq
	return false
}

// evictProducerLocked makes room for one more producer by forgetting the
// least recently active one when MaxProducers are remembered. The scan is
// linear, but runs only at the cap. Caller holds mu.
func (s *Server) evictProducerLocked() {
	if len(s.producers) < s.cfg.MaxProducers {
		return
	}
	var oldest string
	var at time.Time
	for id, p := range s.producers {
		if oldest == "" || p.last.Before(at) {
			oldest, at = id, p.last
		}
	}
	delete(s.producers, oldest)
	s.count.producersEvicted.Add(1)
}

// expireProducers forgets producers idle longer than DedupeTTL.
func (s *Server) expireProducers(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, p := range s.producers {
		if now.Sub(p.last) > s.cfg.DedupeTTL {
			delete(s.producers, id)
		}
	}
}
