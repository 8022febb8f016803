package conformance

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/wschaos/wschaos/faultserver"
	"gonum.org/v1/gonum/stat"
)

// Grade is a case's outcome, as Autobahn|Testsuite grades.
type Grade string

// Grades, best first.
const (
	OK            Grade = "OK"
	NonStrict     Grade = "NON-STRICT"    // works, deviates from the recommended behaviour
	Informational Grade = "INFORMATIONAL" // measured, not judged
	Unimplemented Grade = "UNIMPLEMENTED" // the client declares it lacks what the case needs
	Failed        Grade = "FAILED"
)

// Passing reports whether g does not fail a run without a baseline.
func (g Grade) Passing() bool { return g != Failed }

// verdict is a grade with the sentence that explains it.
type verdict struct {
	Grade  Grade
	Detail string
}

func v(g Grade, format string, args ...any) verdict {
	return verdict{g, fmt.Sprintf(format, args...)}
}

// attemptsAfter returns the handshake attempts at or after t, oldest first.
func attemptsAfter(hs []faultserver.HandshakeRecord, t time.Time) []faultserver.HandshakeRecord {
	var out []faultserver.HandshakeRecord
	for _, h := range hs {
		if !h.Time.Before(t) {
			out = append(out, h)
		}
	}
	return out
}

// gaps returns the times between consecutive attempts.
func gaps(hs []faultserver.HandshakeRecord) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(hs); i++ {
		out = append(out, hs[i].Time.Sub(hs[i-1].Time))
	}
	return out
}

// gradeReconnect: OK when an upgrade follows the fault within bound.
func gradeReconnect(hs []faultserver.HandshakeRecord, fault time.Time, bound time.Duration) verdict {
	for _, h := range attemptsAfter(hs, fault) {
		if h.Status == 101 && h.Time.Sub(fault) <= bound {
			return v(OK, "reconnected after %v", h.Time.Sub(fault).Round(time.Millisecond))
		}
	}
	return v(Failed, "no reconnect within %v (%d attempts seen)", bound, len(attemptsAfter(hs, fault)))
}

// hotLoopRate is the attempt rate (per second) graded as a hot loop.
const hotLoopRate = 20.0

// gradeNotRetried: after a terminal answer (401/403, close 1008) the client
// must stop; allowed is how many attempts the fault itself needs (1 for a
// rejected handshake, 0 after a close). Retrying is NON-STRICT; retrying faster than hotLoopRate FAILED.
func gradeNotRetried(after []faultserver.HandshakeRecord, allowed int, window time.Duration) verdict {
	if len(after) <= allowed {
		return v(OK, "not retried (%d attempts in %v)", len(after), window)
	}
	retries := len(after) - allowed
	if rate := float64(retries) / window.Seconds(); rate > hotLoopRate {
		return v(Failed, "retried %d times in %v (%.0f/s): hot loop", retries, window, rate)
	}
	return v(NonStrict, "retried %d times in %v", retries, window)
}

// gradeRetryAfter: the attempt after a 503 with Retry-After must wait it out.
func gradeRetryAfter(hs []faultserver.HandshakeRecord, fault time.Time, retryAfter time.Duration) verdict {
	after := attemptsAfter(hs, fault)
	var rej int = -1
	for i, h := range after {
		if h.Status == 503 {
			rej = i
			break
		}
	}
	if rej < 0 {
		return v(Failed, "no attempt reached the 503 (%d attempts)", len(after))
	}
	if rej+1 >= len(after) {
		return v(Failed, "never retried after the 503")
	}
	gap := after[rej+1].Time.Sub(after[rej].Time)
	const slack = 50 * time.Millisecond // the header is whole seconds, rounded up by the server
	if gap >= retryAfter-slack {
		return v(OK, "waited %v for Retry-After %v", gap.Round(time.Millisecond), retryAfter)
	}
	return v(NonStrict, "retried after %v, Retry-After was %v", gap.Round(time.Millisecond), retryAfter)
}

