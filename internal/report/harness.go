package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/wschaos/wschaos/harness"
)

// Verdicts a report can carry (Report.Verdict).
const (
	VerdictPass = string(harness.VerdictPass)
	VerdictFail = string(harness.VerdictFail)
	// VerdictInconclusive: the harness itself failed during the run (its
	// agent disconnected, fell behind or was killed as a slow consumer, or
	// it offered less than the nominal load), so the run says nothing about
	// the system under test, pass or fail.
	VerdictInconclusive = string(harness.VerdictInconclusive)
)

// Harness is the harness's own side of a run, reported apart from the
// system's verdict.
type Harness struct {
	// Inconclusive is true when an unexpected harness event occurred.
	Inconclusive bool `json:"inconclusive"`
	// Events are the harness's failures; expected ones (the agent hit by an
	// injected fault-server fault like any client) do not make the run
	// inconclusive.
	Events []HarnessEvent `json:"events"`
	// Offered is the load offered per direction against the nominal load.
	Offered harness.Offered `json:"offered"`
	// Unverified, when set, counts the messages the agent published or had
	// to receive, judged apart because the agent failed: they are not in
	// messages (nor in lost).
	Unverified *DirectionCounts `json:"unverified,omitempty"`
}

// HarnessEvent is one harness failure; AtMS is milliseconds from Start.
type HarnessEvent struct {
	AtMS     float64 `json:"at_ms"`
	Kind     string  `json:"kind"`
	Detail   string  `json:"detail,omitempty"`
	Count    int     `json:"count,omitempty"`
	Expected bool    `json:"expected"`
}

// harnessSection converts the harness's own side of res.
func harnessSection(res *harness.Result) Harness {
	h := Harness{Inconclusive: res.Harness.Inconclusive, Offered: res.Offered, Events: []HarnessEvent{}}
	for _, e := range res.Harness.Events {
		at := 0.0
		if !e.Time.IsZero() {
			at = MS(e.Time.Sub(res.Start))
		}
		h.Events = append(h.Events, HarnessEvent{AtMS: at, Kind: string(e.Kind), Detail: e.Detail, Count: e.Count, Expected: e.Expected})
	}
	if u := res.Harness.Unverified; u != nil {
		c := counts(*u)
		h.Unverified = &c
	}
	return h
}

// verdict is the report's verdict: inconclusive beats pass and fail.
func (r *Report) verdict() string {
	switch {
	case r.Harness.Inconclusive:
		return VerdictInconclusive
	case r.Pass:
		return VerdictPass
	}
	return VerdictFail
}

// writeHarnessSummary adds the harness's own side to the terminal summary.
func writeHarnessSummary(b *strings.Builder, r *Report) {
	o := r.Harness.Offered
	fmt.Fprintf(b, "  offered    up %d+%d held back of %d nominal (%.1f%%), down %d+%d of %d (%.1f%%)\n",
		o.Up.Offered, o.Up.HeldBack, o.Up.Nominal, o.Up.Ratio*100, o.Down.Offered, o.Down.HeldBack, o.Down.Nominal, o.Down.Ratio*100)
	for _, e := range r.Harness.Events {
		tag := "HARNESS"
		if e.Expected {
			tag = "harness"
		}
		fmt.Fprintf(b, "  %-10s %s at %s: %s", tag, e.Kind, msDuration(e.AtMS), e.Detail)
		switch {
		case e.Kind == string(harness.HarnessAgentContinuityLost):
			b.WriteString(" (the server's admitted loss: counted in continuity_lost and lost, not a harness failure)")
		case e.Expected:
			b.WriteString(" (during an injected server fault: expected)")
		}
		b.WriteString("\n")
	}
	if r.Harness.Inconclusive {
		b.WriteString("  INCONCLUSIVE: the harness failed during the run; its verdict on the system does not stand\n")
	}
	if u := r.Harness.Unverified; u != nil {
		fmt.Fprintf(b, "  unverified %d messages of the agent's queues judged apart (%d delivered), not counted as lost\n", u.Sent, u.Delivered)
	}
}

//go:embed harness.html.tmpl
var harnessHTML string

// The harness section joins the report template's set, which includes it
// by name.
var _ = template.Must(htmlTemplate.New("harness").Parse(harnessHTML))
