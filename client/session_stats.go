package client

// SessionStats are cumulative counters of a Session.
type SessionStats struct {
	Published  uint64 // Publish calls accepted
	Acked      uint64 // publications the server acked
	Failed     uint64 // publications handed back on Failed/Closed
	Resent     uint64 // writes of a publication after its first (resends after reconnects)
	Unacked    int    // publications in the window now
	Delivered  uint64 // channel messages accepted for delivery (exactly once each)
	Duplicates uint64 // channel messages dropped as already delivered (replays)
	// Overtaken counts messages dropped because a pending re-attach's replay
	// brings them in order (live messages overtaking a replay, and the
	// message that revealed a gap being repaired).
	Overtaken uint64
	// Skipped is the old name of Overtaken, always equal to it.
	//
	// Deprecated: use Overtaken. (It never counted the protocol's skipped
	// notices; those are Unreadable.)
	Skipped          uint64
	Repairs          uint64 // gaps on a live connection repaired by re-attaching from the last serial
	ContinuityLosses uint64 // ContinuityLost events
	LostMessages     uint64 // serials covered by those events
	Sessions         uint64 // welcomes: 1 + resyncs
	Resumes          uint64 // successful resumes
	Resyncs          uint64 // failed resumes replaced by a new session
	ProtocolErrors   uint64 // unusable frames from the server
	ServerErrors     uint64 // error frames from the server (each also an EventProtocolError)
	Rejected         uint64 // publications the server refused (v2 rejected), failed with a *RejectedError
	// Unreadable counts the server's skipped notices (v2): messages too
	// large for our ReadLimit, not delivered, each an EventContinuityLost.
	Unreadable    uint64
	SessionLosses uint64 // no_session errors that started a resync on a live connection
	// Overflows counts messages dropped at a full subscription buffer (the
	// server sent beyond its credit); OverflowRepairs the re-attaches that
	// replayed them once the consumer caught up (EventSubscriptionOverflow).
	Overflows, OverflowRepairs uint64
	// ChannelResets counts channels the server freed and recreated under a
	// new epoch (v3), each an EventContinuityLost with a *ChannelResetError.
	ChannelResets uint64
	// OpeningLosses counts no_session answers during an opening, which
	// restarted it with a new session at once (not after ReplyTimeout).
	OpeningLosses uint64
	// VersionFallbacks counts protocol versions the server refused (error
	// unsupported to hello or resume), each retried one version lower.
	VersionFallbacks uint64
}

// Stats returns a snapshot of the counters.
func (s *Session) Stats() SessionStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Unacked = s.win.len()
	st.Skipped = st.Overtaken
	return st
}
