package harness

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ErrToxiproxyStuck is wrapped by the error of a Toxiproxy API call that
// did not answer within toxiproxyCallTimeout. Toxiproxy v2.12 can deadlock
// when a toxic is removed while a connection through it dies (an upstream
// bandwidth toxic overlapping a reset_peer, found by wschaos explore:
// explore/testdata/toxiproxy-hang.yaml; Shopify/toxiproxy#558, #427): the
// delete waits for ever holding the proxy collection's lock, and every
// later call on that Toxiproxy waits behind it. The harness then abandons
// that Toxiproxy instead of hanging with it, and the run is inconclusive.
var ErrToxiproxyStuck = errors.New("harness: toxiproxy did not answer")

// HarnessToxiproxyStuck: a Toxiproxy API call did not answer in time (see
// ErrToxiproxyStuck); faults may have stayed in place, so the run says
// nothing about the system.
const HarnessToxiproxyStuck HarnessEventKind = "toxiproxy_stuck"

// toxiproxyCallTimeout bounds one Toxiproxy API call. A healthy call on
// loopback answers in milliseconds, even with thousands of links.
var toxiproxyCallTimeout = 10 * time.Second

// toxiGuard runs Toxiproxy API calls with a bound; once one got stuck, the
// rest fail at once (they would queue behind the same lock).
type toxiGuard struct{ stuck atomic.Bool }

// call runs fn (a Toxiproxy client call, op names it) and returns its
// error, or ErrToxiproxyStuck when it does not return within
// toxiproxyCallTimeout or ctx ends first. The goroutine of a stuck call is
// left behind: nothing can unblock it short of ending the process.
func (g *toxiGuard) call(ctx context.Context, op string, fn func() error) error {
	if g.stuck.Load() {
		return fmt.Errorf("%w: %s skipped, an earlier call is stuck", ErrToxiproxyStuck, op)
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(toxiproxyCallTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
	case <-ctx.Done():
	}
	g.stuck.Store(true)
	return fmt.Errorf("%w within %v to %s (a known Toxiproxy deadlock, Shopify/toxiproxy#558: a toxic removed while a connection through it died); the proxy is abandoned and the run is inconclusive",
		ErrToxiproxyStuck, toxiproxyCallTimeout, op)
}

// noteToxiproxyStuck makes res inconclusive, with a harness event, when err
// says a Toxiproxy call got stuck: the faults it was to lift may have
// stayed, so whatever the run measured afterwards is the harness's failure.
func noteToxiproxyStuck(res *Result, err error, at time.Time) {
	if res == nil || !errors.Is(err, ErrToxiproxyStuck) {
		return
	}
	for _, e := range res.Harness.Events {
		if e.Kind == HarnessToxiproxyStuck {
			return // one is enough: every later call fails the same way
		}
	}
	res.Harness.Inconclusive = true
	res.Harness.Events = append(res.Harness.Events, HarnessEvent{Time: at, Kind: HarnessToxiproxyStuck, Detail: err.Error()})
}
