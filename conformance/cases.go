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

const (
	stormSize   = 6
	backoffSize = 3
)

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
	{"2.1", "503 with Retry-After honoured", "the first reconnect is answered 503 with Retry-After: 1", "OK: next attempt >= 1s later; NON-STRICT earlier; FAILED if never retried", "retry-after"},
	{"2.2", "accept-then-close hot loop", "for 2s every handshake is upgraded and the TCP connection closed at once", "OK: last gaps >= 1.5x the initial delay; NON-STRICT: backoff reset on each open; FAILED: median gap < 20ms", "hot-loop"},
	{"3.1", "backoff growth", "3 clients through 3s of 503s: mean of delays 1-2 vs delays 4+", "OK: grows >= 1.5x; NON-STRICT: less", "backoff"},
	{"3.2", "backoff cap", "the longest delay against the declared cap 400ms", "OK: <= 1.25x cap + 100ms; FAILED above; INFORMATIONAL if not configurable", "backoff"},
	{"3.3", "jitter present", "coefficient of variation of the same attempt's delay across 3 clients", "OK: mean CV > 0.12 (proportional +-25% jitter gives 0.14, full 0.58); NON-STRICT: less", "backoff"},
	{"3.4", "delays still spread once capped", "as 3.3, from the 4th delay on (past the cap)", "as 3.3", "backoff"},
	{"3.5", "delays follow the declared policy", "one-sample KS test of the delays mapped through the policy's CDF", "OK: D <= 1.63/sqrt(n) (alpha 0.01); FAILED above; UNIMPLEMENTED unless the client declares exact_policy", "backoff"},
	{"3.6", "first delay jittered", "6 clients dropped at once: CV of their first reconnect delays", "as 3.3", "storm"},
	{"4.1", "storm: reconnects not clumped", "6 clients dropped at once: spread of their first reconnects", "OK: spread >= max(15ms, 0.4x median first delay) (chance 0.0016 under full jitter); NON-STRICT: clumped", "storm"},
	{"5.1", "retry limit honoured", "max_retries 3 while every handshake is answered 503", "OK: <= 4 attempts; FAILED more; UNIMPLEMENTED without retry_limit", "retry-limit"},
	{"5.2", "401 not retried", "reconnects answered 401 for 2s", "OK: 1 attempt; NON-STRICT: retried; FAILED: > 20/s", "reject-401"},
	{"5.3", "403 not retried", "reconnects answered 403 for 2s", "as 5.2", "reject-403"},
	{"5.4", "close 1008 not retried", "the server sends close 1008 (policy violation)", "OK: no reconnect in 2s; NON-STRICT: reconnected; FAILED: > 20/s", "close-1008"},
	{"6.1", "sends while disconnected", "5 messages sent while the server is down 1.5s", "OK: all delivered; NON-STRICT: refused with an error; FAILED: silently lost or duplicated", "send-down"},
	{"6.2", "loss and duplicates through a restart", "a message every 2ms for 1s through a 500ms restart, counted per message", "as 6.1", "loss-restart"},
	{"6.3", "loss and duplicates through a network outage", "a message every 2ms for 1s through a 500ms Toxiproxy outage (both sides cut, new connections refused)", "as 6.1", "loss-outage"},
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
