package faultserver

import "context"

// ForgetSessions forgets every session, as a server that lost its state
// would: a later resume gets resume_failed and the client must start a new
// session and resynchronise. Open connections stay open but lose their
// session (frames that need one get a no_session error); combine with
// DropConnections or Restart to force reconnects. Channel history is kept.
// It returns how many sessions were forgotten.
func (s *Server) ForgetSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.sessions)
	for _, ss := range s.sessions {
		s.removeSessionLocked(ss)
	}
	s.emit(Event{Kind: EventForget, Count: n})
	return n
}

var forgetFault = faultKind{
	name:    FaultForgetSessions,
	aliases: []string{"forget"},
	apply: func(_ context.Context, s *Server, body []byte) (any, error) {
		var req struct{}
		if err := decodeStrict(body, &req); err != nil {
			return nil, err
		}
		return affected{s.ForgetSessions()}, nil
	},
}
