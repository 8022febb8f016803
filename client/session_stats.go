package client

// SessionStats are cumulative counters of a Session.
type SessionStats struct {
	Published        uint64 // Publish calls accepted
	Acked            uint64 // publications the server acked
	Failed           uint64 // publications handed back on Failed/Closed
	Resent           uint64 // writes of a publication after its first (resends after reconnects)
	Unacked          int    // publications in the window now
	Delivered        uint64 // channel messages accepted for delivery (exactly once each)
	Duplicates       uint64 // channel messages dropped as already delivered (replays)
	Skipped          uint64 // messages dropped while a re-attach was pending (replayed by it)
	Repairs          uint64 // gaps on a live connection repaired by re-attaching from the last serial
	ContinuityLosses uint64 // ContinuityLost events
	LostMessages     uint64 // serials covered by those events
	Sessions         uint64 // welcomes: 1 + resyncs
	Resumes          uint64 // successful resumes
	Resyncs          uint64 // failed resumes replaced by a new session
	ProtocolErrors   uint64 // unusable frames from the server
	ServerErrors     uint64 // error frames from the server (each also an EventProtocolError)
	Rejected         uint64 // publications the server refused (v2 rejected), failed with a *RejectedError
	Unreadable       uint64 // messages the server skipped as too large for us (v2 skipped), each a ContinuityLost
	SessionLosses    uint64 // no_session errors that started a resync on a live connection
}

// Stats returns a snapshot of the counters.
func (s *Session) Stats() SessionStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Unacked = s.win.len()
	return st
}
