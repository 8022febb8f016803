package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/internal/report"
	"github.com/wschaos/wschaos/internal/scenario"
	"github.com/wschaos/wschaos/internal/shard"
)

// shardFlags are run's options for sharded runs and for a target's admin API.
type shardFlags struct {
	shard       string // "i/n"
	shards      int    // n, with i from $JOB_COMPLETION_INDEX
	partial     string
	startAt     string
	admin       string
	adminToken  string
	adminTokenF string
}

func (f *shardFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.shard, "shard", "", "run shard i of n (\"i/n\", 0 <= i < n): a contiguous 1/n of the clients, named and seeded as in the unsharded run; needs a fixed seed (--seed or the scenario's)")
	fl.IntVar(&f.shards, "shards", 0, "run one of n shards, the index taken from $"+shard.CompletionIndexEnv+" (a Kubernetes Indexed Job's pod index)")
	fl.StringVar(&f.partial, "partial", "", "write this shard's partial result (JSON) to FILE for wschaos merge; the exit status is then 0 once it is written (the merge is the gate)")
	fl.StringVar(&f.startAt, "start-at", "", "coordinated start instant, RFC 3339 (default $"+shard.StartAtEnv+"): clients connect first, then the load and the timeline start at that instant; a shard still connecting "+shard.DefaultStartTolerance.String()+" after it refuses to run (exit 2)")
	fl.StringVar(&f.admin, "target-admin", "", "admin API URL of a wschaos-serve target (e.g. http://staging:8081): fault-server steps are applied through it (by shard 0 only in a sharded run) and its event log goes into the report")
	fl.StringVar(&f.adminToken, "target-admin-token", "", "bearer token for --target-admin (default $"+adminTokenEnv+", or --target-admin-token-file)")
	fl.StringVar(&f.adminTokenF, "target-admin-token-file", "", "read the --target-admin token from this file (e.g. a mounted Kubernetes Secret)")
}

// spec is the shard this process runs: --shard, else --shards with the
// completion index from the environment, else the whole run.
func (f *shardFlags) spec(lookup func(string) (string, bool)) (shard.Spec, error) {
	switch {
	case f.shard != "" && f.shards != 0:
		return shard.Spec{}, usageErr("--shard and --shards are exclusive")
	case f.shard != "":
		s, err := shard.ParseSpec(f.shard)
		if err != nil {
			return shard.Spec{}, &exitError{code: exitUsage, err: err}
		}
		return s, nil
	case f.shards != 0:
		s, err := shard.SpecFromEnv(lookup, f.shards)
		if err != nil {
			return shard.Spec{}, &exitError{code: exitUsage, err: fmt.Errorf("--shards %d: %w", f.shards, err)}
		}
		return s, nil
	}
	return shard.Single, nil
}

// adminClient builds the --target-admin client, its token from the flag,
// the file or the environment (in that order).
func (f *shardFlags) adminClient(target string) (*harness.AdminClient, error) {
	if f.admin == "" {
		if f.adminToken != "" || f.adminTokenF != "" {
			return nil, usageErr("--target-admin-token and --target-admin-token-file need --target-admin")
		}
		return nil, nil
	}
	if target == "" {
		return nil, usageErr("--target-admin needs --target (the server whose admin API it is)")
	}
	token := f.adminToken
	switch {
	case token != "" && f.adminTokenF != "":
		return nil, usageErr("--target-admin-token and --target-admin-token-file are exclusive")
	case f.adminTokenF != "":
		b, err := os.ReadFile(f.adminTokenF)
		if err != nil {
			return nil, usageErr("--target-admin-token-file: %w", err)
		}
		token = strings.TrimSpace(string(b))
		if token == "" {
			return nil, usageErr("--target-admin-token-file %s is empty", f.adminTokenF)
		}
	case token == "":
		token = os.Getenv(adminTokenEnv)
	}
	a, err := harness.NewAdminClient(f.admin, token)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return a, nil
}

// shardPlan is what a sharded run adds to the plan and the report.
type shardPlan struct {
	spec    shard.Spec
	clients shard.Range
	run     report.ShardRun
	startAt time.Time
	hasAt   bool
}

