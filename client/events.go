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
)

func (k EventKind) String() string {
	if k == EventStateChanged {
		return "state-changed"
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

// dispatcher runs OnEvent handlers in order on one goroutine, with an
// unbounded queue so that emitting never blocks the supervisor.
type dispatcher struct {
	handler func(Event)
	mu      sync.Mutex
	pending []Event
	closed  bool
	wake    chan struct{}
	done    chan struct{}
}

func newDispatcher(h func(Event)) *dispatcher {
	d := &dispatcher{handler: h, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if h == nil {
		close(d.done)
		d.closed = true
		return d
	}
	go d.run()
	return d
}

func (d *dispatcher) push(ev Event) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.pending = append(d.pending, ev)
	d.mu.Unlock()
	d.poke()
}

// close lets the goroutine exit once everything pushed so far is delivered.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.poke()
}

func (d *dispatcher) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) run() {
	defer close(d.done)
	for {
		d.mu.Lock()
		batch, closed := d.pending, d.closed
		d.pending = nil
		d.mu.Unlock()
		for _, ev := range batch {
			d.handler(ev)
		}
		if closed && len(batch) == 0 {
			return
		}
		if len(batch) == 0 {
			<-d.wake
		}
	}
}
