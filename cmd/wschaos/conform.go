package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/wschaos/wschaos/conformance"
)

type conformFlags struct {
	name, suite, jsonOut, junitOut, htmlOut, baseline, doc string
	cases                                                  []string
	session, matrixMD, updateBaseline, list, progress      bool
	parallel, clients                                      int
}

// suiteClient is one client of a --suite file.
type suiteClient struct {
	Name     string   `json:"name"`
	Command  []string `json:"command"`
	Session  bool     `json:"session,omitempty"`
	Baseline string   `json:"baseline,omitempty"`
}

func newConformCommand() *cobra.Command {
	var f conformFlags
	c := &cobra.Command{
		Use:   "conform [flags] [-- CMD ARGS...]",
		Short: "Grade a reconnecting WebSocket client through the conformance cases",
		Long: `conform starts the client under test as an adapter process (CMD ARGS...,
speaking JSON lines on stdin/stdout, see docs/CONFORMANCE.md), one per case,
drives it through outages of a loopback fault server and grades every case
OK, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED or FAILED from what the server
observed. --suite FILE grades several clients (a JSON list of
{name, command, session, baseline}) into one matrix.

SIGINT or SIGTERM stops every adapter, writes the outputs of the cases that
finished (the JSON marks each client "interrupted") and exits 1; baselines
and --write-doc are left untouched.

Exit status: 0 every case passed (or matched its baseline), 1 a case FAILED
or differed from its baseline (a regression or a stale entry) or the run was
interrupted, 2 usage error.`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          func(cmd *cobra.Command, args []string) error { return runConform(cmd, f, args) },
	}
	fl := c.Flags()
	fl.StringVar(&f.name, "name", "", "client name in reports (default: the adapter's)")
	fl.BoolVar(&f.session, "session", false, "connect to the session endpoint instead of echo")
	fl.StringSliceVar(&f.cases, "case", nil, "case ids to run (repeat or comma-separate; default all)")
	fl.StringVar(&f.suite, "suite", "", "JSON file listing several clients")
	fl.StringVar(&f.jsonOut, "json", "", "write the JSON report to this file")
	fl.StringVar(&f.junitOut, "junit", "", "write a JUnit report to this file")
	fl.StringVar(&f.htmlOut, "html", "", "write the HTML matrix to this file")
	fl.StringVar(&f.baseline, "baseline", "", "expected-results file of the (single) client")
	fl.BoolVar(&f.updateBaseline, "update-baseline", false, "write the results as the baseline(s) instead of comparing")
	fl.BoolVar(&f.matrixMD, "matrix-md", false, "print the matrix as Markdown instead of the table")
	fl.BoolVar(&f.list, "list", false, "list the cases and exit")
	fl.StringVar(&f.doc, "write-doc", "", "replace the matrix between the conform-matrix markers of this Markdown file")
	fl.IntVar(&f.parallel, "parallel", 2, "scenarios run at once per client")
	fl.IntVar(&f.clients, "clients", 2, "clients graded at once (with --suite)")
	fl.BoolVar(&f.progress, "progress", false, "print each case's grade to stderr as it finishes")
	return c
}

