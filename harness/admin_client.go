package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// AdminClient drives a `wschaos serve` target's admin API
// (faultserver/admin.go) over HTTP with a bearer token: the remote twin of
// the local *faultserver.Server the fault kinds call directly.
type AdminClient struct {
	base  *url.URL
	token string
	hc    *http.Client
}

// AdminError is a non-2xx answer of the admin API.
type AdminError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *AdminError) Error() string {
	msg := fmt.Sprintf("admin API %s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Status == http.StatusUnauthorized {
		msg += " (check --target-admin-token, $WSCHAOS_ADMIN_TOKEN or --target-admin-token-file)"
	}
	return msg
}

// adminRequestTimeout bounds one admin call; the server bounds the fault
// itself (10s), so a hung target fails a step instead of the run.
const adminRequestTimeout = 15 * time.Second

// NewAdminClient returns a client for the admin API at rawURL (http:// or
// https://, e.g. "http://staging:8081") sending token as a bearer token
// (none when empty).
func NewAdminClient(rawURL, token string) (*AdminClient, error) {
	u, err := url.Parse(strings.TrimRight(rawURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("harness: %w: target admin %q: want an http:// or https:// URL with a host", ErrInvalidPlan, rawURL)
	}
	return &AdminClient{base: u, token: token, hc: &http.Client{Timeout: adminRequestTimeout}}, nil
}

// URL is the admin API's base URL.
func (a *AdminClient) URL() string { return a.base.String() }

// do sends one request; out, if non-nil, receives the JSON answer.
func (a *AdminClient) do(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, fmt.Errorf("harness: admin API %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	u := *a.base
	p, q, _ := strings.Cut(path, "?")
	u.Path, u.RawQuery = a.base.Path+p, q
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, fmt.Errorf("harness: admin API %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("harness: admin API %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("harness: admin API %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var eb struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &eb)
		return resp.StatusCode, &AdminError{Method: method, Path: path, Status: resp.StatusCode, Message: eb.Error}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("harness: admin API %s %s: bad answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// Apply posts a fault (POST /faults/{name}) with body.
func (a *AdminClient) Apply(ctx context.Context, name string, body any) error {
	_, err := a.do(ctx, http.MethodPost, "/faults/"+name, body, nil)
	return err
}

// Clear lifts one lasting fault (DELETE /faults/{name}); a fault that is no
// longer active (it ended by itself) is not an error.
func (a *AdminClient) Clear(ctx context.Context, name string) error {
	status, err := a.do(ctx, http.MethodDelete, "/faults/"+name, nil, nil)
	if status == http.StatusNotFound {
		return nil
	}
	return err
}

// ClearAll lifts every lasting fault (DELETE /faults).
func (a *AdminClient) ClearAll(ctx context.Context) error {
	_, err := a.do(ctx, http.MethodDelete, "/faults", nil, nil)
	return err
}

// Events returns the events after id (GET /events?since=id) and the id of
// the newest one returned (id itself when none).
func (a *AdminClient) Events(ctx context.Context, since uint64) ([]faultserver.Event, uint64, error) {
	var out struct {
		Events []faultserver.Event `json:"events"`
		Last   uint64              `json:"last"`
	}
	if _, err := a.do(ctx, http.MethodGet, "/events?since="+strconv.FormatUint(since, 10), nil, &out); err != nil {
		return nil, since, err
	}
	return out.Events, out.Last, nil
}

// WaitEvent polls the event log after since until match accepts an event
// or ctx ends.
func (a *AdminClient) WaitEvent(ctx context.Context, since uint64, match func(faultserver.Event) bool) (faultserver.Event, error) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		evs, last, err := a.eventsPage(ctx, since, waitPage)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return faultserver.Event{}, err
		}
		for _, e := range evs {
			if match(e) {
				return e, nil
			}
		}
		since = last
		select {
		case <-ctx.Done():
			return faultserver.Event{}, fmt.Errorf("harness: waiting for a fault server event: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// lastID is the id of the newest event; it also proves the token works
// before a run depends on it.
func (a *AdminClient) lastID(ctx context.Context) (uint64, error) {
	if id, ok, err := a.newestID(ctx); err != nil || ok {
		return id, err
	}
	_, last, err := a.Events(ctx, 0) // a server that does not say "newest"
	if err != nil {
		return 0, err
	}
	return last, nil
}
