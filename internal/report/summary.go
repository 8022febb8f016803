package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteSummary writes the end-of-run table for a terminal: the verdict, the
// SLO table, message counts per direction, recovery and uptime, and client
// outcomes.
func WriteSummary(w io.Writer, r *Report) error {
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	if r.Verdict == VerdictInconclusive {
		verdict = "INCONCLUSIVE"
	}
	var b strings.Builder
	short := ""
	if r.Scenario.Short {
		short = " --short"
	}
	fmt.Fprintf(&b, "\n%s: %s (%s%s, seed %d, %s stack) in %s\n\n", verdict, r.Scenario.Name, r.Scenario.Source, short,
		r.Scenario.Seed, r.Stack.Mode, msDuration(r.DurationMS))

	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SLO\tOBSERVED\tRESULT")
	for _, s := range r.SLOs {
		res := "pass"
		if !s.Pass {
			res = "FAIL"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Name, s.ObservedText, res)
	}
	tw.Flush()

	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  messages\tsent\tacked\tdelivered\tlost\tduplicated\treordered\thanded back\tabandoned\t")
	for _, d := range []struct {
		name string
		c    DirectionCounts
	}{{"up", r.Messages.Up}, {"down", r.Messages.Down}} {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", d.name, d.c.Sent, Count(d.c.Acked), d.c.Delivered, d.c.Lost,
			d.c.Duplicated, d.c.Reordered, d.c.HandedBack, d.c.Abandoned)
	}
	tw.Flush()

	rc := r.Recovery
	fmt.Fprintf(&b, "\n  recovery   %d samples: p50 %s  p90 %s  p99 %s  max %s", rc.Count,
		msDuration(rc.P50MS), msDuration(rc.P90MS), msDuration(rc.P99MS), msDuration(rc.MaxMS))
	if rc.Unrecovered > 0 {
		fmt.Fprintf(&b, "  (%d unrecovered)", rc.Unrecovered)
	}
	fmt.Fprintf(&b, "\n  uptime     %.3f%% (%.3f%% outside injected outages", r.Uptime.IncludingOutages*100, r.Uptime.ExcludingOutages*100)
	if u := r.Uptime; u.Lower != nil && u.Upper != nil {
		fmt.Fprintf(&b, "; 95%% interval %s to %s over %d blocks", pct3(u.Lower), pct3(u.Upper), u.Blocks)
	}
	b.WriteString(")\n")
	if r.Uptime.Projected != nil {
		fmt.Fprintf(&b, "  projected  %s uptime (a projection: %.3g disruptions per client-hour x %s mean recovery)\n",
			pct3(r.Uptime.Projected), r.Uptime.FaultRate*3600, msDuration(r.Uptime.MeanRecoveryMS))
	}

	states := map[string]int{}
	attempts := 0
	for _, c := range r.Clients {
		states[c.FinalState]++
		attempts += c.Attempts
	}
	nClients := len(r.Clients)
	if r.Scale.Clients > 0 { // a compact report lists only the worst clients
		states, attempts, nClients = r.Scale.FinalStates, r.Scale.Attempts, r.Scale.Clients
	}
	var parts []string
	for _, s := range []string{"connected", "connecting", "reconnecting", "failed", "closed"} {
		if states[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", states[s], s))
		}
	}
	if line, ok := mergedClientsLine(r); ok { // per-client detail stays in the shards
		b.WriteString(line)
	} else {
		fmt.Fprintf(&b, "  clients    %d: %s; %d dial attempts\n", nClients, strings.Join(parts, ", "), attempts)
	}
	fmt.Fprintf(&b, "  faults     %d injected; backoff: %d delays observed, %d outside the configured distribution\n",
		len(r.Faults), len(r.Backoff.Observations)+r.Scale.OmittedBackoffObservations, r.Backoff.Violations)
	writeHarnessSummary(&b, r)
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "  error      %s\n", e)
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("report: failed to write summary: %w", err)
	}
	return nil
}

func msDuration(ms float64) string {
	return time.Duration(ms * float64(time.Millisecond)).Round(time.Millisecond).String()
}
