package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness/fault"
)

// serverEnv is a fault.Env with a fault server and no proxy.
type serverEnv struct{ srv *faultserver.Server }

func (serverEnv) AddToxic(context.Context, string, fault.Stream, float32, map[string]any) (fault.Undo, error) {
	return nil, errors.New("no proxy")
}
func (serverEnv) SetProxyEnabled(context.Context, bool) error { return errors.New("no proxy") }
func (e serverEnv) Server() *faultserver.Server               { return e.srv }

// TestRejectRulesMatchFaultServer pins fault.Reject's rules, as a timeline
// step applies them (attributes plus the step's duration), to the fault
// server's own reject rules through its Go API and its admin API: over a
// grid of status, retry-after, count and duration, the harness accepts
// exactly what the server accepts, except for two deliberate, pinned
// differences where the harness is stricter (status 0, which the server
// turns into 503, and count 0 with no duration, which the server keeps until
// cleared). What the harness applies is what the server reports active, and
// a handshake then gets the status and Retry-After asked for.
func TestRejectRulesMatchFaultServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, err := startFaultServer(ctx, faultserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Close(context.Background()) }()
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	defer hc.CloseIdleConnections()

	statuses := []int{-1, 0, 200, 399, 400, 429, 503, 599, 600}
	durations := []time.Duration{-time.Second, 0, 1500 * time.Millisecond}
	counts := []int{-1, 0, 3}
	var agreed, stricter int
	for _, status := range statuses {
		for _, ra := range durations {
			for _, count := range counts {
				for _, d := range durations {
					f := fault.Reject{Status: status, RetryAfter: fault.Duration(ra), Count: count}
					name := fmt.Sprintf("status=%d retry_after=%v count=%d for=%v", status, ra, count, d)
					ours := Timeline{{Duration: Duration(d), Fault: f}}.Validate() == nil
					goErr := srv.RejectHandshakes(faultserver.RejectSpec{Count: count, For: d, Status: status, RetryAfter: ra})
					srv.ClearFaults()
					theirs := goErr == nil
					if admin := adminReject(ctx, t, hc, srv.AdminURL(), status, ra, count, d); admin != theirs {
						t.Fatalf("%s: admin API accepts=%v, Go API accepts=%v (%v)", name, admin, theirs, goErr)
					}
					if !ours && theirs && (status == 0 || (count == 0 && d == 0)) {
						stricter++ // by design, pinned by the count below
						continue
					}
					if ours != theirs {
						t.Fatalf("%s: harness accepts=%v, fault server accepts=%v (%v)", name, ours, theirs, goErr)
					}
					if ours {
						agreed++
						checkApplied(ctx, t, srv, f, d)
					}
				}
			}
		}
	}
	// Exact counts, so a grid that stopped exercising a case fails: valid
	// statuses 400, 429, 503, 599; retry-after 0 or 1.5s; then (count 0,
	// for 1.5s), (count 3, for 0), (count 3, for 1.5s).
	if agreed != 4*2*3 {
		t.Errorf("accepted by both: %d, want 24", agreed)
	}
	// The server also takes status 0 (8 cases) and count 0 with no
	// duration (8 more); the harness refuses both.
	if stricter != 16 {
		t.Errorf("accepted by the server only: %d, want 16", stricter)
	}

	// A handshake meets what the harness applied: status and Retry-After
	// in whole seconds, rounded up, for exactly count handshakes.
	f := fault.Reject{Status: 429, RetryAfter: fault.Duration(1500 * time.Millisecond), Count: 2}
	undo, err := f.Apply(ctx, serverEnv{srv}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = undo(context.Background()) }()
	url := srv.URL() + faultserver.EchoPath
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	for i := range 3 {
		c, resp, err := d.DialContext(ctx, url, nil)
		if i < 2 {
			if err == nil || resp == nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
				t.Fatalf("handshake %d: err=%v resp=%v, want 429 with Retry-After 2", i, err, resp)
			}
			continue
		}
		if err != nil {
			t.Fatalf("handshake %d after the count: %v", i, err)
		}
		_ = c.Close()
	}
}

// adminReject posts a reject fault to the admin API, reports whether it was
// accepted and clears it.
func adminReject(ctx context.Context, t *testing.T, hc *http.Client, base string, status int, ra time.Duration, count int, d time.Duration) bool {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"status": status, "retry_after": ra.String(), "count": count, "for": d.String()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/faults/reject", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	del, _ := http.NewRequestWithContext(ctx, http.MethodDelete, base+"/faults", nil)
	if r, err := hc.Do(del); err != nil {
		t.Fatal(err)
	} else {
		_ = r.Body.Close()
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusBadRequest:
		return false
	}
	t.Fatalf("admin reject %s: status %d", body, resp.StatusCode)
	return false
}

// checkApplied applies f for d through the harness's fault and checks the
// fault server reports the same reject active, then undoes it.
func checkApplied(ctx context.Context, t *testing.T, srv *faultserver.Server, f fault.Reject, d time.Duration) {
	t.Helper()
	undo, err := f.Apply(ctx, serverEnv{srv}, d)
	if err != nil {
		t.Fatalf("%v for %v: apply: %v", f, d, err)
	}
	got, ok := srv.ActiveFaults()["reject"].(map[string]any)
	if !ok || got["status"] != f.Status || got["remaining"] != f.Count ||
		got["retry_after"] != faultserver.Duration(f.RetryAfter.D()) || (d > 0) == got["until"].(time.Time).IsZero() {
		t.Fatalf("%v for %v: server reports %v", f, d, got)
	}
	if err := undo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.ActiveFaults()["reject"]; ok {
		t.Fatalf("%v: still active after undo", f)
	}
}
