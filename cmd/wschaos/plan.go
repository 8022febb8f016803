package main

import (
	"fmt"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/internal/scenario"
)

// stackOverride is what --toxiproxy, --proxy and --target change.
type stackOverride struct {
	toxiproxy, proxy, target string
}

func (o stackOverride) apply(st scenario.Stack) scenario.Stack {
	if o.toxiproxy == "" && o.target == "" && o.proxy == "" {
		return st
	}
	st.Mode = scenario.StackExternal
	if o.toxiproxy != "" {
		st.Toxiproxy = o.toxiproxy
	}
	if o.target != "" {
		st.Target = o.target
	}
	if o.proxy != "" {
		st.Proxy = o.proxy
	}
	return st
}

var jitterModes = map[string]client.JitterMode{
	"":             client.JitterProportional,
	"proportional": client.JitterProportional,
	"none":         client.JitterNone,
	"full":         client.JitterFull,
	"equal":        client.JitterEqual,
	"decorrelated": client.JitterDecorrelated,
}

var overflowPolicies = map[string]client.OverflowPolicy{
	"":            client.OverflowBlock,
	"block":       client.OverflowBlock,
	"error":       client.OverflowError,
	"drop_oldest": client.OverflowDropOldest,
}

// clientConfig maps the scenario's client settings onto client.Config.
func clientConfig(c scenario.Client) client.Config {
	cfg := client.Config{
		HandshakeTimeout: c.HandshakeTimeout,
		MinUptime:        c.MinUptime,
		Backoff: client.Backoff{
			Base:       c.Backoff.Base,
			Cap:        c.Backoff.Cap,
			Multiplier: c.Backoff.Multiplier,
			Jitter:     jitterModes[c.Backoff.Jitter],
			Fraction:   c.Backoff.Fraction,
		},
		MaxAttempts:  c.MaxAttempts,
		MaxElapsed:   c.MaxElapsed,
		PingInterval: c.PingInterval,
		PongTimeout:  c.PongTimeout,
		Queue: client.QueueConfig{
			MaxMessages: c.QueueMessages,
			MaxBytes:    c.QueueBytes,
			Overflow:    overflowPolicies[c.Overflow],
		},
	}
	if c.HeartbeatDisabled {
		cfg.PingInterval, cfg.PongTimeout = -1, 0
	}
	return cfg
}

// buildPlan turns a validated scenario into a harness plan. A fault the
// harness rejects is reported against the step's place in the file, so the
// user sees the same file:line:field error as for any other mistake.
func buildPlan(s *scenario.Scenario, seed uint64) (harness.Plan, error) {
	p := harness.Plan{
		Name:   s.Name,
		Client: clientConfig(s.Client),
		Load: harness.Load{
			Clients:     s.Load.Clients,
			Channels:    s.Load.Channels,
			Up:          rate(s.Load.Up),
			Down:        rate(s.Load.Down),
			MessageSize: s.Load.MessageSize,
			Duration:    harness.Duration(s.Load.Duration),
		},
		Seed: seed,
	}
	if s.Stack.Mode == scenario.StackExternal {
		p.Stack = harness.StackOptions{ToxiproxyURL: s.Stack.Toxiproxy, ProxyName: s.Stack.Proxy, Target: s.Stack.Target}
		if s.Stack.Toxiproxy == "" {
			// A target alone: the in-process Toxiproxy (never $TOXIPROXY_URL,
			// which would silently change where the faults go).
			p.Stack.ToxiproxyURL = "embedded"
		}
	} else {
		p.Stack = harness.StackOptions{ToxiproxyURL: "embedded"}
	}
	var errs scenario.Errors
	for _, st := range s.Timeline {
		f, err := harnessFault(st)
		if err != nil {
			errs = append(errs, &scenario.FieldError{File: st.Pos.File, Line: st.Pos.Line, Column: st.Pos.Column,
				Field: fmt.Sprintf("timeline[%d]", st.Index), Msg: err.Error()})
			continue
		}
		p.Timeline = append(p.Timeline, harness.Step{At: harness.Duration(st.At), Duration: harness.Duration(st.Duration), Fault: f})
	}
	if len(errs) > 0 {
		return p, errs
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

// harnessFault is the step's fault as the scenario parser decoded and
// validated it into the registry's type.
func harnessFault(st scenario.Step) (fault.Fault, error) {
	if st.Value != nil {
		return st.Value, nil
	}
	return nil, fmt.Errorf("%w: step %d (%s) was not decoded", harness.ErrInvalidFault, st.Index, st.Fault)
}