// gradeHotLoop grades the attempts against an accept-then-close server: a
// connection that dies at once is not healthy, so the delays must keep
// growing past the initial one. A client that resets its backoff on every
// open retries at about the initial delay (NON-STRICT); under 20ms is a hot
// loop (FAILED).
func gradeHotLoop(hs []faultserver.HandshakeRecord, window, initial time.Duration) verdict {
	g := gaps(hs)
	if len(g) < 2 {
		return v(Failed, "%d attempts in %v: the client stopped reconnecting", len(hs), window)
	}
	med := median(g)
	third := max(len(g)/3, 1)
	last := mean(g[len(g)-third:])
	switch {
	case med < 20*time.Millisecond:
		return v(Failed, "hot loop: %d attempts in %v, median gap %v", len(hs), window, med.Round(time.Millisecond))
	case last*2 >= initial*3:
		return v(OK, "backoff keeps growing against accept-then-close: %d attempts, last gaps %v (initial %v)", len(hs),
			last.Round(time.Millisecond), initial)
	default:
		return v(NonStrict, "backoff reset by each accepted connection: %d attempts in %v, last gaps %v (initial %v)", len(hs), window, last.Round(time.Millisecond), initial)
	}
}

// backoffSeries are the attempt gaps of several processes through the same
// rejection window, one slice per process.
type backoffSeries [][]time.Duration

func (b backoffSeries) at(i int) []time.Duration {
	var out []time.Duration
	for _, s := range b {
		if i < len(s) {
			out = append(out, s[i])
		}
	}
	return out
}

func (b backoffSeries) from(i int) []time.Duration {
	var out []time.Duration
	for _, s := range b {
		if i < len(s) {
			out = append(out, s[i:]...)
		}
	}
	return out
}

// gradeGrowth: the mean of delays 4+ is at least 1.5x that of delays 1-2
// (2.67x for factor 2 whether jittered or not; 1x for a fixed delay).
func gradeGrowth(b backoffSeries) verdict {
	early, late := append(b.at(0), b.at(1)...), b.from(3)
	if len(early) == 0 || len(late) == 0 {
		return v(Failed, "too few attempts to judge growth (%d series)", len(b))
	}
	e, l := mean(early), mean(late)
	if 2*l >= 3*e {
		return v(OK, "mean delay grows %v -> %v", e.Round(time.Millisecond), l.Round(time.Millisecond))
	}
	return v(NonStrict, "no exponential growth: mean delay %v -> %v", e.Round(time.Millisecond), l.Round(time.Millisecond))
}

// gradeCap: no delay exceeds the declared cap by more than 25% plus slack.
func gradeCap(b backoffSeries, capD time.Duration, declared bool) verdict {
	all := b.from(0)
	if len(all) == 0 {
		return v(Failed, "no delays observed")
	}
	worst := slices.Max(all)
	limit := capD + capD/4 + 100*time.Millisecond
	switch {
	case !declared:
		return v(Informational, "longest delay %v (backoff not configurable)", worst.Round(time.Millisecond))
	case worst <= limit:
		return v(OK, "longest delay %v within cap %v", worst.Round(time.Millisecond), capD)
	}
	return v(Failed, "delay %v exceeds cap %v", worst.Round(time.Millisecond), capD)
}

// gradeJitter: the coefficient of variation of the delays at each attempt
// index, across processes, must exceed 0.12: proportional +-25% jitter gives
// 0.14, full jitter 0.58, and scheduling noise on a fixed 100ms delay up to
// about 0.08 on a loaded machine.
func gradeJitter(b backoffSeries, from int, what string) verdict {
	var cvs []float64
	for i := from; i < from+8; i++ {
		d := b.at(i)
		switch {
		case len(d) < 3:
		case mean(d) < 15*time.Millisecond:
			cvs = append(cvs, 0) // immediate: scheduling noise, not jitter
		default:
			cvs = append(cvs, cv(d))
		}
	}
	if len(cvs) == 0 {
		return v(Failed, "too few attempts to judge %s", what)
	}
	m := stat.Mean(cvs, nil)
	if m > 0.12 {
		return v(OK, "%s: delays spread (mean CV %.2f)", what, m)
	}
	return v(NonStrict, "%s: delays identical across clients (mean CV %.3f)", what, m)
}

// ksUniform returns the one-sample Kolmogorov-Smirnov statistic of xs
// against U(0,1) and the critical value at alpha = 0.01.
func ksUniform(xs []float64) (d, crit float64) {
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := float64(len(s))
	for i, x := range s {
		x = math.Min(math.Max(x, 0), 1)
		d = math.Max(d, math.Max(float64(i+1)/n-x, x-float64(i)/n))
	}
	return d, 1.63 / math.Sqrt(n)
}

