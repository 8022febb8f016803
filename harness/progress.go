package harness

import (
	"time"

	"github.com/wschaos/wschaos/client"
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
