package conformance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Config configures [Run].
type Config struct {
	// Name labels the client in reports; default: the name its hello gives.
	Name string
	// Command is the adapter's argv; one process is started per case (several
	// for the storm and backoff cases).
	Command []string
	// Session connects adapters to the session endpoint instead of echo.
	Session bool
	// Cases selects case ids; empty means every case.
	Cases []string
	// Policy is the backoff adapters are asked to use. Default DefaultPolicy.
	Policy Policy
	// Parallel is how many scenarios run at once. Default 2.
	Parallel int
	// HelloTimeout bounds an adapter's start and hello. Default 20s (a Node
	// adapter took over 10s at load average 17 on 2 cores).
	HelloTimeout time.Duration
	// CaseTimeout bounds one scenario. Default 60s (the storm starts 16
	// processes, a few at a time).
	CaseTimeout time.Duration
	// Logger receives progress (Info) and adapter failures (Warn).
	Logger *slog.Logger
	// OnResult, if set, is called with each case's result as its scenario
	// ends (from several goroutines at once when Parallel > 1).
	OnResult func(Result)
}

// ErrUnknownCase is returned for a Config.Cases id not in [Cases].
var ErrUnknownCase = errors.New("conformance: unknown case")

// Result is one case's grade for one client.
type Result struct {
	Case     string        `json:"case"`
	Client   string        `json:"client"`
	Grade    Grade         `json:"grade"`
	Detail   string        `json:"detail"`
	Stderr   string        `json:"stderr,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// ClientReport is every selected case's result for one client.
type ClientReport struct {
	Client  string        `json:"client"`
	Results []Result      `json:"results"`
	Wall    time.Duration `json:"wall_ns"`
	// Interrupted: the context ended before every case ran; Results holds
	// the cases whose scenarios finished before it did.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Passed reports whether no case FAILED.
func (r ClientReport) Passed() bool {
	return !slices.ContainsFunc(r.Results, func(x Result) bool { return !x.Grade.Passing() })
}

func (c Config) withDefaults() Config {
	if c.Policy == (Policy{}) {
		c.Policy = DefaultPolicy
	}
	if c.Parallel <= 0 {
		c.Parallel = 2
	}
	if c.HelloTimeout <= 0 {
		c.HelloTimeout = 20 * time.Second
	}
	if c.CaseTimeout <= 0 {
		c.CaseTimeout = 60 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// selected returns the selected cases, in Cases order.
func (c Config) selected() ([]Case, error) {
	if len(c.Cases) == 0 {
		return Cases, nil
	}
	for _, id := range c.Cases {
		if _, ok := CaseByID(id); !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownCase, id)
		}
	}
	var out []Case
	for _, cs := range Cases {
		if slices.Contains(c.Cases, cs.ID) {
			out = append(out, cs)
		}
	}
	return out, nil
}

// Run grades one client through the selected cases. Each scenario gets a
// fresh loopback fault server and fresh adapter processes, killed at its
// end. A case whose adapter breaks the protocol is FAILED with the reason.
// If ctx ends first, Run stops every adapter it started and returns the
// cases whose scenarios had finished, with Interrupted set, and ctx's error.
func Run(ctx context.Context, cfg Config) (ClientReport, error) {
	cfg = cfg.withDefaults()
	if len(cfg.Command) == 0 {
		return ClientReport{}, fmt.Errorf("%w: Config.Command is empty", ErrAdapter)
	}
	sel, err := cfg.selected()
	if err != nil {
		return ClientReport{}, err
	}
	// One probe up front: a broken adapter is an error, not 23 FAILED cases,
	// and its hello names the client.
	probe, err := startAdapter(ctx, cfg.Command, cfg.HelloTimeout)
	if err != nil {
		if ctx.Err() != nil {
			return ClientReport{Client: cfg.Name, Interrupted: true}, ctx.Err()
		}
		return ClientReport{}, err
	}
	probe.kill()
	if cfg.Name == "" {
		cfg.Name = probe.name
	}
	var order []string
	byScenario := map[string][]Case{}
	for _, c := range sel {
		if _, ok := byScenario[c.scenario]; !ok {
			order = append(order, c.scenario)
		}
		byScenario[c.scenario] = append(byScenario[c.scenario], c)
	}
	start := time.Now()
	var mu sync.Mutex
	results := map[string]Result{}
	sem := make(chan struct{}, cfg.Parallel)
	var wg sync.WaitGroup
	for _, name := range order {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return // interrupted before it started
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			rs := runScenario(ctx, cfg, name, byScenario[name])
			if ctx.Err() != nil {
				return // interrupted: its grades would judge the interruption
			}
			mu.Lock()
			for _, r := range rs {
				results[r.Case] = r
			}
			mu.Unlock()
			if cfg.OnResult != nil {
				for _, r := range rs {
					cfg.OnResult(r)
				}
			}
		})
	}
	wg.Wait()
	rep := ClientReport{Client: cfg.Name, Wall: time.Since(start), Interrupted: ctx.Err() != nil}
	for _, c := range sel {
		if r, ok := results[c.ID]; ok {
			rep.Results = append(rep.Results, r)
		}
	}
	return rep, ctx.Err()
}

func runScenario(ctx context.Context, cfg Config, name string, cases []Case) []Result {
	t0 := time.Now()
	sctx, cancel := context.WithTimeout(ctx, cfg.CaseTimeout)
	defer cancel()
	verdicts, stderr, err := func() (map[string]verdict, string, error) {
		e, err := newEnv(sctx, cfg)
		if err != nil {
			return nil, "", err
		}
		vs, err := scenarios[name](e)
		return vs, e.close(), err
	}()
	var out []Result
	for _, c := range cases {
		r := Result{Case: c.ID, Client: cfg.Name, Stderr: stderr, Duration: time.Since(t0)}
		vd, ok := verdicts[c.ID]
		switch {
		case err != nil:
			r.Grade, r.Detail = Failed, err.Error()
			cfg.Logger.Warn("scenario failed", "client", cfg.Name, "scenario", name, "err", err)
		case !ok:
			r.Grade, r.Detail = Failed, "scenario gave no verdict"
		default:
			r.Grade, r.Detail = vd.Grade, vd.Detail
		}
		out = append(out, r)
	}
	cfg.Logger.Info("scenario done", "client", cfg.Name, "scenario", name, "took", time.Since(t0))
	return out
}
