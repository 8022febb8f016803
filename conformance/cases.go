package conformance

import (
	"time"
)

// Case is one numbered conformance case.
type Case struct {
	ID       string `json:"id"`
	Desc     string `json:"description"`
	Checks   string `json:"checks"`
	Grading  string `json:"grading"`
	scenario string // cases of one scenario share one run of it
}

// DefaultPolicy is the backoff every adapter is asked to use: short, so a
// full run stays quick.
var DefaultPolicy = Policy{InitialMS: 100, MaxMS: 400, Factor: 2, Jitter: "full"}

// DefaultHeartbeat is the heartbeat adapters are asked to use.
const DefaultHeartbeat = 250 * time.Millisecond

// DefaultHandshakeTimeout is the dial bound adapters are asked to use: a
// handshake sent into a blackhole is never answered.
const DefaultHandshakeTimeout = 2 * time.Second

const (
	// stormSize adapter processes are dropped at once in the storm: enough
	// for a clumping test with power (16 fixed-delay clients are clumped at
	// p < 1e-5), few enough for 16 Node processes on 2 cores.
	stormSize = 16
	// backoffSize processes go through backoffWindow of 503s, asked for the
	// policy's delays times backoffScale: 200ms..800ms by default, long
	// against scheduling noise (a fixed 100ms delay spread past the jitter
	// bound under load), with 8 or more delays each.
	backoffSize   = 4
	backoffScale  = 2
	backoffWindow = 6 * time.Second
)

// scaled is p with its delays multiplied by k.
func (p Policy) scaled(k int) Policy {
	p.InitialMS *= k
	p.MaxMS *= k
	return p
}

// StormPolicy is the backoff the storm asks for: a first delay long
// against this machine's scheduling noise, so a fixed delay is told from a
// jittered one whatever the load.
// A fifth of 2s is 400ms: 16 clients dialling together on 2 loaded cores
// spread over up to 300ms by CPU alone (a fixed 1s delay looked jittered,
// 13 of 16 within 204ms, in one run).
var StormPolicy = Policy{InitialMS: 2000, MaxMS: 4000, Factor: 2, Jitter: "full"}

const deliveryGrading = "FAILED: a message silently lost outside the in-flight window (500ms before the fault to the link's return), or in flight unless the client declares at-most-once, or duplicated unless it declares at-least-once; NON-STRICT: declares at-most-once or at-least-once, or refused sends with an error; OK: all delivered exactly once"

