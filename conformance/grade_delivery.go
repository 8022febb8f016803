package conformance

import (
	"fmt"
	"strings"
	"time"
)

// delivery counts one message's fate.
type delivery struct {
	ID       string
	Refused  bool
	Received int // times the server received it
	// InFlight: accepted while the client reported the connection open,
	// inside the fault's in-flight window; what a declared at-most-once
	// client may lose.
	InFlight bool
	// Open: accepted while the client reported open; At: when the adapter's
	// send result was read (zero if it gave none). For the detail only.
	Open bool
	At   time.Time
}

// inflightMargin is how long before a fault, and after the link's return,
// a frame accepted on an open connection still counts as in flight:
// written, but perhaps not yet read by a server a loaded machine schedules
// late; or written into the proxy just before its blackhole was lifted,
// with the adapter's report read after (13 frames of one partysocket run).
const inflightMargin = 500 * time.Millisecond

// window is a fault's in-flight window: from inflightMargin before the fault
// to inflightMargin after the link works again. The zero window (no fault
// during the sends) makes every loss a silent loss.
type window struct {
	from, to time.Time
	back     time.Time // when the link worked again (to without the margin)
}

func (w window) contains(t time.Time) bool {
	return !w.from.IsZero() && !t.Before(w.from) && !t.After(w.to)
}

// faultWindow is the in-flight window of a fault from start to end.
func faultWindow(start, end time.Time) window {
	return window{start.Add(-inflightMargin), end.Add(inflightMargin), end}
}

// classify reads the adapter's own report stream: when each send was
// refused, accepted while the client said it was open, or accepted at all.
func classify(reports []Stamped) (refused, whileOpen, accepted map[string]time.Time) {
	refused, whileOpen, accepted = map[string]time.Time{}, map[string]time.Time{}, map[string]time.Time{}
	open := false
	for _, r := range reports {
		switch {
		case r.Type == "state":
			open = r.State == "open"
		case r.Type == "sent" && r.Result == "refused":
			refused[r.ID] = r.Time
		case r.Type == "sent":
			accepted[r.ID] = r.Time
			if open {
				whileOpen[r.ID] = r.Time
			}
		}
	}
	return refused, whileOpen, accepted
}

// gradeDelivery grades each message's fate against the declared delivery
// guarantee. Whatever is declared, a message lost outside the in-flight
// window (accepted while the client knew it was disconnected, or long
// before the fault) is silent loss: FAILED. In flight, a loss FAILS unless
// the client declares at-most-once, a duplicate unless it declares
// at-least-once. faulted says the sends overlapped a fault; a client that
// declares a guarantee weaker than exactly-once is then NON-STRICT whether
// or not this run happened to lose a frame, so its grade does not depend on
// the instant the fault struck. Refusals are honest: NON-STRICT.
func gradeDelivery(ds []delivery, declared string, faulted bool) verdict {
	var lost, inflightLost, dup, refused, ok int
	var examples []string
	for _, d := range ds {
		switch {
		case d.Received > 1:
			dup++
		case d.Received == 1:
			ok++
		case d.Refused:
			refused++
		case d.InFlight:
			inflightLost++
		default:
			lost++
			if len(examples) < 3 {
				examples = append(examples, d.describe())
			}
		}
	}
	guarantee := declared
	if guarantee == "" {
		guarantee = DeliveryExactlyOnce + " (undeclared)"
	}
	detail := fmt.Sprintf("%d sent: %d delivered, %d refused with an error, %d lost in flight, %d silently lost, %d duplicated; declares %s",
		len(ds), ok, refused, inflightLost, lost, dup, guarantee)
	switch {
	case len(ds) == 0:
		return v(Failed, "nothing sent")
	case lost > 0:
		return v(Failed, "%s (silently lost: %s)", detail, strings.Join(examples, ", "))
	case dup > 0 && declared != DeliveryAtLeastOnce:
		return v(Failed, "%s", detail)
	case inflightLost > 0 && declared != DeliveryAtMostOnce:
		return v(Failed, "%s", detail)
	case faulted && (declared == DeliveryAtMostOnce || declared == DeliveryAtLeastOnce):
		return v(NonStrict, "%s", detail)
	case refused > 0:
		return v(NonStrict, "%s", detail)
	}
	return v(OK, "%s", detail)
}

func (d delivery) describe() string {
	switch {
	case d.At.IsZero():
		return d.ID + " (no send result)"
	case d.Open:
		return d.ID + " (accepted while open, outside the in-flight window, at " + d.At.Format("15:04:05.000") + ")"
	}
	return d.ID + " (accepted while the client reported it was not open, at " + d.At.Format("15:04:05.000") + ")"
}
