package faultserver

import (
	"context"
	"sync"
	"time"
)

// EventKind names what an [Event] records.
type EventKind string

// Event kinds. Connection events carry Conn (and Session once known); fault
// events carry Fault.
const (
	EventListening         EventKind = "listening"          // main listener up (Detail: address)
	EventAdminListening    EventKind = "admin_listening"    // admin listener up (Detail: address)
	EventConnect           EventKind = "connect"            // WebSocket upgraded (Detail: endpoint path)
	EventDisconnect        EventKind = "disconnect"         // connection ended (CloseCode if a close frame came; Detail: cause)
	EventHandshakeRejected EventKind = "handshake_rejected" // reject fault answered (Status)
	EventHandshakeDelayed  EventKind = "handshake_delayed"  // delay fault held a handshake (Detail: delay)
	EventHello             EventKind = "hello"              // new session created
	EventResume            EventKind = "resume"             // session resumed (Seq: acked)
	EventResumeFailed      EventKind = "resume_failed"      // resume refused (Detail: reason)
	EventAttach            EventKind = "attach"             // After, Serial (head), Oldest, ContinuityLost, Count (replayed)
	EventDetach            EventKind = "detach"             // channel detached
	EventRedeliver         EventKind = "redeliver"          // after resume: After (last deliver_ack), Count, ContinuityLost
	EventDuplicate         EventKind = "duplicate"          // publish with seq <= acked dropped (Seq)
	EventSessionExpired    EventKind = "session_expired"    // session outlived its TTL
	EventSlowConsumer      EventKind = "slow_consumer"      // send queue overflowed; connection dropped
	EventProtocolError     EventKind = "protocol_error"     // bad frame (ErrorCode, Detail)
	EventFault             EventKind = "fault"              // a fault was set or cleared (Fault, Detail)
	EventDrop              EventKind = "drop"               // connection dropped by a fault, no close frame
	EventClose             EventKind = "close"              // close frame sent by a fault (CloseCode, Detail: reason)
	EventStall             EventKind = "stall"              // connection stalled
	EventUnstall           EventKind = "unstall"            // connection resumed reading and writing
	EventForget            EventKind = "forget"             // session state forgotten (Count: sessions)
	EventRestartDown       EventKind = "restart_down"       // listener closed for a restart (Detail: down time)
	EventRestartUp         EventKind = "restart_up"         // listener back on the same address
	EventLossyDrop         EventKind = "lossy_drop"         // lossy mode acked a publish and dropped it (Seq, Channel)
	EventLossySkip         EventKind = "lossy_skip"         // lossy mode stored a message but skipped its fan-out (Serial)
)

// Event is one entry of the server's event log.
type Event struct {
	// ID increases by one per event, from 1; use it with EventsSince.
	ID   uint64    `json:"id"`
	Time time.Time `json:"time"`
	Kind EventKind `json:"kind"`
	// Conn is the server's connection number (from 1), 0 if none.
	Conn    uint64 `json:"conn,omitempty"`
	Session string `json:"session,omitempty"`
	Channel string `json:"channel,omitempty"`
	// Fault names the fault kind for EventFault.
	Fault string `json:"fault,omitempty"`
	// CloseCode is a WebSocket close code.
	CloseCode int `json:"close_code,omitempty"`
	// Status is an HTTP status.
	Status int `json:"status,omitempty"`
	// ErrorCode is a protocol error code (protocol.Code*).
	ErrorCode      string `json:"error_code,omitempty"`
	Seq            uint64 `json:"seq,omitempty"`
	After          uint64 `json:"after,omitempty"`
	Serial         uint64 `json:"serial,omitempty"`
	Oldest         uint64 `json:"oldest,omitempty"`
	ContinuityLost bool   `json:"continuity_lost,omitempty"`
	Count          int    `json:"count,omitempty"`
	Detail         string `json:"detail,omitempty"`
}

// eventLog is a bounded ring of events; waiters are woken on every append.
type eventLog struct {
	mu      sync.Mutex
	buf     []Event
	start   int // index of the oldest event in buf
	n       int
	nextID  uint64
	dropped uint64        // events evicted to make room: always the oldest, so IDs 1..dropped
	wake    chan struct{} // closed and replaced on every append
}

func newEventLog(size int) *eventLog {
	return &eventLog{buf: make([]Event, size), nextID: 1, wake: make(chan struct{})}
}

func (l *eventLog) add(e Event) Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.ID = l.nextID
	l.nextID++
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	switch {
	case len(l.buf) == 0:
		l.dropped++
	case l.n < len(l.buf):
		l.buf[(l.start+l.n)%len(l.buf)] = e
		l.n++
	default:
		l.buf[l.start] = e
		l.start = (l.start + 1) % len(l.buf)
		l.dropped++
	}
	close(l.wake)
	l.wake = make(chan struct{})
	return e
}

// since returns retained events with ID > id, how many events were dropped
// so far, and the wake channel current at the time of the read.
func (l *eventLog) since(id uint64) ([]Event, uint64, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// IDs are consecutive and the retained ones are dropped+1 onwards, so the
	// first wanted event is found by arithmetic, and a waiter woken by one new
	// event copies one event rather than scanning and sizing for the whole log.
	skip := l.n
	if id < l.dropped+uint64(l.n) {
		skip = int(max(id, l.dropped) - l.dropped)
	}
	out := make([]Event, 0, l.n-skip)
	for i := skip; i < l.n; i++ {
		out = append(out, l.buf[(l.start+i)%len(l.buf)])
	}
	return out, l.dropped, l.wake
}

// newest returns the newest event's id (0 before the first).
func (l *eventLog) newest() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nextID - 1
}

// droppedCount returns how many events were evicted so far.
func (l *eventLog) droppedCount() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// Events returns every retained event, oldest first. Once the log is full
// (Config.EventLogSize) the oldest are dropped: see Stats.EventsDropped.
func (s *Server) Events() []Event {
	ev, _, _ := s.events.since(0)
	return ev
}

// EventsSince returns retained events with ID greater than id, oldest first.
func (s *Server) EventsSince(id uint64) []Event {
	ev, _, _ := s.events.since(id)
	return ev
}

// CountEvents returns how many retained events are of kind k.
func (s *Server) CountEvents(k EventKind) int {
	n := 0
	for _, e := range s.Events() {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// WaitEvent blocks until an event with ID greater than after satisfies match
// (retained or new) and returns it, or returns ctx.Err().
func (s *Server) WaitEvent(ctx context.Context, after uint64, match func(Event) bool) (Event, error) {
	for {
		evs, _, wake := s.events.since(after)
		for _, e := range evs {
			if match(e) {
				return e, nil
			}
			after = e.ID
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// emit records e in the event log and the logger.
func (s *Server) emit(e Event) {
	e = s.events.add(e)
	s.log.Debug("event", "kind", e.Kind, "id", e.ID, "conn", e.Conn, "session", e.Session,
		"channel", e.Channel, "detail", e.Detail)
}