// applyShard turns the whole plan into shard spec's part of it: its client
// range (named and seeded by global index), the run id every shard derives
// alike, and, against a target's admin API, server faults driven by shard 0
// alone (the others keep the steps, applying nothing, so their outage
// windows match).
func applyShard(f *shardFlags, s *scenario.Scenario, short bool, plan *harness.Plan, seed uint64, seedFixed bool, spec shard.Spec) (*shardPlan, error) {
	at, hasAt, err := shard.ParseStartAt(f.startAt, os.LookupEnv)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	total := plan.Load.Clients
	if spec.Count > 1 && !hasAt {
		return nil, usageErr("--shard %s: every shard needs the same start instant: pass --start-at (or $%s); the run id that keeps runs apart derives from it", spec, shard.StartAtEnv)
	}
	if f.partial != "" {
		if err := os.MkdirAll(filepath.Dir(f.partial), 0o755); err != nil {
			return nil, usageErr("--partial %s: %w", f.partial, err)
		}
	}
	if spec.Count > 1 && !seedFixed {
		return nil, usageErr("--shard %s: every shard needs the same seed: pass --seed (or set seed: in the scenario)", spec)
	}
	if spec.Count > 1 && spec.Count > total {
		return nil, usageErr("--shard %s: %d shards for %d clients: use at most %d shards", spec, spec.Count, total, total)
	}
	rng, err := spec.Clients(max(total, 0))
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	content, err := scenarioBytes(s)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	if short {
		content = append(content, "\x00--short"...)
	}
	ref := shard.ScenarioRef{Name: s.Name, Hash: shard.ScenarioHash(content)}
	runID := shard.RunID(seed, ref, at)
	if spec.Count > 1 || hasAt {
		plan.RunID = runID
	}
	if spec.Count > 1 { // unsharded, the plan stays as written (0 clients: the harness default)
		// Every shard connects at the same time against one target, so the
		// default connect bound is the whole run's, not the shard's share.
		if plan.ConnectTimeout == 0 {
			_, _, channels := loadRates(plan.Load)
			plan.ConnectTimeout = harness.DefaultConnectTimeout(total, channels)
		}
		plan.Load.Clients, plan.ClientOffset = rng.Len(), rng.Lo
		// A shard's own fault server (embedded stack) draws from the
		// shard's seed stream: shard i of a rerun repeats its choices.
		if plan.Stack.Server.Seed == 0 {
			plan.Stack.Server.Seed = spec.Seed(seed)
		}
	}
	admin := plan.Stack.TargetAdmin
	if admin != nil && spec.Index != 0 {
		for i, st := range plan.Timeline {
			if st.Fault != nil && st.Fault.Tags().Has(fault.Server) {
				plan.Timeline[i].Fault = harness.DrivenElsewhere(st.Fault)
			}
		}
		// Nor does it touch the admin API at all: its stack's closing
		// "clear every fault" would lift shard 0's faults mid-step.
		plan.Stack.TargetAdmin = nil
	}
	meta := shard.Meta{Description: s.Description, Source: s.Source, Short: short, Planned: s.Load.Duration,
		Clients: total, Channels: s.Load.Channels, StackMode: s.Stack.Mode, Target: s.Stack.Target,
		Toxiproxy: s.Stack.Toxiproxy, Proxy: s.Stack.Proxy}
	if admin != nil {
		meta.TargetAdmin = admin.URL()
	}
	for _, x := range s.SLOs {
		meta.SLOs = append(meta.SLOs, x.Expr.String())
	}
	up, down, channels := loadRates(plan.Load)
	return &shardPlan{spec: spec, clients: rng, startAt: at, hasAt: hasAt, run: report.ShardRun{
		RunID: runID, Scenario: ref, Meta: meta, Seed: seed, Spec: spec, Clients: rng, Start: at,
		Up: up, Down: down, Channels: channels, Duration: plan.Load.Duration.D(),
	}}, nil
}

// loadRates reads the plan's rates and channels with the harness's
// defaults (0 means the default, negative none).
func loadRates(l harness.Load) (up, down float64, channels int) {
	rate := func(r float64) float64 {
		switch {
		case r == 0:
			return harness.DefaultRate
		case r < 0:
			return 0
		}
		return r
	}
	channels = l.Channels
	if channels == 0 {
		channels = harness.DefaultChannels
	}
	return rate(l.Up), rate(l.Down), channels
}

// scenarioBytes is the scenario file's content, or a built-in's.
func scenarioBytes(s *scenario.Scenario) ([]byte, error) {
	if name, ok := strings.CutPrefix(s.Source, "builtin:"); ok {
		return scenario.BuiltinSource(name)
	}
	b, err := os.ReadFile(s.Source)
	if err != nil {
		return nil, fmt.Errorf("failed to read scenario for its version hash: %w", err)
	}
	return b, nil
}

// waitStart lines this shard up on the start instant. It runs once the
// shard's clients are connected and attached (harness.RunOptions.BeforeLoad),
// so every shard's load and timeline start at the instant, whatever its own
// connect time; a shard still connecting more than the tolerance past it is
// late.
func (sp *shardPlan) waitStart(ctx context.Context, errOut io.Writer) error {
	if !sp.hasAt {
		return nil
	}
	if d := time.Until(sp.startAt); d > 0 {
		fmt.Fprintf(errOut, "shard %s: waiting %v for the start instant %s\n", sp.spec, d.Round(time.Millisecond), sp.startAt.UTC().Format(time.RFC3339))
	}
	if err := shard.WaitStart(ctx, sp.startAt, shard.DefaultStartTolerance, time.Now); err != nil {
		var late *shard.LateError
		if errors.As(err, &late) {
			return &exitError{code: exitUsage, err: err}
		}
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}

// writePartial writes the shard's partial result atomically (a temp file
// renamed into place), so a merge never reads half a file.
func (sp *shardPlan) writePartial(path string, res *harness.Result) error {
	run := sp.run
	if !sp.hasAt {
		run.Start = res.Start
	}
	p, err := report.PartialFromResult(run, res)
	if err != nil {
		return fmt.Errorf("failed to build partial: %w", err)
	}
	tmp := path + ".tmp"
	fh, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("failed to write partial: %w", err)
	}
	if err := errors.Join(shard.Encode(fh, p), fh.Close()); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("failed to write partial: %w", err)
	}
	return nil
}
