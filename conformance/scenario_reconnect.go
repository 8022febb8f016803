package conformance

import (
	"fmt"
	"net/http"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// scenarioFunc runs one scenario and grades each of its cases by id.
type scenarioFunc func(e *env) (map[string]verdict, error)

var scenarios = map[string]scenarioFunc{
	"drop":         scenarioDrop,
	"close-1001":   scenarioClose(1001, "1.2"),
	"close-1011":   scenarioClose(1011, "1.3"),
	"close-1012":   scenarioClose(1012, "1.4"),
	"close-1013":   scenarioClose(1013, "1.5"),
	"restart":      scenarioRestart,
	"stall":        scenarioStall,
	"retry-after":  scenarioRetryAfter,
	"hot-loop":     scenarioHotLoop,
	"backoff":      scenarioBackoff,
	"storm":        scenarioStorm,
	"retry-limit":  scenarioRetryLimit,
	"reject-401":   scenarioReject(http.StatusUnauthorized, "5.2"),
	"reject-403":   scenarioReject(http.StatusForbidden, "5.3"),
	"close-1008":   scenarioClose1008,
	"send-down":    scenarioSendDown,
	"loss-restart": scenarioLossRestart,
	"loss-outage":  scenarioLossOutage,
	"blackhole":    scenarioBlackhole,
}

const reconnectBound = 5 * time.Second

// notRetriedWindow is how long 5.2-5.4 watch for retries.
const notRetriedWindow = 3 * time.Second

func (e *env) options() Options {
	return Options{Backoff: e.cfg.Policy, HeartbeatMS: int(DefaultHeartbeat / time.Millisecond),
		HandshakeTimeoutMS: int(DefaultHandshakeTimeout / time.Millisecond)}
}

// one starts one adapter and connects it.
func (e *env) one(opts Options) (*adapter, error) {
	a, err := e.start()
	if err != nil {
		return nil, err
	}
	if err := e.connect(a, "c0", opts); err != nil {
		return nil, err
	}
	return a, nil
}

func scenarioDrop(e *env) (map[string]verdict, error) {
	if _, err := e.one(e.options()); err != nil {
		return nil, err
	}
	t := time.Now()
	if err := e.dropAll(1); err != nil {
		return nil, err
	}
	_, _ = e.waitHandshake(t, reconnectBound, "", upgraded)
	return map[string]verdict{"1.1": gradeReconnect(e.srv.Handshakes(), t, reconnectBound)}, nil
}

func upgraded(h faultserver.HandshakeRecord) bool { return h.Status == http.StatusSwitchingProtocols }

func scenarioClose(code int, id string) scenarioFunc {
	return func(e *env) (map[string]verdict, error) {
		if _, err := e.one(e.options()); err != nil {
			return nil, err
		}
		t := time.Now()
		spec := faultserver.CloseSpec{Code: code, Reason: "conformance", Selector: faultserver.AllConnections}
		if err := e.fault(1, func() (int, error) { return e.srv.CloseConnections(e.ctx, spec) }); err != nil {
			return nil, err
		}
		_, _ = e.waitHandshake(t, reconnectBound, "", upgraded)
		return map[string]verdict{id: gradeReconnect(e.srv.Handshakes(), t, reconnectBound)}, nil
	}
}

func scenarioRestart(e *env) (map[string]verdict, error) {
	if _, err := e.one(e.options()); err != nil {
		return nil, err
	}
	if err := e.srv.Restart(e.ctx, 500*time.Millisecond); err != nil {
		return nil, fmt.Errorf("restart: %w", err)
	}
	t := time.Now() // the listener is back
	_, _ = e.waitHandshake(t, reconnectBound, "", upgraded)
	return map[string]verdict{"1.6": gradeReconnect(e.srv.Handshakes(), t, reconnectBound)}, nil
}

func scenarioStall(e *env) (map[string]verdict, error) {
	a, err := e.one(e.options())
	if err != nil {
		return nil, err
	}
	t := time.Now()
	if err := e.fault(1, func() (int, error) { return e.srv.Stall(faultserver.StallSpec{Selector: faultserver.AllConnections}) }); err != nil {
		return nil, err
	}
	h, err := e.waitHandshake(t, reconnectBound, "", upgraded)
	out := map[string]verdict{"1.7": gradeReconnect(e.srv.Handshakes(), t, reconnectBound)}
	if !a.caps.Heartbeat {
		out["1.8"] = v(Unimplemented, "client declares no heartbeat")
	} else {
		out["1.8"] = gradeDetect(h.Time.Sub(t), err == nil, DefaultHeartbeat)
	}
	return out, nil
}

func scenarioRetryAfter(e *env) (map[string]verdict, error) {
	if _, err := e.one(e.options()); err != nil {
		return nil, err
	}
	if err := e.srv.RejectHandshakes(faultserver.RejectSpec{Count: 1, Status: 503, RetryAfter: time.Second}); err != nil {
		return nil, err
	}
	t := time.Now()
	if err := e.dropAll(1); err != nil {
		return nil, err
	}
	_, _ = e.waitHandshake(t, reconnectBound, "", upgraded)
	return map[string]verdict{"2.1": gradeRetryAfter(e.srv.Handshakes(), t, time.Second)}, nil
}

func scenarioHotLoop(e *env) (map[string]verdict, error) {
	if _, err := e.one(e.options()); err != nil {
		return nil, err
	}
	const window = hotLoopWindow
	e.srv.SetAcceptThenClose(true)
	t := time.Now()
	if err := e.dropAll(1); err != nil {
		return nil, err
	}
	err := e.sleep(window)
	e.srv.SetAcceptThenClose(false)
	if err != nil {
		return nil, err
	}
	hs := attemptsAfter(e.srv.Handshakes(), t)
	var in []faultserver.HandshakeRecord
	for _, h := range hs {
		if h.Time.Sub(t) <= window {
			in = append(in, h)
		}
	}
	return map[string]verdict{"2.2": gradeHotLoop(in, window, time.Duration(e.cfg.Policy.InitialMS)*time.Millisecond)}, nil
}

func scenarioReject(status int, id string) scenarioFunc {
	return func(e *env) (map[string]verdict, error) {
		if _, err := e.one(e.options()); err != nil {
			return nil, err
		}
		const window = notRetriedWindow
		if err := e.srv.RejectHandshakes(faultserver.RejectSpec{Status: status, For: window + time.Second}); err != nil {
			return nil, err
		}
		t := time.Now()
		if err := e.dropAll(1); err != nil {
			return nil, err
		}
		if err := e.sleep(window); err != nil {
			return nil, err
		}
		return map[string]verdict{id: gradeNotRetried(attemptsAfter(e.srv.Handshakes(), t), 1, window)}, nil
	}
}

func scenarioClose1008(e *env) (map[string]verdict, error) {
	if _, err := e.one(e.options()); err != nil {
		return nil, err
	}
	const window = notRetriedWindow
	t := time.Now()
	spec := faultserver.CloseSpec{Code: 1008, Reason: "policy", Selector: faultserver.AllConnections}
	if err := e.fault(1, func() (int, error) { return e.srv.CloseConnections(e.ctx, spec) }); err != nil {
		return nil, err
	}
	if err := e.sleep(window); err != nil {
		return nil, err
	}
	return map[string]verdict{"5.4": gradeNotRetried(attemptsAfter(e.srv.Handshakes(), t), 0, window)}, nil
}

func scenarioRetryLimit(e *env) (map[string]verdict, error) {
	a, err := e.start()
	if err != nil {
		return nil, err
	}
	if !a.caps.RetryLimit {
		return map[string]verdict{"5.1": v(Unimplemented, "client declares no retry limit")}, nil
	}
	opts := e.options()
	opts.MaxRetries = 3
	if err := e.connect(a, "c0", opts); err != nil {
		return nil, err
	}
	const window = 3 * time.Second
	if err := e.srv.RejectHandshakes(faultserver.RejectSpec{Status: 503, For: window + time.Second}); err != nil {
		return nil, err
	}
	t := time.Now()
	if err := e.dropAll(1); err != nil {
		return nil, err
	}
	if err := e.sleep(window); err != nil {
		return nil, err
	}
	n := len(attemptsAfter(e.srv.Handshakes(), t))
	if n <= opts.MaxRetries+1 && n > 0 {
		return map[string]verdict{"5.1": v(OK, "%d attempts with max_retries %d, then stopped", n, opts.MaxRetries)}, nil
	}
	return map[string]verdict{"5.1": v(Failed, "%d attempts in %v with max_retries %d", n, window, opts.MaxRetries)}, nil
}
