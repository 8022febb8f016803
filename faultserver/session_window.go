package faultserver

// The session window (Config.SessionWindow) bounds a session's pending
// replay: messages queued to it and not yet deliver_ack'd, over all its
// channels. Each subscription's share (sent - delivered) is cached in
// subscription.inflight and summed in session.inflight; every change of
// sent or delivered is followed by recount.

// recount brings ss.inflight up to date with sub's sent and delivered.
func (ss *session) recount(sub *subscription) {
	var now uint64
	if sub.sent > sub.delivered {
		now = sub.sent - sub.delivered
	}
	ss.inflight = ss.inflight - sub.inflight + now
	sub.inflight = now
}

// sessionWindowFullLocked reports whether c's session may not be sent one
// more message now; it then marks the session so that the next deliver_ack
// pumps all its subscriptions. v1 sessions have no credit at all (their
// clients may not deliver_ack), so the bound starts at v2. Caller holds mu.
func (s *Server) sessionWindowFullLocked(c *conn, ss *session, sub *subscription) bool {
	if s.cfg.SessionWindow <= 0 || c.version < 2 || ss.inflight < uint64(s.cfg.SessionWindow) {
		return false
	}
	if !ss.windowBlocked {
		ss.windowBlocked = true
		s.count.sessionWindowStalls.Add(1)
	}
	return true
}
