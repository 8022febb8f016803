package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteShardSummary writes the per-shard table of a merged report for a
// terminal (nothing for a report without shards), so the gate's output says
// which shard lost what.
func WriteShardSummary(w io.Writer, r *Report) error {
	if r.Shards == nil {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n  shards of run %s (recovery quantiles within %.0f%% of exact)\n", r.Shards.RunID, r.Shards.RelativeAccuracy*100)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  shard\tclients\tsent\tdelivered\tlost\tduplicated\trecoveries\tunrecovered\tfailed\tuptime\toffered\terrors\tharness\t")
	for _, s := range r.Shards.Shards {
		fmt.Fprintf(tw, "  %d\t%d-%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.2f%%\t%s\t%d\t%s\t\n", s.Index, s.ClientsLo, s.ClientsHi-1,
			s.Up.Sent+s.Down.Sent, s.Up.Delivered+s.Down.Delivered, s.Up.Lost+s.Down.Lost, s.Up.Duplicated+s.Down.Duplicated,
			s.Recoveries, s.Unrecovered, s.Failed, s.Uptime*100, offeredText(s), len(s.Errors), shardHarnessText(s.Harness))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("report: failed to write shard summary: %w", err)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("report: failed to write shard summary: %w", err)
	}
	return nil
}

// offeredText is the share of the nominal load a shard sent ("-" when the
// plan named none).
func offeredText(s ShardEntry) string {
	if s.Nominal <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(s.Offered)/float64(s.Nominal))
}

// mergedClientsLine is the summary's clients line for a merged report, from
// the summed metrics (a merged report has no per-client entries).
func mergedClientsLine(r *Report) (string, bool) {
	if r.Shards == nil {
		return "", false
	}
	m := r.Metrics
	return fmt.Sprintf("  clients    %d: %.0f connected, %.0f failed; %.0f dial attempts (over %d shards)\n",
		r.Scenario.Clients, m["connected_clients"], m["failed_clients"], m["attempts"], r.Shards.Count), true
}

// shardHarnessText is a shard's harness state in one cell: "ok" or
// "INCONCLUSIVE", its unexpected events, and what was judged apart.
func shardHarnessText(h Harness) string {
	out := "ok"
	if h.Inconclusive {
		out = "INCONCLUSIVE"
	}
	n := 0
	for _, e := range h.Events {
		if !e.Expected {
			n++
		}
	}
	if n > 0 {
		out += fmt.Sprintf(" (%d events)", n)
	} else if len(h.Events) > 0 {
		out += fmt.Sprintf(" (%d expected)", len(h.Events))
	}
	if u := h.Unverified; u != nil {
		out += fmt.Sprintf(", %d unverified", u.Sent)
	}
	return out
}
