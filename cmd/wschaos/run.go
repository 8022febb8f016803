package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/internal/preflight"
	"github.com/wschaos/wschaos/internal/report"
	"github.com/wschaos/wschaos/internal/scenario"
)

// runFlags are the options of `wschaos run`.
type runFlags struct {
	list, short, check, quiet bool
	skipPreflight             bool
	memoryLimit               string
	seed                      uint64
	jsonPath, junitPath       string
	htmlPath                  string
	stack                     scenario.StackOverride
	shard                     shardFlags
}

func newRunCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [FILE|NAME]",
		Short: "Run a chaos scenario and check its SLOs",
		Long: `run replays a scenario: it starts the stack (the embedded fault server behind
an in-process Toxiproxy, or an external Toxiproxy), connects reconnecting
clients, publishes both ways, injects the scenario's faults on their timeline,
and checks the scenario's SLOs. With no argument it runs the built-in
"default" scenario (about 25 seconds).

Target mode (--target, or stack.target in the file) runs the load against
your server instead of wschaos's own: it must speak the session protocol
(docs/PROTOCOL.md), as "wschaos serve" does. The proxy (in-process, or the
--toxiproxy one) forwards to the target's host:port and the clients dial the
proxy; the harness's server-side agent dials the target directly. Only
network faults apply there (a fault-server action in the timeline is an
error, exit 2) unless --target-admin names the target's admin API (a
"wschaos serve" one): then every fault-server action is applied through it,
and the fault server's event log goes into the report.

Sharded runs (docs/SHARDING.md): --shard i/n (or --shards n with the index
in $JOB_COMPLETION_INDEX) runs a contiguous 1/n of the plan's clients, named
and seeded as in the unsharded run, so shards never share a channel;
--start-at lines the shards up on one instant; --partial FILE writes the
shard's mergeable result and "wschaos merge" gives the one verdict. Against
--target-admin only shard 0 drives fault-server actions; every shard drives
its own network faults through its own Toxiproxy.

FILE is a scenario file (docs/SCENARIO.md); NAME is a built-in (see --list).

Preflight: before connecting anything, run computes the file descriptors the
plan needs in this process (per client: its socket; with the in-process
Toxiproxy its accept and dial sockets; with the local fault server its accept
socket; plus a fixed margin) and an estimate of its memory, raises the soft
RLIMIT_NOFILE to the hard limit, and refuses (exit 2) a plan that cannot fit,
naming the limit, the need and how to raise it (ulimit -n, LimitNOFILE, or
split the stack: "wschaos serve" and a toxiproxy-server as separate
processes). Memory past MemAvailable warns; 1.5x past it refuses. --check
prints the need; --skip-preflight skips it all.

Progress goes to stderr (a live status line on a terminal, a line every few
seconds otherwise); the SLO table goes to stdout.

` + verdictHelp,
		Example: `  wschaos run                                  # the default scenario
  wschaos run --list                           # built-in scenarios
  wschaos run server-restart --short           # a built-in, scaled down for CI
  wschaos run my-outage.yaml --html out.html --junit junit.xml --report-json report.json
  wschaos run blackhole --toxiproxy http://127.0.0.1:8474 --proxy wschaos_session
  wschaos run flaky-network --target ws://127.0.0.1:8080/ws      # your server, in-process Toxiproxy
  wschaos run latency-spike --target ws://staging:8080/ws --toxiproxy http://toxiproxy:8474 --proxy wschaos_session
  wschaos run server-restart --target ws://staging:8080/ws --target-admin http://staging:8081 --target-admin-token-file token
  wschaos run flaky-network --seed 7 --shard 1/4 --start-at 2026-12-01T23:30:00Z --partial shard-1.json`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := ""
			if len(args) == 1 {
				arg = args[0]
			}
			return runRun(cmd.Context(), cmd, f, arg)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.list, "list", false, "list the built-in scenarios and exit")
	fl.BoolVar(&f.short, "short", false, "scale the scenario down for CI (shorter timeline, fewer clients; SLOs unchanged)")
	fl.BoolVar(&f.check, "check", false, "validate the scenario and exit without running it")
	fl.BoolVar(&f.skipPreflight, "skip-preflight", false, "do not check (or raise) file-descriptor and memory limits before the run")
	fl.StringVar(&f.memoryLimit, "memory-limit", "off", "garbage collector policy: off (the runtime's defaults), or auto (for plans of 1,000+ clients a soft memory limit just above the estimated live set: about a third less peak RSS, at the cost of CPU during a reconnect storm; docs/SCALE.md). GOGC or GOMEMLIMIT in the environment always win")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no live progress")
	fl.Uint64Var(&f.seed, "seed", 0, "seed for the fault server's random choices and every client's backoff jitter (default: the scenario's seed, else random; printed either way)")
	fl.StringVar(&f.jsonPath, "report-json", "", "write the JSON report (docs/REPORT.md) to this file ('-' for stdout)")
	fl.StringVar(&f.junitPath, "junit", "", "write JUnit XML (one test case per SLO) to this file")
	fl.StringVar(&f.htmlPath, "html", "", "write the self-contained HTML report to this file")
	fl.StringVar(&f.stack.Toxiproxy, "toxiproxy", "", "use the external Toxiproxy at this API URL (external mode)")
	fl.StringVar(&f.stack.Proxy, "proxy", "", "with --toxiproxy: the existing proxy to use (e.g. wschaos_session from toxiproxy.json)")
	f.shard.register(fl)
	fl.StringVar(&f.stack.Target, "target", "", "WebSocket URL of the server under test, which must speak the session protocol; the proxy goes in front of it (in-process Toxiproxy unless --toxiproxy); network faults only, unless --target-admin")
	return cmd
}

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func runRun(ctx context.Context, cmd *cobra.Command, f runFlags, arg string) error {
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if f.list {
		if arg != "" {
			return usageErr("--list takes no scenario argument")
		}
		return listBuiltins(out)
	}
	if f.memoryLimit != "off" && f.memoryLimit != "auto" {
		return usageErr("--memory-limit %q: want off or auto (for a fixed size set GOMEMLIMIT, e.g. GOMEMLIMIT=1200MiB)", f.memoryLimit)
	}
	s, err := scenario.Resolve(arg)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if f.short {
		s = s.Short()
	}
	f.stack.TargetAdmin = f.shard.admin != "" // the admin API drives server faults
	if err := s.Override(f.stack); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	seed := f.seed
	if !cmd.Flags().Changed("seed") {
		seed = s.Seed
		if !s.HasSeed {
			seed = randomSeed()
		}
	}
	spec, err := f.shard.spec(os.LookupEnv)
	if err != nil {
		return err
	}
	admin, err := f.shard.adminClient(s.Stack.Target)
	if err != nil {
		return err
	}
	plan, err := s.Plan(seed)
	if err != nil && admin != nil && errors.Is(err, harness.ErrNeedsServer) {
		// The scenario layer judges the plan without the admin API; with it
		// the harness accepts server faults: judge again with it set.
		plan.Stack.TargetAdmin = admin
		err = plan.Validate()
	}
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	plan.Stack.TargetAdmin = admin
	sp, err := applyShard(&f.shard, s, f.short, &plan, seed, cmd.Flags().Changed("seed") || s.HasSeed, spec)
	if err != nil {
		return err
	}
	for _, p := range []string{f.jsonPath, f.junitPath, f.htmlPath} {
		if err := checkOutputPath(p); err != nil {
			return err
		}
	}
	if f.check {
		fmt.Fprintf(out, "%s: valid (%s, %d clients, %d faults, %d SLOs)\n", s.Source, s.Load.Duration, s.Load.Clients, len(s.Timeline), len(s.SLOs))
	}
	if !f.skipPreflight {
		if err := runPreflight(out, errOut, plan, f.check); err != nil {
			return err
		}
	}
	if f.check {
		return nil
	}

	shardNote := ""
	if spec.Count > 1 {
		shardNote = fmt.Sprintf(", shard %s (clients %d..%d, run %s)", spec, sp.clients.Lo, sp.clients.Hi-1, plan.RunID)
	}
	fmt.Fprintf(errOut, "wschaos run %s (%s): %s, %d clients x %d channels, %d faults, %s, seed %d%s\n",
		s.Name, s.Source, s.Load.Duration, plan.Load.Clients, s.Load.Channels, len(s.Timeline), describeStack(s.Stack), seed, shardNote)
	mode := detectProgress(errOut)
	if f.quiet {
		mode = progressNone
	}
	pp := newProgressPrinter(errOut, mode)
	var gc preflight.GCPolicy
	if f.memoryLimit == "auto" {
		gc = preflight.PlanGC(preflight.Compute(preflight.LayoutOf(plan)), os.LookupEnv)
	}
	if gc.MemoryLimit > 0 {
		fmt.Fprintf(errOut, "GC: %s\n", gc.Reason)
	}
	restoreGC := gc.Apply()
	defer restoreGC()
	res, err := harness.Run(ctx, plan, harness.RunOptions{Progress: pp.update,
		BeforeLoad: func(ctx context.Context) error { return sp.waitStart(ctx, errOut) }})
	pp.finish()
	if err != nil {
		var ex *exitError
		if errors.As(err, &ex) { // a late start: the shard's own verdict
			return ex
		}
		if errors.Is(err, harness.ErrInvalidPlan) || errors.Is(err, harness.ErrInvalidFault) {
			return &exitError{code: exitUsage, err: err}
		}
		return &exitError{code: exitFailed, err: fmt.Errorf("run failed: %w", err)}
	}
	info := report.RunInfo{Scenario: s, Short: f.short, Seed: seed, Toxiproxy: s.Stack.Toxiproxy, Target: s.Stack.Target}
	if info.Toxiproxy == "" {
		info.Toxiproxy = string(harness.ToxiproxyEmbedded)
	}
	r := report.FromResult(info, plan.Client, res)
	r.ServerEvents = report.ServerEvents(res.ServerEvents)
	res.Records = nil // the report has what it needs; let the records go
	if f.shard.partial != "" {
		if err := sp.writePartial(f.shard.partial, res); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}

	if err := report.WriteSummary(out, r); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if err := writeOutputs(out, f, r); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if f.shard.partial != "" {
		fmt.Fprintf(errOut, "shard %s: partial result written to %s (the verdict is wschaos merge's)\n", spec, f.shard.partial)
		return nil
	}
	return verdictExit(r)
}

