package harness

import (
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness/stats"
)

// startProgress calls RunOptions.Progress on a ticker until the returned
// stop is called.
func (r *runner) startProgress() (stop func()) {
	if r.opts.Progress == nil {
		return func() {}
	}
	every := r.opts.ProgressEvery
	if every <= 0 {
		every = 250 * time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.report()
			}
		}
	}()
	return func() { close(done); <-finished }
}

// report sends one snapshot. Calls are serialised by phaseMu so the
// callback never runs concurrently with itself.
func (r *runner) report() {
	if r.opts.Progress == nil {
		return
	}
	r.phaseMu.Lock()
	defer r.phaseMu.Unlock()
	p := Progress{Phase: r.phase, Total: r.plan.Load.Duration.D(), Clients: r.plan.Load.Clients}
	if !r.started.IsZero() {
		p.Elapsed = min(time.Since(r.started), p.Total)
	}
	for _, m := range r.load {
		if m.sess != nil && m.sess.Client().State() == client.StateConnected {
			p.Connected++
		}
	}
	p.Sent, p.Delivered = int(r.cnt.sent.Load()), int(r.cnt.delivered.Load())
	p.InFlight = r.inFlight()
	p.Faults = r.flog.Active()
	r.opts.Progress(p)
}

// BackoffJudgement is how the harness judges one backoff observation.
type BackoffJudgement struct {
	// Lo and Hi bound the delay the configured distribution allows.
	Lo, Hi time.Duration
	// InRange: the scheduled delay is on the distribution's support (not
	// asked of delays shaped by Retry-After), and the dial, when observed,
	// came no earlier than the schedule and at most BackoffSlack after it.
	InRange bool
}

// Judge is the one rule for a backoff violation: a scheduled delay off the
// distribution's support, an observed dial more than BackoffSlack after it,
// or a dial before the scheduled delay. Delays shaped by Retry-After are
// judged only on the last two.
func (o BackoffObservation) Judge(b client.Backoff) BackoffJudgement {
	d := stats.BackoffDist(b, max(o.Attempt, 1), o.Prev)
	ok := o.RetryAfter || d.Contains(o.Scheduled, time.Millisecond)
	if o.Observed >= 0 {
		ok = ok && o.Observed >= o.Scheduled-time.Millisecond && o.Observed <= o.Scheduled+BackoffSlack
	}
	return BackoffJudgement{Lo: d.Lo, Hi: d.Hi, InRange: ok}
}

// backoffViolations counts the observations Judge finds out of range.
func backoffViolations(b client.Backoff, obs []BackoffObservation) int {
	n := 0
	for _, o := range obs {
		if !o.Judge(b).InRange {
			n++
		}
	}
	return n
}
