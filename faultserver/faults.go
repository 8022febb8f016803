package faultserver

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// SpecError reports an invalid fault specification (Go API and admin API
// alike; the admin API answers it with 400).
type SpecError struct {
	Fault  string
	Reason string
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("faultserver: invalid %s fault: %s", e.Fault, e.Reason)
}

// Selector picks connections for a fault. At most one of All, Sessions or
// Fraction may be set; the zero Selector selects every connection.
type Selector struct {
	// All selects every open connection (session and echo endpoints).
	All bool `json:"all,omitempty"`
	// Sessions selects the connections currently bound to these session ids.
	Sessions []string `json:"sessions,omitempty"`
	// Fraction in (0, 1] selects round(Fraction*n) of the n open
	// connections, chosen at random from Config.Seed.
	Fraction float64 `json:"fraction,omitempty"`
}

// AllConnections selects every open connection.
var AllConnections = Selector{All: true}

// BySession selects the connections bound to the given session ids.
func BySession(ids ...string) Selector { return Selector{Sessions: ids} }

// RandomFraction selects round(f*n) of the n open connections at random.
func RandomFraction(f float64) Selector { return Selector{Fraction: f} }

func (sel Selector) validate(fault string) error {
	set := 0
	if sel.All {
		set++
	}
	if len(sel.Sessions) > 0 {
		set++
	}
	if sel.Fraction != 0 {
		set++
		if math.IsNaN(sel.Fraction) || sel.Fraction <= 0 || sel.Fraction > 1 {
			return &SpecError{fault, fmt.Sprintf("fraction %v outside (0, 1]", sel.Fraction)}
		}
	}
	if set > 1 {
		return &SpecError{fault, "set at most one of all, sessions, fraction"}
	}
	return nil
}

func (sel Selector) String() string {
	switch {
	case sel.All, len(sel.Sessions) == 0 && sel.Fraction == 0:
		return "all"
	case len(sel.Sessions) > 0:
		return "sessions=" + strings.Join(sel.Sessions, ",")
	default:
		return fmt.Sprintf("fraction=%v", sel.Fraction)
	}
}

// selectLocked returns the open connections sel picks, ordered by id.
// Caller holds mu.
func (s *Server) selectLocked(sel Selector) []*conn {
	all := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		all = append(all, c)
	}
	slices.SortFunc(all, byID)
	switch {
	case sel.All, len(sel.Sessions) == 0 && sel.Fraction == 0:
		return all
	case len(sel.Sessions) > 0:
		return slices.DeleteFunc(all, func(c *conn) bool {
			return c.sess == nil || !slices.Contains(sel.Sessions, c.sess.id)
		})
	default:
		n := int(math.Round(sel.Fraction * float64(len(all))))
		s.rnd.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		picked := all[:n]
		slices.SortFunc(picked, byID)
		return picked
	}
}

// connsLocked returns every open connection. Caller holds mu.
func (s *Server) connsLocked() []*conn { return s.selectLocked(AllConnections) }

// waitFinished waits until every connection in cs has been cleaned up.
func waitFinished(ctx context.Context, cs []*conn) error {
	for _, c := range cs {
		select {
		case <-c.finished:
		case <-ctx.Done():
			return fmt.Errorf("faultserver: waiting for connections to end: %w", ctx.Err())
		}
	}
	return nil
}

// faultState holds the faults that persist until they expire or are
// cleared. Guarded by Server.mu.
type faultState struct {
	reject rejectState
	delay  delayState
	lossy  lossyState
}

// faultKind is one entry of the fault registry: its admin route and how to
// clear and describe it. Each fault file defines one.
type faultKind struct {
	name string
	// aliases are older names still accepted (admin routes, ClearFault).
	aliases []string
	// apply handles POST /faults/{name}; body is the raw JSON request.
	apply func(ctx context.Context, s *Server, body []byte) (any, error)
	// clear lifts a lasting fault (nil for one-shot faults).
	clear func(s *Server)
	// status describes the active fault, or nil (nil func for one-shot faults).
	status func(s *Server) any
}

// registry lists every fault kind, in the order GET /faults reports them.
var registry = []faultKind{
	dropFault, closeFault, rejectFault, delayFault, stallFault, forgetFault, restartFault, lossyFault,
}

func lookupFault(name string) (faultKind, bool) {
	for _, k := range registry {
		if k.name == name || slices.Contains(k.aliases, name) {
			return k, true
		}
	}
	return faultKind{}, false
}

// ErrUnknownFault is returned for a fault name not in the registry.
var ErrUnknownFault = errors.New("faultserver: unknown fault")

// ClearFault lifts one lasting fault by name (reject, delay_handshake, stall,
// lossy; "delay" is an alias of delay_handshake).
func (s *Server) ClearFault(name string) error {
	k, ok := lookupFault(name)
	if !ok || k.clear == nil {
		return fmt.Errorf("%w %q (lasting faults: reject, delay_handshake, stall, lossy)", ErrUnknownFault, name)
	}
	k.clear(s)
	s.emit(Event{Kind: EventFault, Fault: k.name, Detail: "cleared"})
	return nil
}

// ClearFaults lifts every lasting fault: handshake rejects and delays, stalls
// and lossy mode. One-shot faults (drop, close, forget, restart) have already
// happened and are not undone.
func (s *Server) ClearFaults() {
	for _, k := range registry {
		if k.clear != nil {
			k.clear(s)
		}
	}
	s.emit(Event{Kind: EventFault, Fault: "all", Detail: "cleared"})
}

// ActiveFaults describes each lasting fault that is active, by name.
func (s *Server) ActiveFaults() map[string]any {
	out := make(map[string]any)
	for _, k := range registry {
		if k.status == nil {
			continue
		}
		if st := k.status(s); st != nil {
			out[k.name] = st
		}
	}
	return out
}

func byID(a, b *conn) int { return cmp.Compare(a.id, b.id) }