// runPreflight checks the plan against this process's limits (raising the
// soft RLIMIT_NOFILE unless only checking) so a plan that cannot fit fails
// here, naming the limit, instead of timing out mid-connect.
func runPreflight(out, errOut io.Writer, plan harness.Plan, check bool) error {
	need := preflight.Compute(preflight.LayoutOf(plan))
	log := slog.New(slog.NewTextHandler(errOut, nil))
	rep, err := preflight.Check(need, preflight.Options{Raise: !check, Logger: log})
	if check {
		fmt.Fprintf(out, "preflight: %s; RLIMIT_NOFILE soft %d hard %d, MemAvailable %d MiB\n", need, rep.Soft, rep.Hard, rep.MemAvailable>>20)
	}
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	return nil
}

// describeStack says in a few words what a run drives, for the header line.
func describeStack(st scenario.Stack) string {
	toxi := "in-process Toxiproxy"
	if st.Toxiproxy != "" {
		toxi = "Toxiproxy " + st.Toxiproxy
		if st.Proxy != "" {
			toxi += " proxy " + st.Proxy
		}
	}
	if st.Target != "" {
		return "target " + st.Target + " behind " + toxi
	}
	return "wschaos fault server behind " + toxi
}

func randomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail on supported platforms
	return binary.LittleEndian.Uint64(b[:]) >> 1
}