func runConform(cmd *cobra.Command, f conformFlags, args []string) error {
	out := cmd.OutOrStdout()
	if f.list {
		for _, c := range conformance.Cases {
			fmt.Fprintf(out, "%s\t%s\n\tchecks: %s\n\tgraded: %s\n", c.ID, c.Desc, c.Checks, c.Grading)
		}
		return nil
	}
	clients, err := conformClients(f, args)
	if err != nil {
		return usageHint(cmd, err)
	}
	for _, id := range f.cases {
		if _, ok := conformance.CaseByID(id); !ok {
			return usageHint(cmd, fmt.Errorf("unknown case %q (see --list)", id))
		}
	}
	// main already turns SIGINT and SIGTERM into a cancelled context; this is
	// for callers of execute that pass a plain one.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errw := cmd.ErrOrStderr()
	logger := slog.New(slog.NewTextHandler(errw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var pmu sync.Mutex
	start := time.Now()
	reps := make([]conformance.ClientReport, len(clients))
	errs := make(chan error, len(clients))
	// Clients run f.clients at a time, each its scenarios f.parallel at once;
	// adapter starts are bounded separately (conformance starts a few at once).
	sem := make(chan struct{}, max(f.clients, 1))
	// Launched last first: the suite lists the quick Go adapters first and
	// the slow ones (Node, and the ws-plain control that waits out every
	// reconnect bound) last; starting those first shortens the run.
	for i := len(clients) - 1; i >= 0; i-- {
		sc := clients[i]
		reps[i] = conformance.ClientReport{Client: sc.Name, Interrupted: true}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs <- ctx.Err()
			continue
		}
		go func() {
			defer func() { <-sem }()
			cfg := conformance.Config{Name: sc.Name, Command: sc.Command, Session: sc.Session, Cases: f.cases,
				Parallel: f.parallel, Logger: logger}
			if f.progress {
				cfg.OnResult = func(r conformance.Result) {
					pmu.Lock()
					defer pmu.Unlock()
					fmt.Fprintf(errw, "conform: %s %s %s\n", r.Client, r.Case, r.Grade)
				}
			}
			rep, err := conformance.Run(ctx, cfg)
			if err == nil || ctx.Err() != nil {
				reps[i] = rep
			}
			errs <- err
		}()
	}
	var runErr error
	for range clients {
		if err := <-errs; err != nil && runErr == nil {
			runErr = err
		}
	}
	wall := time.Since(start)
	if ctx.Err() != nil {
		// Interrupted: every adapter is stopped (Run returns only then);
		// write what finished, judge nothing.
		err := writeConformOutputs(out, f, reps)
		fmt.Fprintf(errw, "conformance: interrupted after %v; partial results written\n", wall.Round(time.Second))
		return &exitError{code: exitFailed, err: errors.Join(fmt.Errorf("conformance: interrupted: %w", ctx.Err()), err)}
	}
	if runErr != nil {
		return &exitError{code: exitFailed, err: runErr}
	}
	if err := writeConformOutputs(out, f, reps); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if f.doc != "" {
		if err := writeConformDoc(f.doc, reps, wall); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}
	fmt.Fprintf(errw, "conformance: %d clients, wall time %v\n", len(reps), wall.Round(time.Second))
	return judgeConform(errw, f, clients, reps)
}

func conformClients(f conformFlags, args []string) ([]suiteClient, error) {
	if f.suite != "" {
		if len(args) > 0 {
			return nil, errors.New("give --suite or -- CMD, not both")
		}
		data, err := os.ReadFile(f.suite)
		if err != nil {
			return nil, err
		}
		var cs []suiteClient
		if err := json.Unmarshal(data, &cs); err != nil {
			return nil, fmt.Errorf("%s: %w", f.suite, err)
		}
		if len(cs) == 0 {
			return nil, fmt.Errorf("%s lists no clients", f.suite)
		}
		return cs, nil
	}
	if len(args) == 0 {
		return nil, errors.New("no adapter command: wschaos conform -- CMD ARGS...")
	}
	return []suiteClient{{Name: f.name, Command: args, Session: f.session, Baseline: f.baseline}}, nil
}

func writeConformOutputs(out io.Writer, f conformFlags, reps []conformance.ClientReport) error {
	var err error
	if f.matrixMD {
		err = conformance.WriteMatrixMarkdown(out, reps)
	} else {
		err = conformance.WriteTable(out, reps)
	}
	for _, o := range []struct {
		path  string
		write func(io.Writer, []conformance.ClientReport) error
	}{{f.jsonOut, conformance.WriteJSON}, {f.junitOut, conformance.WriteJUnit}, {f.htmlOut, conformance.WriteHTML}} {
		if o.path == "" || err != nil {
			continue
		}
		var file *os.File
		if file, err = os.Create(o.path); err != nil {
			break
		}
		err = errors.Join(o.write(file, reps), file.Close())
	}
	return err
}

// judgeConform compares with baselines where given, else fails on FAILED.
func judgeConform(w io.Writer, f conformFlags, clients []suiteClient, reps []conformance.ClientReport) error {
	failed := false
	for i, r := range reps {
		path := clients[i].Baseline
		switch {
		case path != "" && f.updateBaseline:
			if err := conformance.BaselineFrom(r).Save(path); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
		case path != "":
			b, err := conformance.LoadBaseline(path)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			diffs, err := b.Compare(r)
			if err != nil {
				fmt.Fprintln(w, strings.Join(diffs, "\n"))
				failed = true
			}
		case !r.Passed():
			failed = true
		}
	}
	if failed {
		return &exitError{code: exitFailed, err: errors.New("conformance: failed (see above)")}
	}
	return nil
}

// Markers around the generated matrix in a Markdown file.
const (
	docBegin = "<!-- conform-matrix:begin (generated by make conform-docs; do not edit) -->"
	docEnd   = "<!-- conform-matrix:end -->"
)

// writeConformDoc replaces the text between docBegin and docEnd in path.
func writeConformDoc(path string, reps []conformance.ClientReport, wall time.Duration) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc := string(data)
	i, j := strings.Index(doc, docBegin), strings.Index(doc, docEnd)
	if i < 0 || j < i {
		return fmt.Errorf("%s: no %q ... %q markers", path, docBegin, docEnd)
	}
	var b strings.Builder
	b.WriteString(docBegin + "\n\n")
	if err := conformance.WriteMatrixMarkdown(&b, reps); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nWall time of this run: %v (%d clients, %s/%s).\n\n", wall.Round(time.Second), len(reps), runtime.GOOS, runtime.GOARCH)
	doc = doc[:i] + b.String() + doc[j:]
	return os.WriteFile(path, []byte(doc), 0o644)
}
