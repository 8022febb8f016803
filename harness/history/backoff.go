package history

import (
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness/stats"
)

// BackoffSlack is the dial overhead allowed between a scheduled reconnect
// delay and the observed dial before it counts as a violation. The overhead
// measured on a loaded 2-core machine stays under 20ms at p99 (see the
// backoff scenarios); 100ms leaves room for -race and parallel specs.
const BackoffSlack = 100 * time.Millisecond

// BackoffJudgement is how one judges one backoff observation.
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
