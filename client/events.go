package client

import (
	"sync"
	"time"
)

// EventKind says what an Event reports. The transport uses 1-99; the session
// layer defines its kinds from 100 up.
type EventKind int

// Transport event kinds.
const (
	// EventStateChanged: From -> To; Reason, Err, CloseCode, HTTPStatus,
	// RetryAfter, Attempt and Delay say why and what happens next.
	EventStateChanged EventKind = 1
	// EventOverflow: the OnEvent handler fell behind Config.EventQueue
	// events and Serial events were dropped at this point of the stream
	// (counted in Stats.EventsDropped). The state, stats and the session's
	// counters stay exact; only the notifications are gone.
	EventOverflow EventKind = 2
)

func (k EventKind) String() string {
	switch k {
	case EventStateChanged:
		return "state-changed"
	case EventOverflow:
		return "overflow"
	}
	if n, ok := eventKindNames[k]; ok {
		return n
	}
	return "event"
}

// eventKindNames lets the session layer name its kinds (register in init).
var eventKindNames = map[EventKind]string{}

// Event is one entry of the ordered event stream (Config.OnEvent).
type Event struct {
	Time time.Time
	Kind EventKind
	From State
	To   State
	// Attempt: on Connecting and Connected, the 1-based number of the dial in
	// the current streak; on Reconnecting and Failed, the number of consecutive
	// failed attempts so far (0 after the loss of a healthy connection).
	Attempt int
	// Delay is the backoff delay chosen, on entering Reconnecting.
	Delay      time.Duration
	Err        error
	CloseCode  int
	HTTPStatus int
	RetryAfter time.Duration
	Reason     string
	// Subprotocol is set on Connected: the subprotocol the server selected
	// from Config.Subprotocols ("" if none). It may differ per connection.
	Subprotocol string
	// Channel and Serial are used by session events.
	Channel string
	Serial  uint64
	// Undelivered is set on the final event (Failed or Closed): every message
	// accepted by Send and never written, in order.
	Undelivered []Outbound
}

// dispatcher runs OnEvent handlers in order, one at a time, on a goroutine
// that exists only while events are pending: it starts when the first event
// is pushed onto an empty queue and ends when the queue is empty again, so an
// idle client holds none. Emitting never blocks the supervisor or the reader:
// the queue holds up to limit events; past that, events are dropped and one
// EventOverflow in their place says how many. The final events (a terminal
// state change, session ended) are always queued, so the stream still ends
// with them.
type dispatcher struct {
	handler func(Event)
	limit   int
	mu      sync.Mutex
	pending []Event
	queued  int // events in pending other than overflow markers
	dropped uint64
	closed  bool
	running bool // a run goroutine exists (it alone clears this)
	done    chan struct{}
}

func newDispatcher(h func(Event), limit int) *dispatcher {
	d := &dispatcher{handler: h, limit: limit, done: make(chan struct{})}
	if h == nil {
		close(d.done)
		d.closed = true
	}
	return d
}

func (d *dispatcher) push(ev Event) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	final := ev.Kind == EventSessionEnded || (ev.Kind == EventStateChanged && ev.To.terminal())
	if d.limit > 0 && d.queued >= d.limit && !final {
		d.dropped++
		if n := len(d.pending); n > 0 && d.pending[n-1].Kind == EventOverflow {
			d.pending[n-1].Serial++
		} else {
			d.pending = append(d.pending, Event{Time: ev.Time, Kind: EventOverflow, Serial: 1,
				Reason: "OnEvent handler fell behind: events dropped"})
		}
		d.mu.Unlock()
		return
	}
	d.pending = append(d.pending, ev)
	d.queued++
	d.startLocked()
	d.mu.Unlock()
}

// startLocked starts the run goroutine unless one exists; the caller holds d.mu.
func (d *dispatcher) startLocked() {
	if !d.running {
		d.running = true
		go d.run()
	}
}

// droppedCount is how many events were dropped so far.
func (d *dispatcher) droppedCount() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dropped
}

// close lets the goroutine exit once everything pushed so far is delivered;
// done is closed then (at once when nothing is pending).
func (d *dispatcher) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.closed = true
	if !d.running {
		close(d.done)
	}
}

// run delivers pending events until none are left, then exits (closing done
// if the dispatcher was closed). At most one run exists at a time, so the
// handler sees events in order and never concurrently.
func (d *dispatcher) run() {
	for {
		d.mu.Lock()
		batch := d.pending
		d.pending, d.queued = nil, 0
		if len(batch) == 0 {
			d.running = false
			if d.closed {
				close(d.done)
			}
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
		for _, ev := range batch {
			d.handler(ev)
		}
	}
}
