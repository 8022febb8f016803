package faultserver

import "time"

// Channels are freed when unused: SessionTTL after the last subscription
// went away (long enough for every session that could still resume onto it
// to expire), the channel, its history and its serials are dropped; nothing
// of it is kept. A channel used again starts over at serial 1 under a new
// epoch (v3 attached.epoch), so a client can tell the new numbering from
// the old; see docs/PROTOCOL.md for v1 and v2 clients.

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
