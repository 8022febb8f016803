package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wschaos/wschaos/explore"
	"github.com/wschaos/wschaos/internal/scenario"
)

// exploreFlags are the options of `wschaos explore`.
type exploreFlags struct {
	seeds      int
	first      uint64
	seed       uint64
	budget     time.Duration
	out        string
	faults     []string
	bounds     explore.Bounds
	shrinkRuns int
	shrinkMax  int
	noShrink   bool
	quiet      bool
}

func newExploreCommand() *cobra.Command {
	var f exploreFlags
	cmd := &cobra.Command{
		Use:   "explore",
		Short: "Generate outages at random, check invariants, shrink a failure to a minimal scenario",
		Long: `explore draws plans from consecutive seeds (a load shape, client settings and
a fault timeline from the whole fault vocabulary, weighted towards backlogs,
overlapping faults, near-limit payloads, session loss, deploys and drops
during opening), runs each on the embedded stack, and checks the invariants
on the full history: nothing lost, duplicated or reordered; every client
ends connected or failed by a configured limit; recovery within the
configuration's bound; no goroutine or heap growth past a bound.

On a failure it shrinks the plan (fewer faults, shorter ones, fewer clients
and channels, lower rates and payloads, an earlier end), keeping a change
only when the smaller plan fails the same way in every one of --shrink-runs
runs with the same seed, and writes to --out:

  seed-N.yaml       the plan that failed, as a scenario file
  seed-N.min.yaml   the shrunk reproducer: wschaos run seed-N.min.yaml replays it
  seed-N.diff.txt   original and shrunk side by side, and what changed
  summary.json      every plan tried, its verdict, and the totals

Progress lines (seed, plan, verdict) go to stderr; the shrink's side-by-side
view and the final tally to stdout. A run the harness itself could not
judge (a fault that failed to apply, the harness's own side failing) is
"inconclusive" and does not count as a failure. docs/EXPLORE.md explains
generators, invariants, shrinking, replay and reporting.

Exit status: 0 nothing failed, 1 a failure was found (reproducer written) or
the exploration could not run, 2 usage error.`,
		Example: `  wschaos explore --seeds 20 --out explore-out       # seeds 1..20
  wschaos explore --budget 10m --first 1000 --out nightly
  wschaos explore --seed 17 --out repro               # replay (and shrink) seed 17
  wschaos explore --seeds 5 --faults lossy,drop       # only these fault kinds
  wschaos run explore-out/seed-17.min.yaml            # replay a reproducer`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExplore(cmd.Context(), cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.seeds, "seeds", 0, "number of plans to try, from --first on")
	fl.DurationVar(&f.budget, "budget", 0, "wall-time budget: no plan starts once it is nearly spent (with --seeds, whichever ends first)")
	fl.Uint64Var(&f.first, "first", 1, "first seed of --seeds/--budget")
	fl.Uint64Var(&f.seed, "seed", 0, "run the one plan of this seed (and shrink it if it fails)")
	fl.StringVar(&f.out, "out", "explore-out", "directory for reproducers, diffs and summary.json (created)")
	fl.StringSliceVar(&f.faults, "faults", nil, "fault kinds to draw from, comma-separated (default: every kind but lossy)")
	fl.IntVar(&f.bounds.MaxClients, "max-clients", 0, "most clients per plan (default 5)")
	fl.IntVar(&f.bounds.MaxChannels, "max-channels", 0, "most channels per client (default 3)")
	fl.IntVar(&f.bounds.MaxFaults, "max-faults", 0, "most faults per plan (default 4)")
	fl.DurationVar(&f.bounds.MaxDuration, "max-duration", 0, "longest plan (default 6s)")
	fl.IntVar(&f.shrinkRuns, "shrink-runs", 2, "runs per shrink candidate; it must fail in all of them")
	fl.IntVar(&f.shrinkMax, "shrink-max", 40, "most runs one shrink may spend")
	fl.BoolVar(&f.noShrink, "no-shrink", false, "write the failing plan as drawn")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress lines")
	return cmd
}

func runExplore(ctx context.Context, cmd *cobra.Command, f exploreFlags) error {
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	o := explore.Options{FirstSeed: f.first, Seeds: f.seeds, Budget: f.budget, Bounds: f.bounds, OutDir: f.out,
		NoShrink: f.noShrink, Shrink: explore.ShrinkOptions{Runs: f.shrinkRuns, MaxRuns: f.shrinkMax}}
	flags := cmd.Flags()
	switch {
	case flags.Changed("seed") && (flags.Changed("seeds") || flags.Changed("budget") || flags.Changed("first")):
		return usageErr("--seed runs one plan: it takes no --seeds, --budget or --first")
	case flags.Changed("seed") && f.seed == 0, f.first == 0:
		return usageErr("seeds start at 1")
	case flags.Changed("seed"):
		o.FirstSeed, o.Seeds = f.seed, 1
	case f.seeds <= 0 && f.budget <= 0:
		return usageErr("say how much to explore: --seeds N, --budget DURATION or --seed S (see wschaos explore --help)")
	case f.seeds < 0 || f.budget < 0 || f.shrinkRuns < 1 || f.shrinkMax < 1:
		return usageErr("--seeds, --budget must not be negative; --shrink-runs and --shrink-max must be at least 1")
	case f.bounds.MaxClients < 0 || f.bounds.MaxChannels < 0 || f.bounds.MaxFaults < 0 || f.bounds.MaxDuration < 0:
		return usageErr("--max-* bounds must not be negative")
	}
	for _, k := range f.faults {
		info, ok := scenario.LookupFault(strings.TrimSpace(k))
		if !ok {
			var names []string
			for _, fi := range scenario.Faults() {
				names = append(names, fi.Name)
			}
			return usageErr("--faults: unknown fault %q; known: %s", k, strings.Join(names, ", "))
		}
		o.Bounds.Kinds = append(o.Bounds.Kinds, info.Name)
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return usageErr("--out %s: %v", f.out, err)
	}
	if !f.quiet {
		o.Progress = func(e explore.Event) { printEvent(out, errOut, e) }
	}
	fmt.Fprintf(errOut, "wschaos explore: first seed %d, %s, out %s\n", o.FirstSeed, limitText(o), f.out)
	sum, err := explore.Explore(ctx, o)
	fmt.Fprintf(out, "explored %d plans (%d faults applied, %d messages sent) in %v: %d passed, %d failed, %d inconclusive (%d hung); summary %s\n",
		sum.Plans, sum.Faults, sum.Messages, sum.Elapsed.Round(time.Second), sum.Passed, sum.Failed, sum.Inconclusive, sum.Hung,
		filepath.Join(f.out, "summary.json"))
	for _, r := range sum.Results {
		if r.Failure != nil {
			fmt.Fprintf(out, "FAILED seed %d: %s; plan %s", r.Seed, r.Failure.Class, r.Failure.File)
			if r.Failure.Reproducer != "" {
				fmt.Fprintf(out, "; reproducer %s (replay: wschaos run %s)", r.Failure.Reproducer, r.Failure.Reproducer)
			}
			fmt.Fprintln(out)
		}
	}
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if sum.Failed > 0 {
		return &exitError{code: exitFailed}
	}
	return nil
}

func limitText(o explore.Options) string {
	switch {
	case o.Seeds > 0 && o.Budget > 0:
		return fmt.Sprintf("%d seeds within %v", o.Seeds, o.Budget)
	case o.Seeds > 0:
		return fmt.Sprintf("%d seeds", o.Seeds)
	}
	return fmt.Sprintf("budget %v", o.Budget)
}

// printEvent writes one progress line to errOut; a shrink's side-by-side
// view goes to out.
func printEvent(out, errOut io.Writer, e explore.Event) {
	if e.Shrunk != nil {
		fmt.Fprintf(errOut, "seed %d: %s -> %s\n", e.Seed, e.Verdict, e.Plan)
		fmt.Fprintln(out, e.Detail)
		return
	}
	line := fmt.Sprintf("seed %d: %s -> %s", e.Seed, e.Plan, e.Verdict)
	if e.Detail != "" {
		line += " (" + e.Detail + ")"
	}
	fmt.Fprintln(errOut, line)
}
