package faultserver

import "time"

// Channels are freed when unused: SessionTTL after the last subscription
// went away (long enough for every session that could still resume onto it
// to expire), the channel and its history are dropped. Only its head serial
// is kept, so a channel used again continues its serials instead of
// restarting at 1 (which a client would take for duplicates); a re-attach
// asking for anything older is told continuity_lost.

// unsubscribedLocked records that ss left ch. Caller holds mu.
func (s *Server) unsubscribedLocked(ch *channel, ss *session) {
	delete(ch.subs, ss)
	if len(ch.subs) == 0 {
		ch.idleSince = time.Now()
	}
}

// expireChannels frees channels idle longer than SessionTTL.
func (s *Server) expireChannels(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	freed := 0
	for name, ch := range s.channels {
		if len(ch.subs) == 0 && !ch.idleSince.IsZero() && now.Sub(ch.idleSince) > s.cfg.SessionTTL {
			s.heads[name] = ch.head
			delete(s.channels, name)
			freed++
		}
	}
	if freed > len(s.channels) { // Go maps never shrink: rebuild one mostly emptied
		s.channels = rebuilt(s.channels)
	}
}

func rebuilt[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
