package faultserver

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"time"
)

// Session id and token sizes in random bytes: 128 and 256 bits.
const (
	sessionIDBytes = 16
	tokenBytes     = 32
)

// session is protocol state that outlives a connection. Guarded by Server.mu.
type session struct {
	id, token string
	clientID  string
	readLimit int64  // the client's read limit (v2 hello/resume); 0: none given
	producer  string // Hello.Producer (v2); "" for none
	acked     uint64 // highest publish seq accepted
	subs      map[string]*subscription
	// inflight is the messages sent and not deliver_ack'd, summed over subs
	// (bounded by Config.SessionWindow); windowBlocked says the pump stopped
	// at that bound, so a deliver_ack pumps every subscription again.
	inflight      uint64
	windowBlocked bool
	conn          *conn     // nil while disconnected
	detachedAt    time.Time // when conn became nil
}

// subscription is a session's attachment to one channel.
type subscription struct {
	delivered uint64 // last serial the client confirmed with deliver_ack (or attached after)
	// sent is the last serial queued on the session's current connection;
	// the pump streams sent+1.. from history as credit and queue room allow.
	sent uint64
	// held stops the pump after a resume whose position fell out of
	// history: the client's re-attach is told continuity_lost first.
	held bool
	// resumed is set from a resume until the client's first attach of the
	// channel, which then continues the redelivery instead of replaying it
	// again (a later attach, a gap repair, replays from its After).
	resumed bool
	// inflight is sent-delivered as last counted into session.inflight
	// (session_window.go).
	inflight uint64
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}

// newSessionLocked creates a session bound to c. Caller holds mu.
func (s *Server) newSessionLocked(c *conn, clientID string) *session {
	ss := &session{
		id: randomHex(sessionIDBytes), token: randomHex(tokenBytes), clientID: clientID,
		subs: make(map[string]*subscription), conn: c,
	}
	s.sessions[ss.id] = ss
	s.count.sessionsTotal.Add(1)
	return ss
}

// lookupLocked finds a resumable session; "" reason means ok. Caller holds mu.
func (s *Server) lookupLocked(id, token string, now time.Time) (*session, string) {
	ss, ok := s.sessions[id]
	if !ok {
		return nil, "unknown session"
	}
	if subtle.ConstantTimeCompare([]byte(ss.token), []byte(token)) != 1 {
		return nil, "wrong token"
	}
	if ss.conn == nil && now.Sub(ss.detachedAt) > s.cfg.SessionTTL {
		s.removeSessionLocked(ss)
		s.emit(Event{Kind: EventSessionExpired, Session: ss.id})
		return nil, "session expired"
	}
	return ss, ""
}

// removeSessionLocked forgets ss and its subscriptions; a connection still
// bound to it loses its session. Caller holds mu.
func (s *Server) removeSessionLocked(ss *session) {
	delete(s.sessions, ss.id)
	for name := range ss.subs {
		if ch := s.channels[name]; ch != nil {
			s.unsubscribedLocked(ch, ss)
		}
	}
	if ss.conn != nil && ss.conn.sess == ss {
		ss.conn.sess = nil
	}
	ss.conn = nil
}

// expireSessions forgets disconnected sessions older than the TTL.
func (s *Server) expireSessions(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		if ss.conn == nil && now.Sub(ss.detachedAt) > s.cfg.SessionTTL {
			s.removeSessionLocked(ss)
			s.emit(Event{Kind: EventSessionExpired, Session: ss.id})
			ss.subs = nil // the map of a large session, released with it
		}
	}
}

// bindLocked moves ss onto c, dropping a connection that still holds it and
// unbinding c's previous session. Caller holds mu.
func (s *Server) bindLocked(c *conn, ss *session) {
	s.unbindLocked(c)
	if old := ss.conn; old != nil && old != c {
		old.sess = nil
		s.emit(Event{Kind: EventDrop, Conn: old.id, Session: ss.id, Detail: "session resumed on another connection"})
		s.count.connectionsDropped.Add(1)
		old.kill("session resumed on another connection")
	}
	ss.conn = c
	c.sess = ss
	for _, sub := range ss.subs { // a new connection: stream from the last deliver_ack
		sub.sent, sub.resumed = sub.delivered, true
		ss.recount(sub)
	}
}

// unbindLocked detaches c's session, which starts aging toward its TTL.
func (s *Server) unbindLocked(c *conn) {
	if c.sess != nil && c.sess.conn == c {
		c.sess.conn = nil
		c.sess.detachedAt = time.Now()
	}
	c.sess = nil
}

func (s *Server) channelLocked(name string) *channel {
	ch := s.channels[name]
	if ch == nil {
		ch = s.newChannelLocked(name)
		s.channels[name] = ch
	}
	return ch
}
