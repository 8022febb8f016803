package faultserver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// call sends an admin request and decodes the JSON answer into out (if non-nil).
func call(t *testing.T, hc *http.Client, method, url, token, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: content type %q", method, url, ct)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

func TestAdminEndpoints(t *testing.T) {
	s := start(t, Config{Seed: 1})
	hc, base := newHTTPClient(t), s.AdminURL()
	a := dial(t, s.SessionURL())
	wa := a.hello()
	dial(t, s.EchoURL())
	waitConnected(t, s, 2)

	var ok map[string]bool
	if st := call(t, hc, "GET", base+"/healthz", "", "", &ok); st != 200 || !ok["ok"] {
		t.Fatalf("healthz %d %v", st, ok)
	}
	var stats Stats
	if st := call(t, hc, "GET", base+"/stats", "", "", &stats); st != 200 || stats.Connections != 2 || stats.Sessions != 1 {
		t.Fatalf("stats %d %+v", st, stats)
	}
	var sessions []SessionInfo
	if st := call(t, hc, "GET", base+"/sessions", "", "", &sessions); st != 200 || len(sessions) != 1 || sessions[0].ID != wa.Session {
		t.Fatalf("sessions %d %+v", st, sessions)
	}

	var aff affected
	steps := []struct {
		path, body string
		want       int
		affected   int
	}{
		{"/faults/reject", `{"count":1,"status":503,"retry_after":"2s"}`, 200, -1},
		{"/faults/delay", `{"delay":"10ms","count":1}`, 200, -1},
		{"/faults/lossy", `{"drop_every":2}`, 200, -1},
		{"/faults/stall", `{"sessions":["` + wa.Session + `"],"for":"1h"}`, 200, 1},
	}
	for _, st := range steps {
		aff = affected{-1}
		if code := call(t, hc, "POST", base+st.path, "", st.body, &aff); code != st.want || (st.affected >= 0 && aff.Affected != st.affected) {
			t.Fatalf("POST %s %s: %d %+v", st.path, st.body, code, aff)
		}
	}
	var active map[string]any
	call(t, hc, "GET", base+"/faults", "", "", &active)
	if len(active) != 4 {
		t.Fatalf("active faults %v", active)
	}
	if code := call(t, hc, "DELETE", base+"/faults/stall", "", "", nil); code != 200 {
		t.Fatalf("DELETE /faults/stall %d", code)
	}
	if code := call(t, hc, "DELETE", base+"/faults", "", "", nil); code != 200 {
		t.Fatal(code)
	}
	active = nil
	if call(t, hc, "GET", base+"/faults", "", "", &active); len(active) != 0 {
		t.Fatalf("active after DELETE /faults: %v", active)
	}

	if code := call(t, hc, "POST", base+"/faults/close", "", `{"code":4001,"reason":"bye","fraction":0.5}`, &aff); code != 200 || aff.Affected != 1 {
		t.Fatalf("close %d %+v", code, aff)
	}
	if code := call(t, hc, "POST", base+"/faults/drop", "", `{"all":true}`, &aff); code != 200 || aff.Affected != 1 {
		t.Fatalf("drop %d %+v", code, aff)
	}
	if code := call(t, hc, "POST", base+"/faults/forget", "", `{}`, &aff); code != 200 || aff.Affected != 1 {
		t.Fatalf("forget %d %+v", code, aff)
	}
	var acc accepted
	if code := call(t, hc, "POST", base+"/faults/restart", "", `{"down":"50ms"}`, &acc); code != 202 || !acc.Accepted {
		t.Fatalf("restart %d %+v", code, acc)
	}
	waitEvent(t, s, 0, EventRestartUp)

	var evs struct {
		Events []Event `json:"events"`
		Last   uint64  `json:"last"`
	}
	call(t, hc, "GET", base+"/events", "", "", &evs)
	if len(evs.Events) == 0 || evs.Last != evs.Events[len(evs.Events)-1].ID {
		t.Fatalf("events %+v", evs)
	}
	mid := evs.Events[len(evs.Events)/2].ID
	call(t, hc, "GET", base+"/events?since="+itoa(mid), "", "", &evs)
	if len(evs.Events) == 0 || evs.Events[0].ID != mid+1 {
		t.Fatalf("events since %d start at %+v", mid, evs.Events[0])
	}
	for _, k := range []EventKind{EventFault, EventClose, EventDrop, EventForget, EventRestartDown, EventRestartUp} {
		if s.CountEvents(k) == 0 {
			t.Errorf("no %s event after the admin calls", k)
		}
	}
}

func itoa(n uint64) string { b, _ := json.Marshal(n); return string(b) }

func TestAdminRejectsBadRequests(t *testing.T) {
	s := start(t, Config{})
	hc, base := newHTTPClient(t), s.AdminURL()
	cases := []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"POST", "/faults/drop", `{"fraction":0.5,"bogus":1}`, 400, `unknown field "bogus"`},
		{"POST", "/faults/drop", `{"fraction":`, 400, "bad request body"},
		{"POST", "/faults/drop", `{} {}`, 400, "trailing data"},
		{"POST", "/faults/drop", `{"all":true,"fraction":0.5}`, 400, "at most one"},
		{"POST", "/faults/reject", `{"retry_after":2}`, 400, "duration must be a string"},
		{"POST", "/faults/reject", `{"retry_after":"soon"}`, 400, "invalid duration"},
		{"POST", "/faults/reject", `{"status":302}`, 400, "outside 400-599"},
		{"POST", "/faults/close", `{"code":1006}`, 400, "cannot be sent"},
		{"POST", "/faults/delay", `{}`, 400, "delay must be positive"},
		{"POST", "/faults/nope", `{}`, 404, "unknown fault"},
		{"DELETE", "/faults/drop", ``, 404, "unknown fault"},
		{"GET", "/events?since=x", ``, 400, "event id"},
	}
	for _, c := range cases {
		var body errorBody
		if code := call(t, hc, c.method, base+c.path, "", c.body, &body); code != c.status || !strings.Contains(body.Error, c.msg) {
			t.Errorf("%s %s %s: %d %q, want %d containing %q", c.method, c.path, c.body, code, body.Error, c.status, c.msg)
		}
	}
	if got := len(s.ActiveFaults()); got != 0 {
		t.Fatalf("a bad request left faults active: %v", s.ActiveFaults())
	}
}