// Cases lists every case in the order reports show them.
var Cases = []Case{
	{"1.1", "reconnect after an abrupt drop", "the server drops the TCP connection without a close frame", "OK: a new upgrade within 5s; FAILED otherwise", "drop"},
	{"1.2", "reconnect after close 1001 (going away)", "the server sends close 1001", "OK: reconnected within 5s; FAILED otherwise", "close-1001"},
	{"1.3", "reconnect after close 1011 (internal error)", "the server sends close 1011", "as 1.2", "close-1011"},
	{"1.4", "reconnect after close 1012 (service restart)", "the server sends close 1012", "as 1.2", "close-1012"},
	{"1.5", "reconnect after close 1013 (try again later)", "the server sends close 1013", "as 1.2", "close-1013"},
	{"1.6", "reconnect after a server restart", "the listener is down 500ms, then back on the same port", "OK: reconnected within 5s of the listener's return; FAILED otherwise", "restart"},
	{"1.7", "reconnect after a half-open connection", "the server stops reading, writing and answering pings", "OK: a new upgrade within 5s; FAILED otherwise", "stall"},
	{"1.8", "dead-connection detection time", "time from the stall to the client's new upgrade, with heartbeat 250ms", "OK: within 3 heartbeats + 1s; FAILED later; UNIMPLEMENTED without heartbeat", "stall"},
	{"1.9", "reconnect after a blackhole outage", "for 1.5s an embedded Toxiproxy drops every byte both ways (timeout toxic, timeout 0): no RST, no FIN, dials hang", "OK: a new upgrade within 5s of the link's return; FAILED otherwise; UNIMPLEMENTED without heartbeat", "blackhole"},
	{"2.1", "503 with Retry-After honoured", "the first reconnect is answered 503 with Retry-After: 1", "OK: next attempt >= 1s later; NON-STRICT earlier; FAILED if never retried", "retry-after"},
	{"2.2", "accept-then-close hot loop", "for 4s every handshake is upgraded and the TCP connection closed at once", "OK: upper quartile of the gaps past the third >= 1.5x the initial delay; NON-STRICT: backoff reset on each open; FAILED: median gap < 20ms", "hot-loop"},
	{"3.1", "backoff growth", "4 clients asked for 200ms..800ms through 6s of 503s: mean of delays 1-2 (from the drop) vs delays 4+", "OK: grows >= 1.5x; NON-STRICT: less", "backoff"},
	{"3.2", "backoff cap", "the median of delays 4+ (which should sit at the cap) against the declared cap 800ms", "OK: <= 1.5x cap + 200ms; FAILED above; INFORMATIONAL if not configurable", "backoff"},
	{"3.3", "jitter present", "relative spread (median absolute deviation / median) of the same attempt's delay across 4 clients", "OK: median over attempts > 0.15 (full jitter gives 0.5; +-25% proportional, 0.125, is within this machine's noise); NON-STRICT: less", "backoff"},
	{"3.4", "delays still spread once capped", "as 3.3, from the 4th delay on (past the cap)", "as 3.3", "backoff"},
	{"3.5", "delays follow the declared policy", "one-sample KS test of the delays mapped through the policy's CDF", "OK: D <= 1.63/sqrt(n) (alpha 0.01); FAILED above; UNIMPLEMENTED unless the client declares exact_policy", "backoff"},
	{"3.6", "first delay jittered", "16 clients dropped at once, asked for a 2s initial delay: relative spread of their first delays, each from the client's own drop report to its next attempt", "OK: MAD/median > 0.1; NON-STRICT: less", "storm"},
	{"4.1", "storm: reconnects not clumped", "16 clients dropped at once: the most first delays within any window of a fifth of their median, against chance", "OK: that many is not improbable (p >= 0.001, Monte Carlo, seeded) for independent delays with the least jitter 3.3 accepts (+-25%); NON-STRICT: clumped or immediate", "storm"},
	{"5.1", "retry limit honoured", "max_retries 3 while every handshake is answered 503", "OK: <= 4 attempts; FAILED more; UNIMPLEMENTED without retry_limit", "retry-limit"},
	{"5.2", "401 not retried", "reconnects answered 401 for 3s", "OK: 1 attempt; NON-STRICT: retried; FAILED: > 20/s in any 500ms", "reject-401"},
	{"5.3", "403 not retried", "reconnects answered 403 for 2s", "as 5.2", "reject-403"},
	{"5.4", "close 1008 not retried", "the server sends close 1008 (policy violation)", "OK: no reconnect in 3s; NON-STRICT: reconnected; FAILED: > 20/s in any 500ms", "close-1008"},
	{"6.1", "sends while disconnected", "5 messages sent while the server is down 1.5s", "OK: all delivered once; NON-STRICT: refused with an error; FAILED: silently lost or duplicated (unless at-least-once)", "send-down"},
	{"6.2", "loss and duplicates through a restart", "a message every 2ms for 1.2s through a 500ms restart 600ms in, counted per message", deliveryGrading, "loss-restart"},
	{"6.3", "loss and duplicates through a network outage", "as 6.2 through a 500ms Toxiproxy outage (both sides cut, new connections refused)", deliveryGrading, "loss-outage"},
	{"6.4", "loss and duplicates through a blackhole outage", "as 6.2 through the 1.5s blackhole of 1.9", deliveryGrading, "blackhole"},
}

// CaseByID returns the case with id.
func CaseByID(id string) (Case, bool) {
	for _, c := range Cases {
		if c.ID == id {
			return c, true
		}
	}
	return Case{}, false
}
