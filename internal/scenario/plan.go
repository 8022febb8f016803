package scenario

import (
	"fmt"
	"strings"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness"
)

// StackOverride is what the CLI's --toxiproxy, --proxy and --target change.
// Any field set switches the stack to external mode.
type StackOverride struct {
	Toxiproxy, Proxy, Target string
	// TargetAdmin is true when the target's admin API will drive the
	// fault-server steps (run --target-admin): they are then allowed.
	TargetAdmin bool
}

// Override applies o to s's stack and checks the result with the same
// rules the file's own stack section meets, so a flag and a file line are
// judged alike. Errors are [Errors] naming the flag or the step.
func (s *Scenario) Override(o StackOverride) error {
	if o == (StackOverride{}) {
		return nil
	}
	st := &s.Stack
	st.Mode = StackExternal
	if o.Toxiproxy != "" {
		st.Toxiproxy = o.Toxiproxy
	}
	if o.Target != "" {
		st.Target = o.Target
	}
	if o.Proxy != "" {
		st.Proxy = o.Proxy
	}
	flagErr := func(format string, args ...any) error {
		return Errors{&FieldError{File: s.Source, Field: "flags", Msg: fmt.Sprintf(format, args...)}}
	}
	switch {
	case st.Toxiproxy == "" && st.Target == "":
		return flagErr("external stack: need --toxiproxy, --target or both")
	case st.Toxiproxy == "" && st.Proxy != "":
		return flagErr("--proxy names a proxy on an external Toxiproxy: it needs --toxiproxy")
	case st.Toxiproxy != "" && !strings.HasPrefix(st.Toxiproxy, "http://") && !strings.HasPrefix(st.Toxiproxy, "https://"):
		return flagErr("--toxiproxy %q: want an http:// or https:// URL", st.Toxiproxy)
	case st.Target != "" && !strings.HasPrefix(st.Target, "ws://") && !strings.HasPrefix(st.Target, "wss://"):
		return flagErr("--target %q: want a ws:// or wss:// URL", st.Target)
	}
	var errs Errors
	for _, step := range s.Timeline {
		if msg := targetRule(step, st.Target); msg != "" && !o.TargetAdmin {
			errs = append(errs, &FieldError{File: step.Pos.File, Line: step.Pos.Line, Column: step.Pos.Column,
				Field: fmt.Sprintf("timeline[%d].fault", step.Index), Msg: msg})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// targetRule is the scenario side of "server faults need a local fault
// server" (harness.Plan.Validate enforces it again as a backstop, with
// harness.ErrNeedsServer): "" when step may run against target.
func targetRule(step Step, target string) string {
	info, _ := LookupFault(step.Fault)
	if target == "" || info.Network {
		return ""
	}
	return fmt.Sprintf("%s is a fault-server action and needs wschaos's own fault server; against an external target only network faults (toxics) apply", info.Name)
}

// ClientConfig maps the scenario's client settings onto client.Config.
// Zero fields stay zero: the client's own defaults apply, written once there.
func (c Client) ClientConfig() client.Config {
	cfg := client.Config{
		HandshakeTimeout: c.HandshakeTimeout,
		MinUptime:        c.MinUptime,
		Backoff: client.Backoff{
			Base:       c.Backoff.Base,
			Cap:        c.Backoff.Cap,
			Multiplier: c.Backoff.Multiplier,
			Jitter:     c.Backoff.Jitter,
			Fraction:   c.Backoff.Fraction,
		},
		MaxAttempts:  c.MaxAttempts,
		MaxElapsed:   c.MaxElapsed,
		PingInterval: c.PingInterval,
		PongTimeout:  c.PongTimeout,
		Queue: client.QueueConfig{
			MaxMessages: c.QueueMessages,
			MaxBytes:    c.QueueBytes,
			Overflow:    c.Overflow,
		},
	}
	if c.HeartbeatDisabled {
		cfg.PingInterval, cfg.PongTimeout = -1, 0
	}
	return cfg
}

// Plan turns a parsed (and overridden) scenario into a harness plan with
// the given seed, then runs the harness's validation of it. Timeline steps
// carry the faults the parser decoded and validated.
func (s *Scenario) Plan(seed uint64) (harness.Plan, error) {
	p := harness.Plan{
		Name:   s.Name,
		Client: s.Client.ClientConfig(),
		Load: harness.Load{
			Clients:     s.Load.Clients,
			Channels:    s.Load.Channels,
			Up:          rate(s.Load.Up),
			Down:        rate(s.Load.Down),
			MessageSize: s.Load.MessageSize,
			Duration:    harness.Duration(s.Load.Duration),
		},
		Seed:           seed,
		Stack:          harness.StackOptions{Toxiproxy: harness.ToxiproxyEmbedded},
		ConnectTimeout: s.Load.ConnectTimeout,
	}
	if s.Stack.Mode == StackExternal && s.Stack.Toxiproxy != "" {
		p.Stack = harness.StackOptions{Toxiproxy: harness.ToxiproxyExternal, ToxiproxyURL: s.Stack.Toxiproxy, ProxyName: s.Stack.Proxy}
	}
	// A target alone gets the in-process Toxiproxy (never $TOXIPROXY_URL,
	// which would silently change where the faults go).
	p.Stack.Target = s.Stack.Target
	var errs Errors
	for _, st := range s.Timeline {
		if st.Value == nil {
			errs = append(errs, &FieldError{File: st.Pos.File, Line: st.Pos.Line, Column: st.Pos.Column,
				Field: fmt.Sprintf("timeline[%d]", st.Index), Msg: st.Fault + " was not decoded"})
			continue
		}
		p.Timeline = append(p.Timeline, harness.Step{At: harness.Duration(st.At), Duration: harness.Duration(st.Duration), Fault: st.Value})
	}
	if len(errs) > 0 {
		return p, errs
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%s: %w", s.Source, err)
	}
	return p, nil
}

// rate maps the scenario's "0 means none" onto the harness's "0 means the
// default, negative means none".
func rate(r float64) float64 {
	if r == 0 {
		return -1
	}
	return r
}
