package faultserver

import (
	"sort"
	"sync/atomic"
	"time"
)

// Stats are the server's counters. Totals count since Start; Connections and
// Sessions are current values.
type Stats struct {
	Connections        int    `json:"connections"`
	ConnectionsTotal   uint64 `json:"connections_total"`
	Sessions           int    `json:"sessions"`
	SessionsTotal      uint64 `json:"sessions_total"`
	Channels           int    `json:"channels"`
	PublishesAccepted  uint64 `json:"publishes_accepted"`
	DuplicatesDropped  uint64 `json:"duplicates_dropped"`
	MessagesFannedOut  uint64 `json:"messages_fanned_out"`
	MessagesReplayed   uint64 `json:"messages_replayed"`
	HandshakesRejected uint64 `json:"handshakes_rejected"`
	HandshakesDelayed  uint64 `json:"handshakes_delayed"`
	ConnectionsDropped uint64 `json:"connections_dropped"`
	ConnectionsClosed  uint64 `json:"connections_closed"`
	LossyDropped       uint64 `json:"lossy_dropped"`
	LossySkipped       uint64 `json:"lossy_skipped"`
	// TooLargeSkipped counts messages sent as skipped: over the
	// subscriber's read limit (v2). TooLargeRejected counts publishes
	// over ReadLimit answered by rejected (v2) or error too_large (v1).
	TooLargeSkipped  uint64 `json:"too_large_skipped"`
	TooLargeRejected uint64 `json:"too_large_rejected"`
	// ProducerDuplicates counts v2 publishes acked but not fanned out again
	// (PSeq at or below the producer's highest); ProducersEvicted counts
	// producers forgotten for MaxProducers before their DedupeTTL.
	ProducerDuplicates uint64 `json:"producer_duplicates"`
	ProducersEvicted   uint64 `json:"producers_evicted"`
	// SessionWindowStalls counts the times a session's pump stopped at
	// Config.SessionWindow (pending replay over all its channels).
	SessionWindowStalls uint64 `json:"session_window_stalls"`
	ProtocolErrors      uint64 `json:"protocol_errors"`
	EchoedFrames        uint64 `json:"echoed_frames"`
	Restarts            uint64 `json:"restarts"`
	// EventsDropped counts events evicted from the bounded event log
	// (Config.EventLogSize); they are always the oldest, IDs 1..EventsDropped.
	EventsDropped uint64 `json:"events_dropped"`
}

// counters are updated lock-free from connection goroutines.
type counters struct {
	connectionsTotal, sessionsTotal                  atomic.Uint64
	publishesAccepted, duplicatesDropped             atomic.Uint64
	fannedOut, replayed                              atomic.Uint64
	handshakesRejected, handshakesDelayed            atomic.Uint64
	connectionsDropped, connectionsClosed            atomic.Uint64
	lossyDropped, lossySkipped, protocolErrors, echo atomic.Uint64
	tooLargeSkipped, tooLargeRejected                atomic.Uint64
	producerDuplicates, producersEvicted             atomic.Uint64
	restarts                                         atomic.Uint64
	sessionWindowStalls                              atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	conns, sessions, channels := len(s.conns), len(s.sessions), len(s.channels)
	s.mu.Unlock()
	c := &s.count
	return Stats{
		Connections:         conns,
		ConnectionsTotal:    c.connectionsTotal.Load(),
		Sessions:            sessions,
		SessionsTotal:       c.sessionsTotal.Load(),
		Channels:            channels,
		PublishesAccepted:   c.publishesAccepted.Load(),
		DuplicatesDropped:   c.duplicatesDropped.Load(),
		MessagesFannedOut:   c.fannedOut.Load(),
		MessagesReplayed:    c.replayed.Load(),
		HandshakesRejected:  c.handshakesRejected.Load(),
		HandshakesDelayed:   c.handshakesDelayed.Load(),
		ConnectionsDropped:  c.connectionsDropped.Load(),
		ConnectionsClosed:   c.connectionsClosed.Load(),
		LossyDropped:        c.lossyDropped.Load(),
		LossySkipped:        c.lossySkipped.Load(),
		TooLargeSkipped:     c.tooLargeSkipped.Load(),
		TooLargeRejected:    c.tooLargeRejected.Load(),
		ProducerDuplicates:  c.producerDuplicates.Load(),
		ProducersEvicted:    c.producersEvicted.Load(),
		SessionWindowStalls: c.sessionWindowStalls.Load(),
		ProtocolErrors:      c.protocolErrors.Load(),
		EchoedFrames:        c.echo.Load(),
		Restarts:            c.restarts.Load(),
		EventsDropped:       s.events.droppedCount(),
	}
}

// SessionInfo describes one session (its token is never exposed).
type SessionInfo struct {
	ID        string `json:"id"`
	ClientID  string `json:"client_id,omitempty"`
	Connected bool   `json:"connected"`
	// Acked is the highest publish sequence number accepted.
	Acked uint64 `json:"acked"`
	// Delivered maps each attached channel to the last deliver_ack'd serial.
	Delivered map[string]uint64 `json:"delivered"`
	// ExpiresAt is when a disconnected session will be forgotten; zero while
	// connected.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Sessions returns every live session, ordered by id.
func (s *Server) Sessions() []SessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SessionInfo, 0, len(s.sessions))
	for _, ss := range s.sessions {
		info := SessionInfo{ID: ss.id, ClientID: ss.clientID, Connected: ss.conn != nil,
			Acked: ss.acked, Delivered: make(map[string]uint64, len(ss.subs))}
		for ch, sub := range ss.subs {
			info.Delivered[ch] = sub.delivered
		}
		if ss.conn == nil {
			info.ExpiresAt = ss.detachedAt.Add(s.cfg.SessionTTL)
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
