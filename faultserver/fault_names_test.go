package faultserver

import (
	"errors"
	"testing"
	"time"
)

// TestCanonicalFaultNamesAndAliases: delay_handshake and forget_sessions
// are the routes, the GET /faults keys and the event names; delay and
// forget still work on every route.
func TestCanonicalFaultNamesAndAliases(t *testing.T) {
	s := start(t, Config{})
	hc, base := newHTTPClient(t), s.AdminURL()
	for _, name := range []string{"delay_handshake", "delay"} {
		from := lastID(s)
		if code := call(t, hc, "POST", base+"/faults/"+name, "", `{"delay":"10ms","count":5}`, nil); code != 200 {
			t.Fatalf("POST /faults/%s: %d", name, code)
		}
		var active map[string]any
		call(t, hc, "GET", base+"/faults", "", "", &active)
		if _, ok := active["delay_handshake"]; !ok || len(active) != 1 {
			t.Fatalf("after POST %s: active %v, want only delay_handshake", name, active)
		}
		if e := waitEvent(t, s, from, EventFault); e.Fault != FaultDelayHandshake {
			t.Fatalf("event fault %q, want delay_handshake", e.Fault)
		}
		if code := call(t, hc, "DELETE", base+"/faults/"+name, "", "", nil); code != 200 {
			t.Fatalf("DELETE /faults/%s: %d", name, code)
		}
		active = nil
		if call(t, hc, "GET", base+"/faults", "", "", &active); len(active) != 0 {
			t.Fatalf("after DELETE %s: %v", name, active)
		}
	}
	for _, name := range []string{"forget_sessions", "forget"} {
		a := dial(t, s.SessionURL())
		a.hello()
		var aff affected
		if code := call(t, hc, "POST", base+"/faults/"+name, "", `{}`, &aff); code != 200 || aff.Affected != 1 {
			t.Fatalf("POST /faults/%s: %d %+v", name, code, aff)
		}
	}
	if code := call(t, hc, "POST", base+"/faults/delays", "", `{}`, nil); code != 404 {
		t.Fatalf("unknown fault: %d, want 404", code)
	}
	for alias, canon := range map[string]string{"delay": FaultDelayHandshake, "forget": FaultForgetSessions, "stall": FaultStall} {
		if got, ok := CanonicalFault(alias); !ok || got != canon {
			t.Errorf("CanonicalFault(%q) = %q, %v", alias, got, ok)
		}
	}
}

// TestValidateSpecMatchesApply: ValidateSpec refuses exactly what applying
// the fault refuses, with a *SpecError.
func TestValidateSpecMatchesApply(t *testing.T) {
	bad := []struct {
		name string
		spec any
	}{
		{"close", CloseSpec{Code: 1005}},
		{"close", CloseSpec{Code: 1006}},
		{"close", CloseSpec{Code: 1015}},
		{"close", CloseSpec{Code: 1004}},
		{"close", CloseSpec{Code: 2000}},
		{"close", CloseSpec{Code: 5000}},
		{"close", CloseSpec{Code: 1000, Selector: Selector{All: true, Fraction: 0.5}}},
		{"reject", RejectSpec{Status: 302}},
		{"reject", RejectSpec{RetryAfter: -time.Second}},
		{"delay_handshake", DelaySpec{}},
		{"delay", DelaySpec{Delay: time.Second, Count: -1}},
		{"stall", StallSpec{For: -1}},
		{"lossy", LossySpec{DropEvery: -1}},
		{"drop", Selector{Fraction: 2}},
		{"restart", -time.Second},
		{"close", DelaySpec{Delay: time.Second}}, // wrong spec type
	}
	for _, c := range bad {
		var se *SpecError
		if err := ValidateSpec(c.name, c.spec); !errors.As(err, &se) {
			t.Errorf("ValidateSpec(%s, %#v) = %v, want *SpecError", c.name, c.spec, err)
		}
	}
	good := []struct {
		name string
		spec any
	}{
		{"close", CloseSpec{Code: 1000}},
		{"close", CloseSpec{Code: 1012, Reason: "deploy"}},
		{"close", CloseSpec{Code: 4999}},
		{"reject", RejectSpec{}},
		{"delay", DelaySpec{Delay: time.Millisecond}},
		{"stall", StallSpec{}},
		{"lossy", LossySpec{DropEvery: 3}},
		{"drop", Selector{}},
		{"restart", time.Second},
		{"forget_sessions", nil},
	}
	for _, c := range good {
		if err := ValidateSpec(c.name, c.spec); err != nil {
			t.Errorf("ValidateSpec(%s, %#v) = %v, want nil", c.name, c.spec, err)
		}
	}
	if err := ValidateSpec("nope", nil); !errors.Is(err, ErrUnknownFault) {
		t.Errorf("unknown fault: %v", err)
	}
	s := start(t, Config{})
	for _, code := range []int{1005, 1006, 1015} {
		var se *SpecError
		if _, err := s.CloseConnections(t.Context(), CloseSpec{Code: code}); !errors.As(err, &se) {
			t.Errorf("CloseConnections(%d) = %v, want *SpecError like ValidateSpec", code, err)
		}
	}
}
