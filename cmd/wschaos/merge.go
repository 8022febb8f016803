package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wschaos/wschaos/internal/report"
	"github.com/wschaos/wschaos/internal/shard"
)

// mergeFlags are the options of `wschaos merge`.
type mergeFlags struct {
	jsonPath, junitPath, htmlPath string
	quiet                         bool
}

func newMergeCommand() *cobra.Command {
	var f mergeFlags
	cmd := &cobra.Command{
		Use:   "merge PARTIAL...",
		Short: "Merge the partial results of a sharded run and gate on its SLOs",
		Long: `merge joins the partial results that "wschaos run --shard i/n --partial FILE"
wrote, one per shard, and evaluates the scenario's SLOs once over all of them:
message counts are summed, uptime is summed connected time over observed time,
and recovery quantiles come from the shards' merged DDSketch sketches, within
1% of the exact quantile of all samples (the sketch's stated relative
accuracy; the merge itself adds no error).

PARTIAL is a file, a directory (its *.json files) or a glob pattern (expanded
here, for images without a shell). The partials must be exactly shards 0..n-1
of one run: merge refuses (exit 2), naming every bad shard and its file, a
shard that is missing, given twice, from another run, from another version of
the scenario file, or with another shard count or seed.

The SLO table goes to stdout, with a per-shard breakdown; --report-json,
--junit and --html write the same reports as "wschaos run", with a "shards"
section. The SLO expressions travel in the partials: merge needs no scenario.

The harness section travels too: a shard whose harness failed (its agent
disconnected outside an injected server fault, fell behind, or its pacer
offered under 99% of the nominal load) makes the merged run inconclusive,
as it would one process's run; offered_ratio is summed offered over summed
nominal, harness_events the shards' sum.

Exit status: 0 every SLO held over all shards, 1 an SLO failed (or a shard
reported harness errors), 2 usage error or partials that do not make one run,
3 inconclusive: the harness of the shard(s) named failed during the run
(see each shard's harness section); the verdict on the system does not stand.`,
		Example: `  wschaos merge results/shard-*.json
  wschaos merge --report-json report.json --junit junit.xml --html report.html /results
  # one host, four shards, one verdict:
  for i in 0 1 2 3; do wschaos run flaky-network --seed 7 --shard $i/4 --start-at "$AT" --partial shard-$i.json & done; wait
  wschaos merge shard-*.json; echo "verdict: $?"`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMerge(cmd.Context(), cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.jsonPath, "report-json", "", "write the merged JSON report (docs/REPORT.md) to this file ('-' for stdout)")
	fl.StringVar(&f.junitPath, "junit", "", "write JUnit XML (one test case per SLO) to this file")
	fl.StringVar(&f.htmlPath, "html", "", "write the self-contained HTML report, with the per-shard breakdown, to this file")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no per-shard table on stdout")
	return cmd
}

func runMerge(_ context.Context, cmd *cobra.Command, f mergeFlags, args []string) error {
	out := cmd.OutOrStdout()
	for _, p := range []string{f.jsonPath, f.junitPath, f.htmlPath} {
		if err := checkOutputPath(p); err != nil {
			return err
		}
	}
	inputs, err := shard.Load(args)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	m, err := shard.Merge(inputs)
	if err != nil {
		var me *shard.MergeError
		if errors.As(err, &me) {
			return &exitError{code: exitUsage, err: err}
		}
		return &exitError{code: exitFailed, err: err}
	}
	sources := make([]string, m.Count)
	for _, in := range inputs {
		sources[in.Partial.Shard.Index] = in.Source
	}
	r, err := report.FromMerged(m, sources)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	fmt.Fprintf(out, "wschaos merge: run %s of %s (sha256 %.12s), %d shards, %d clients, seed %d\n",
		m.RunID, m.Scenario.Name, m.Scenario.Hash, m.Count, m.Total.Clients.Len(), m.Seed)
	if err := report.WriteSummary(out, r); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if !f.quiet {
		if err := report.WriteShardSummary(out, r); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}
	for _, sh := range r.Shards.Shards {
		if sh.Nominal > 0 && float64(sh.Offered) < 0.9*float64(sh.Nominal) {
			fmt.Fprintf(cmd.ErrOrStderr(), "wschaos merge: warning: shard %d offered %d of the %d messages its plan meant (%.0f%%): its load generator fell short (CPU?); the verdict covers the load that ran\n",
				sh.Index, sh.Offered, sh.Nominal, 100*float64(sh.Offered)/float64(sh.Nominal))
		}
	}
	if err := writeMergeOutputs(out, f, r); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if len(m.Inconclusive) > 0 {
		return &exitError{code: exitInconclusive, err: inconclusiveShards(m.Inconclusive)}
	}
	if !r.Pass {
		failed := slices.IndexFunc(r.SLOs, func(s report.SLOResult) bool { return !s.Pass }) >= 0
		if !failed && len(r.Errors) > 0 {
			return &exitError{code: exitFailed, err: fmt.Errorf("shards reported harness errors: %v", r.Errors)}
		}
		return &exitError{code: exitFailed}
	}
	return nil
}

// writeMergeOutputs writes the requested reports; JUnit with a test case
// per shard.
func writeMergeOutputs(stdout io.Writer, f mergeFlags, r *report.Report) error {
	var errs []error
	for _, o := range []struct {
		path  string
		write func(io.Writer, *report.Report) error
	}{{f.jsonPath, report.WriteJSON}, {f.junitPath, report.WriteMergedJUnit}, {f.htmlPath, report.WriteHTML}} {
		switch o.path {
		case "":
		case "-":
			errs = append(errs, o.write(stdout, r))
		default:
			errs = append(errs, writeFile(o.path, r, o.write))
		}
	}
	return errors.Join(errs...)
}

// inconclusiveShards is exit 3's error for a merge: which shards' harness
// failed.
func inconclusiveShards(idx []int) error {
	names := make([]string, len(idx))
	for i, x := range idx {
		names[i] = fmt.Sprint(x)
	}
	return fmt.Errorf("%w: shard(s) %s", errInconclusive, strings.Join(names, ", "))
}
