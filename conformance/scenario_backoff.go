package conformance

import (
	"fmt"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// startMany starts and connects n adapters tagged prefix0..prefixN-1, all
// in parallel: 16 Node processes started one by one take seconds on a
// loaded machine.
func (e *env) startMany(n int, prefix string, opts Options) ([]*adapter, error) {
	as := make([]*adapter, n)
	errs := make(chan error, n)
	for i := range n {
		go func() {
			a, err := e.start()
			if err == nil {
				as[i] = a
				err = e.connect(a, fmt.Sprintf("%s%d", prefix, i), opts)
			}
			errs <- err
		}()
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return as, first
}

func scenarioBackoff(e *env) (map[string]verdict, error) {
	opts := e.options()
	opts.Backoff = e.cfg.Policy.scaled(backoffScale)
	as, err := e.startMany(backoffSize, "b", opts)
	if err != nil {
		return nil, err
	}
	// Outlive the clients' minimum uptime (1s in every adapter), so the drop
	// is of a healthy connection and the streak starts at the first delay.
	if err := e.sleep(1100 * time.Millisecond); err != nil {
		return nil, err
	}
	const window = backoffWindow
	if err := e.srv.RejectHandshakes(faultserver.RejectSpec{Status: 503, For: window}); err != nil {
		return nil, err
	}
	t := time.Now()
	// Best effort: a client whose heartbeat timed out on a loaded machine is
	// already redialling into the 503s, and its streak counts the same.
	if err := e.dropAll(backoffSize); err != nil {
		e.cfg.Logger.Info("backoff: drop", "client", e.cfg.Name, "err", err)
	}
	if err := e.sleep(window); err != nil {
		return nil, err
	}
	var series, growth backoffSeries
	for i := range backoffSize {
		var rejected []faultserver.HandshakeRecord
		for _, h := range e.handshakes(fmt.Sprintf("b%d", i), t) {
			if h.Status == 503 && h.Time.Sub(t) < window {
				rejected = append(rejected, h)
			}
		}
		series = append(series, gaps(rejected)) // the delays after each failed attempt
		if len(rejected) > 0 {
			// With the drop-to-first-attempt delay: a factor-2 client capped
			// at 4x its initial delay reaches the cap by its second gap, so
			// gaps alone show only 1.33x growth.
			growth = append(growth, append([]time.Duration{rejected[0].Time.Sub(t)}, gaps(rejected)...))
		}
	}
	e.cfg.Logger.Debug("backoff series", "client", e.cfg.Name, "series", fmt.Sprint(series))
	caps := as[0].caps
	capD := time.Duration(opts.Backoff.MaxMS) * time.Millisecond
	return map[string]verdict{
		"3.1": gradeGrowth(growth),
		"3.2": gradeCap(series, capD, caps.Backoff),
		"3.3": gradeJitter(series, 0, "jitter", jitterBound),
		"3.4": gradeJitter(series, 3, "once capped", jitterBound),
		"3.5": gradeKS(series, opts.Backoff, caps.ExactPolicy),
	}, nil
}

func scenarioStorm(e *env) (map[string]verdict, error) {
	opts := e.options()
	opts.Backoff = StormPolicy
	opts.Backoff.Jitter = e.cfg.Policy.Jitter
	as, err := e.startMany(stormSize, "s", opts)
	if err != nil {
		return nil, err
	}
	// Outlive the clients' minimum uptime (1s in every adapter), so each
	// drop is of a healthy connection and the first delay is the first.
	if err := e.sleep(1100 * time.Millisecond); err != nil {
		return nil, err
	}
	marks := make([]int, len(as))
	for i, a := range as {
		marks[i] = len(a.snapshot())
	}
	t := time.Now()
	if err := e.dropAll(stormSize); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(reconnectBound + 2*time.Second)
	var delays []time.Duration
	var single backoffSeries
	for i, a := range as {
		h, err := e.waitHandshake(t, time.Until(deadline), fmt.Sprintf("s%d", i), func(faultserver.HandshakeRecord) bool { return true })
		if err != nil {
			continue
		}
		// A report read after the attempt (a client that polls its state)
		// bounds nothing: clamp the detection to the attempt.
		d := max(h.Time.Sub(dropReported(a, marks[i], t)), 0)
		delays = append(delays, d)
		single = append(single, []time.Duration{d})
	}
	first := gradeJitter(single, 0, "first delay", firstDelayBound)
	if len(delays) > 0 && median(delays) < stormImmediate {
		first = v(NonStrict, "first delay: immediate (median %v, asked for %dms)", median(delays).Round(time.Millisecond), StormPolicy.InitialMS)
	}
	return map[string]verdict{"4.1": gradeStorm(delays, stormSize), "3.6": first}, nil
}

// dropReported is when the adapter first reported leaving open after
// report index from; t (the drop) if it never did.
func dropReported(a *adapter, from int, t time.Time) time.Time {
	rs := a.snapshot()
	for _, r := range rs[min(from, len(rs)):] {
		if r.Type == "state" && r.State != "open" {
			return r.Time
		}
	}
	return t
}