// checkOutputPath fails early, before a run, when an output cannot be
// written: a missing directory is a usage error, not a lost report.
func checkOutputPath(p string) error {
	if p == "" || p == "-" {
		return nil
	}
	dir := filepath.Dir(p)
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return usageErr("cannot write %s: directory %s does not exist", p, dir)
	}
	return nil
}

func writeOutputs(stdout io.Writer, f runFlags, r *report.Report) error {
	outputs := []struct {
		path  string
		write func(io.Writer, *report.Report) error
	}{
		{f.jsonPath, report.WriteJSON},
		{f.junitPath, report.WriteJUnit},
		{f.htmlPath, report.WriteHTML},
	}
	var errs []error
	for _, o := range outputs {
		if o.path == "" {
			continue
		}
		if o.path == "-" {
			errs = append(errs, o.write(stdout, r))
			continue
		}
		errs = append(errs, writeFile(o.path, r, o.write))
	}
	return errors.Join(errs...)
}

func writeFile(path string, r *report.Report, write func(io.Writer, *report.Report) error) (err error) {
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("failed to create report: %w", err)
	}
	defer func() {
		if cerr := fh.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("failed to write report %s: %w", path, cerr)
		}
	}()
	return write(fh, r)
}

func listBuiltins(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLENGTH\tSHORT\tCLIENTS\tDESCRIPTION")
	for _, info := range scenario.Builtins() {
		s, err := scenario.Builtin(info.Name)
		if err != nil {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t%s\n", info.Name, info.Description)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.Name, s.Load.Duration, s.Short().Load.Duration, s.Load.Clients, firstSentence(s.Description))
	}
	if err := tw.Flush(); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