// gradeKS tests the delays against the declared policy: each delay is
// mapped through the policy's CDF for its attempt, giving U(0,1) if the
// client follows the policy.
func gradeKS(b backoffSeries, p Policy, exact bool) verdict {
	if !exact {
		return v(Unimplemented, "client does not declare it follows the policy exactly")
	}
	var us []float64
	for _, s := range b {
		for i, g := range s {
			us = append(us, p.cdf(i+1, g))
		}
	}
	if len(us) < 10 {
		return v(Failed, "%d delays: too few for a KS test", len(us))
	}
	d, crit := ksUniform(us)
	if d <= crit {
		return v(OK, "KS D=%.3f <= %.3f (n=%d, alpha 0.01) against %s jitter", d, crit, len(us), p.Jitter)
	}
	return v(Failed, "KS D=%.3f > %.3f (n=%d, alpha 0.01): delays do not follow %s jitter", d, crit, len(us), p.Jitter)
}

// cdf is the policy's distribution function for attempt n at delay g.
func (p Policy) cdf(n int, g time.Duration) float64 {
	d := float64(p.InitialMS) * math.Pow(p.Factor, float64(n-1))
	d = math.Min(d, float64(p.MaxMS))
	x := float64(g) / float64(time.Millisecond)
	lo, hi := 0.0, d
	switch p.Jitter {
	case "equal":
		lo = d / 2
	case "proportional":
		lo, hi = d*0.75, d*1.25
	case "none":
		lo, hi = d-5, d+5
	}
	return math.Min(math.Max((x-lo)/(hi-lo), 0), 1)
}

// gradeStorm: N clients dropped at once must not come back together.
func gradeStorm(first []time.Duration, n int) verdict {
	if len(first) < n {
		return v(Failed, "only %d of %d clients reconnected", len(first), n)
	}
	spread := slices.Max(first) - slices.Min(first)
	// Clumped: all n within 15ms, or within 0.4x the median first delay. For
	// full jitter over [0, d) the median is d/2, so that is 0.2d: n uniform
	// draws fall in a range of 0.2 with probability n*0.2^(n-1) - (n-1)*0.2^n,
	// 0.0016 for n=6. A fixed delay spreads only by scheduling noise.
	bound := max(15*time.Millisecond, median(first)*2/5)
	if spread < bound {
		return v(NonStrict, "clumped: %d reconnects within %v of each other (bound %v)", n, spread.Round(time.Millisecond), bound.Round(time.Millisecond))
	}
	return v(OK, "%d reconnects spread over %v (bound %v)", n, spread.Round(time.Millisecond), bound.Round(time.Millisecond))
}

// delivery counts one message's fate.
type delivery struct {
	ID       string
	Refused  bool
	Received int // times the server received it
}

// gradeDelivery: silent loss or duplicates FAILED; honest refusals NON-STRICT.
func gradeDelivery(ds []delivery) verdict {
	var lost, dup, refused, ok int
	for _, d := range ds {
		switch {
		case d.Received > 1:
			dup++
		case d.Received == 1:
			ok++
		case d.Refused:
			refused++
		default:
			lost++
		}
	}
	detail := fmt.Sprintf("%d sent: %d delivered, %d refused with an error, %d silently lost, %d duplicated", len(ds), ok, refused, lost, dup)
	switch {
	case len(ds) == 0:
		return v(Failed, "nothing sent")
	case lost > 0 || dup > 0:
		return v(Failed, "%s", detail)
	case refused > 0:
		return v(NonStrict, "%s", detail)
	}
	return v(OK, "%s", detail)
}

// gradeDetect: a half-open link must be given up within 3 heartbeats plus
// a second of slack.
func gradeDetect(took time.Duration, found bool, hb time.Duration) verdict {
	bound := 3*hb + time.Second
	if !found {
		return v(Failed, "dead connection not detected within %v", bound)
	}
	if took <= bound {
		return v(OK, "dead connection replaced after %v (heartbeat %v)", took.Round(time.Millisecond), hb)
	}
	return v(Failed, "dead connection replaced only after %v (bound %v)", took.Round(time.Millisecond), bound)
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func mean(d []time.Duration) time.Duration {
	var t time.Duration
	for _, x := range d {
		t += x
	}
	return t / time.Duration(len(d))
}

func cv(d []time.Duration) float64 {
	xs := make([]float64, len(d))
	for i, x := range d {
		xs[i] = float64(x)
	}
	m, sd := stat.MeanStdDev(xs, nil)
	if m == 0 {
		return 0
	}
	return sd / m
}
