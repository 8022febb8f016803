package history

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Direction says which way a message travels.
type Direction string

// Directions.
const (
	// Up is client to server: a client publishes, the server accepts.
	Up Direction = "up"
	// Down is server to client: a channel message delivered to a client.
	Down Direction = "down"
)

// RecordKind names what a [Record] saw.
type RecordKind string

// Record kinds.
const (
	// RecSend: a sender accepted a message for delivery to Receiver. A
	// message fanned out to several receivers has one send per receiver.
	RecSend RecordKind = "send"
	// RecSendFailed: the sender refused the message (an error from Publish).
	// It is not expected to arrive; if it does, the checker counts it as
	// recovered, not lost.
	RecSendFailed RecordKind = "send_failed"
	// RecAck: the server acknowledged the message's publication (stamped
	// when the publisher saw the ack). Like RecSend, one per queue the
	// message travels: a client's publication is acked on its upstream queue
	// and on the echo back to it; the agent's on the downstream queue.
	RecAck RecordKind = "ack"
	// RecDeliver: Receiver got the message.
	RecDeliver RecordKind = "deliver"
	// RecHandedBack: the publisher handed the message back undelivered, as
	// a failed publication, when it failed or closed (one per queue, like
	// RecSend). Not lost: the caller was told.
	RecHandedBack RecordKind = "handed_back"
	// RecState: a client changed state (From, To, Attempt, Delay, Err).
	RecState RecordKind = "state"
	// RecAttach: a client's channel was (re-)attached (Serial: resume point).
	RecAttach RecordKind = "attach"
	// RecContinuityLost: the server could not replay far enough: explicit loss.
	RecContinuityLost RecordKind = "continuity_lost"
	// RecResumed: a client resumed its session (Session is the id).
	RecResumed RecordKind = "resumed"
	// RecResync: a client's resume failed and it started a new session.
	RecResync RecordKind = "resync"
	// RecDial: a client started a TCP dial (seen by the harness's dialer).
	RecDial RecordKind = "dial"
)

// Record is one timestamped observation. Client is the client's index in the
// run (0-based), or -1 for the server side.
type Record struct {
	Time    time.Time  `json:"time"`
	Kind    RecordKind `json:"kind"`
	Client  int        `json:"client"`
	Dir     Direction  `json:"dir,omitempty"`
	Channel string     `json:"channel,omitempty"`
	// ID is the message's unique id.
	ID string `json:"id,omitempty"`
	// Sender names who published the message ("server" or "client-3"), and
	// Receiver who must get it ("server" or "client-3"). Together with Dir
	// and Channel they name the queue the message travels through.
	Sender   string `json:"sender,omitempty"`
	Receiver string `json:"receiver,omitempty"`
	// Index is the message's position in its sender's stream on Channel
	// (from 1); the checker uses it to spot reordering.
	Index uint64 `json:"index,omitempty"`

	From    string        `json:"from,omitempty"`
	To      string        `json:"to,omitempty"`
	Attempt int           `json:"attempt,omitempty"`
	Delay   time.Duration `json:"delay,omitempty"`
	// RetryAfter is the server's Retry-After that shaped Delay, if any.
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	// HTTPStatus is the handshake's HTTP status that caused a state change.
	HTTPStatus int    `json:"http_status,omitempty"`
	Serial     uint64 `json:"serial,omitempty"`
	Session    string `json:"session,omitempty"`
	Err        string `json:"err,omitempty"`
}

// Recorder collects records from many goroutines. Records are kept in the
// order Add was called; Records returns them sorted by time (stable).
//
// A recorder from [NewCompactRecorder] judges message records (send,
// send_failed, ack, handed_back, deliver) as they arrive instead of keeping
// them: per queue and sender the index sets (one span while all goes in
// order) and the exceptions, so its memory grows with gaps, duplicates and
// reorders, not with messages. [Recorder.CheckMessages] reads either kind.
type Recorder struct {
	mu   sync.Mutex
	recs []Record
	now  func() time.Time
	n    atomic.Int64 // records added
	// compact judges message records on arrival (nil: keep them all);
	// keepMessages keeps them in recs as well.
	compact      *compactStore
	keepMessages bool
}

// NewRecorder returns an empty recorder stamping records with time.Now.
func NewRecorder() *Recorder { return &Recorder{now: time.Now} }

// NewCompactRecorder returns an empty compact recorder (see [Recorder]):
// Records holds only state, attach, dial and other non-message records,
// unless keepMessages is true (then it holds everything, as NewRecorder's
// does, and memory grows with messages again).
func NewCompactRecorder(keepMessages bool) *Recorder {
	return &Recorder{now: time.Now, compact: newCompactStore(), keepMessages: keepMessages}
}

// Add stamps r (when r.Time is zero) and appends it. A compact recorder
// that keeps no message records stamps only the message records it keeps
// (those with an id of another shape): it reads no other's time.
func (r *Recorder) Add(rec Record) {
	r.n.Add(1)
	if r.compact != nil {
		msg := isMessageKind(rec.Kind)
		if msg && !r.keepMessages {
			r.compact.add(rec, r.now)
			return
		}
		if rec.Time.IsZero() {
			rec.Time = r.now()
		}
		if msg || rec.Kind == RecState {
			r.compact.add(rec, r.now)
		}
	} else if rec.Time.IsZero() {
		rec.Time = r.now()
	}
	r.mu.Lock()
	r.recs = append(r.recs, rec)
	r.mu.Unlock()
}

// CheckMessages is [CheckMessages] over everything r recorded, with end the
// end of the measured window. A compact recorder gives the same counts from
// its spans; its example ids are the same as long as a sender's failing ids
// on a queue number at most 4,096 (past that, the first in index order), and
// reorders are judged in the order each queue's deliveries were added (time
// order when one goroutine records a receiver's channel, as the harness
// does).
func (r *Recorder) CheckMessages(end time.Time) MessageReport {
	return r.CheckMessagesWhere(end, nil)
}

// CheckMessagesWhere is [Recorder.CheckMessages] over the messages whose
// sender and receiver keep accepts (nil: all); state records always count.
// The harness uses it to judge its agent's queues apart.
func (r *Recorder) CheckMessagesWhere(end time.Time, keep func(sender, receiver string) bool) MessageReport {
	if r.compact != nil {
		return r.compact.check(end, keep)
	}
	recs := r.Records()
	if keep != nil {
		recs = slices.DeleteFunc(recs, func(x Record) bool { return isMessageKind(x.Kind) && !keep(x.Sender, x.Receiver) })
	}
	return CheckMessages(recs, end)
}

// Len returns the number of records added so far (a compact recorder
// counts the message records it judged without keeping).
func (r *Recorder) Len() int { return int(r.n.Load()) }

// Records returns a copy of every record, sorted by time (ties keep their
// insertion order).
func (r *Recorder) Records() []Record {
	r.mu.Lock()
	out := slices.Clone(r.recs)
	r.mu.Unlock()
	slices.SortStableFunc(out, func(a, b Record) int { return a.Time.Compare(b.Time) })
	return out
}

// ClientName is the name load client i goes by in Sender and Receiver
// ("client-3"); the server side is "server".
func ClientName(i int) string { return "client-" + strconv.Itoa(i) }
