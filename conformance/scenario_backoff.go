package conformance

import (
	"fmt"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// startMany starts and connects n adapters tagged prefix0..prefixN-1,
// starting them in parallel to keep the run short.
func (e *env) startMany(n int, prefix string, opts Options) ([]*adapter, error) {
	as := make([]*adapter, n)
	errs := make(chan error, n)
	for i := range n {
		a, err := e.start()
		if err != nil {
			return nil, err
		}
		as[i] = a
	}
	for i, a := range as {
		go func() { errs <- e.connect(a, fmt.Sprintf("%s%d", prefix, i), opts) }()
	}
	for range n {
		if err := <-errs; err != nil {
			return nil, err
		}
	}
	return as, nil
}

func scenarioBackoff(e *env) (map[string]verdict, error) {
	as, err := e.startMany(backoffSize, "b", e.options())
	if err != nil {
		return nil, err
	}
	// Outlive the clients' minimum uptime (1s in every adapter), so the drop
	// is of a healthy connection and the streak starts at the first delay.
	if err := e.sleep(1100 * time.Millisecond); err != nil {
		return nil, err
	}
	const window = 3 * time.Second
	if err := e.srv.RejectHandshakes(faultserver.RejectSpec{Status: 503, For: window}); err != nil {
		return nil, err
	}
	t := time.Now()
	if err := e.dropAll(backoffSize); err != nil {
		return nil, err
	}
	if err := e.sleep(window); err != nil {
		return nil, err
	}
	var series backoffSeries
	for i := range backoffSize {
		var rejected []faultserver.HandshakeRecord
		for _, h := range e.handshakes(fmt.Sprintf("b%d", i), t) {
			if h.Status == 503 && h.Time.Sub(t) < window {
				rejected = append(rejected, h)
			}
		}
		series = append(series, gaps(rejected)) // the delays after each failed attempt
	}
	caps := as[0].caps
	capD := time.Duration(e.cfg.Policy.MaxMS) * time.Millisecond
	return map[string]verdict{
		"3.1": gradeGrowth(series),
		"3.2": gradeCap(series, capD, caps.Backoff),
		"3.3": gradeJitter(series, 0, "jitter"),
		"3.4": gradeJitter(series, 3, "once capped"),
		"3.5": gradeKS(series, e.cfg.Policy, caps.ExactPolicy),
	}, nil
}

func scenarioStorm(e *env) (map[string]verdict, error) {
	if _, err := e.startMany(stormSize, "s", e.options()); err != nil {
		return nil, err
	}
	t := time.Now()
	if err := e.dropAll(stormSize); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(reconnectBound)
	var first []time.Duration
	var single backoffSeries
	for i := range stormSize {
		h, err := e.waitHandshake(t, time.Until(deadline), fmt.Sprintf("s%d", i), func(faultserver.HandshakeRecord) bool { return true })
		if err != nil {
			continue
		}
		first = append(first, h.Time.Sub(t))
		single = append(single, []time.Duration{h.Time.Sub(t)})
	}
	// Each client's first delay is one sample of one attempt: pool them as
	// one attempt index across clients.
	pooled := backoffSeries{}
	for _, s := range single {
		pooled = append(pooled, s)
	}
	return map[string]verdict{
		"4.1": gradeStorm(first, stormSize),
		"3.6": gradeJitter(pooled, 0, "first delay"),
	}, nil
}