func TestAdminTokenEnforced(t *testing.T) {
	const token = "s3cret"
	s := start(t, Config{AdminToken: token})
	hc, base := newHTTPClient(t), s.AdminURL()
	if code := call(t, hc, "GET", base+"/healthz", "", "", nil); code != 200 {
		t.Fatalf("healthz without token %d, want 200", code)
	}
	for _, tok := range []string{"", "wrong", token + "x"} {
		if code := call(t, hc, "GET", base+"/stats", tok, "", nil); code != 401 {
			t.Fatalf("token %q: %d, want 401", tok, code)
		}
		if code := call(t, hc, "POST", base+"/faults/forget", tok, "{}", nil); code != 401 {
			t.Fatalf("token %q forget: %d, want 401", tok, code)
		}
	}
	if code := call(t, hc, "GET", base+"/stats", token, "", nil); code != 200 {
		t.Fatalf("right token: %d", code)
	}
	if got := s.CountEvents(EventForget); got != 0 {
		t.Fatalf("unauthorised forget ran %d times", got)
	}
}

func TestAdminOffLoopbackNeedsToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "example.com:0", "10.1.2.3:9"} {
		if _, err := New(Config{AdminAddr: addr}); !errors.Is(err, ErrAdminTokenRequired) {
			t.Errorf("AdminAddr %q without token: %v, want ErrAdminTokenRequired", addr, err)
		}
		if _, err := New(Config{AdminAddr: addr, AdminToken: "t"}); err != nil {
			t.Errorf("AdminAddr %q with token: %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0", "127.3.4.5:0"} {
		if _, err := New(Config{AdminAddr: addr}); err != nil {
			t.Errorf("loopback %q: %v", addr, err)
		}
	}
	if _, err := New(Config{HistorySize: -1}); !errors.As(err, new(*ConfigError)) {
		t.Errorf("negative history: %v", err)
	}
}

func TestCloseIsIdempotentAndStopsEverything(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(t.Context(), time.Millisecond); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Restart before Start: %v", err)
	}
	must(t, s.Start(t.Context()))
	a := dial(t, s.SessionURL())
	a.hello()
	must(t, s.DelayHandshakes(DelaySpec{Delay: time.Hour}))
	go func() { // a handshake stuck in its delay must not hold Close up
		ws, resp, err := websocketDial(s.SessionURL())
		if err == nil {
			ws.Close()
		}
		if resp != nil {
			resp.Body.Close()
		}
	}()
	waitEvent(t, s, 0, EventHandshakeDelayed)
	must(t, s.Close(t.Context()))
	must(t, s.Close(t.Context()))
	if err := s.Start(t.Context()); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
	if err := a.readErr(); err == nil {
		t.Fatal("connection survived Close")
	}
}
