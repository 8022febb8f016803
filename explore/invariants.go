package explore

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness"
)

// Class names one invariant; a failing run's verdict lists the classes it
// broke. The SLO-backed classes are the metric names of [InvariantSLOs], so a
// reproducer's `wschaos run FILE` fails on the SLO of the same name.
type Class string

// Classes, in priority order: a run's primary class is the first it broke.
const (
	ClassLost        Class = "lost"           // a message the system took on vanished silently
	ClassDuplicated  Class = "duplicated"     // a message delivered more than once
	ClassReordered   Class = "reordered"      // a channel's messages delivered out of order
	ClassUnexpected  Class = "unexpected"     // a message delivered that was never sent
	ClassFailed      Class = "failed_clients" // a client gave up without a configured limit
	ClassUnrecovered Class = "unrecovered"    // a client still disconnected at the end
	ClassRecovery    Class = "recovery_max"   // a recovery slower than the configuration's bound
	ClassGoroutines  Class = "goroutines"     // goroutines left behind by the run
	ClassMemory      Class = "memory"         // heap grown past the bound by the run
)

var classOrder = []Class{ClassLost, ClassDuplicated, ClassReordered, ClassUnexpected, ClassFailed,
	ClassUnrecovered, ClassRecovery, ClassGoroutines, ClassMemory}

// Violation is one broken invariant with what was observed.
type Violation struct {
	Class  Class  `json:"class"`
	Detail string `json:"detail"`
}

// RecoveryBound is the longest recovery p's configuration documents: the
// session's worst case (client.SessionConfig.WorstCaseRecovery: two failed
// openings and the longest backoff) plus every fault's duration, since a
// client recovering from one fault may meet the next. Rounded up to 100ms.
func RecoveryBound(p Plan) time.Duration {
	b := client.SessionConfig{Client: p.Client.ClientConfig()}.WorstCaseRecovery()
	for _, st := range p.Timeline {
		b += st.Duration
	}
	return (b + 99*time.Millisecond).Truncate(100 * time.Millisecond)
}

// limited reports whether p's clients may give up (a configured limit).
func limited(p Plan) bool { return p.Client.MaxAttempts > 0 || p.Client.MaxElapsed > 0 }

// InvariantSLOs are the invariants a scenario file can state, written into
// every generated plan and reproducer: with them `wschaos run FILE` fails
// exactly when [Check] finds an SLO-backed class.
func InvariantSLOs(p Plan) []string {
	out := []string{"lost == 0", "duplicated == 0", "reordered == 0", "unexpected == 0", "unrecovered == 0"}
	if !limited(p) {
		out = append(out, "failed_clients == 0")
	}
	return append(out, fmt.Sprintf("recovery_max <= %v", RecoveryBound(p)))
}

// Check judges one run of p. Every message and timing verdict is the
// harness's own (history.CheckMessages and CheckTiming, as the specs and
// `wschaos run` see them); Check only says which of them break an
// invariant, and adds the end-state rule: every client ends connected, or
// failed by a configured limit (its unacked messages handed back, which the
// loss check holds it to).
func Check(p Plan, res *harness.Result) []Violation {
	var out []Violation
	add := func(c Class, format string, args ...any) {
		out = append(out, Violation{Class: c, Detail: fmt.Sprintf(format, args...)})
	}
	t := res.Messages.Total
	if t.Lost > 0 {
		add(ClassLost, "%d lost (up %d, down %d) of %d sent; %d continuity-lost events admitted", t.Lost, res.Messages.Up.Lost, res.Messages.Down.Lost, t.Sent, res.Summary.ContinuityLost)
	}
	if t.Duplicated > 0 {
		add(ClassDuplicated, "%d duplicated (%d extra deliveries)", t.Duplicated, t.ExtraDeliveries)
	}
	if t.Reordered > 0 {
		add(ClassReordered, "%d reordered", t.Reordered)
	}
	if t.Unexpected > 0 {
		add(ClassUnexpected, "%d unexpected", t.Unexpected)
	}
	for _, c := range res.Clients {
		switch {
		case c.FinalState == client.StateConnected.String():
		case c.FinalState == client.StateFailed.String() && limited(p):
		default:
			add(ClassFailed, "client %d ended %s: %s", c.Index, c.FinalState, c.Err)
		}
	}
	if n := res.Summary.Unrecovered; n > 0 {
		add(ClassUnrecovered, "%d clients not recovered by the end of the run", n)
	}
	bound := RecoveryBound(p)
	for _, s := range res.Timing.Recovery {
		if s.Reattached > bound {
			add(ClassRecovery, "client %d re-attached %v after step %d (%s), bound %v", s.Client, s.Reattached, s.Step, s.Fault, bound)
			break
		}
	}
	return out
}

// Primary is the highest-priority class among vs ("" for none).
func Primary(vs []Violation) Class {
	for _, c := range classOrder {
		if slices.ContainsFunc(vs, func(v Violation) bool { return v.Class == c }) {
			return c
		}
	}
	return ""
}

// Has reports whether vs holds class c.
func Has(vs []Violation, c Class) bool {
	return slices.ContainsFunc(vs, func(v Violation) bool { return v.Class == c })
}

// inconclusive reports why a run's verdict cannot be trusted, or "": the run
// met errors of its own (a fault that could not be applied), or the harness
// marked it inconclusive (its own side failed: the agent disconnected or
// starved). The harness field is read by name so this package follows the
// engine as it grows such a verdict: a bool Inconclusive, or a string
// Verdict equal to "inconclusive", on Result or Result.Summary.
func inconclusive(res *harness.Result) string {
	if len(res.Errors) > 0 {
		return "run errors: " + res.Errors[0]
	}
	for _, v := range []reflect.Value{reflect.ValueOf(res).Elem(), reflect.ValueOf(&res.Summary).Elem()} {
		if f := v.FieldByName("Inconclusive"); f.IsValid() && f.Kind() == reflect.Bool && f.Bool() {
			return "the harness marked the run inconclusive"
		}
		if f := v.FieldByName("Verdict"); f.IsValid() && f.Kind() == reflect.String && f.String() == "inconclusive" {
			return "the harness marked the run inconclusive"
		}
	}
	return ""
}
