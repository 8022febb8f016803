package faultserver

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Admin API routes (JSON in and out; durations are Go duration strings):
//
//	GET    /healthz           {"ok":true}; needs no token
//	GET    /stats             Stats
//	GET    /sessions          []SessionInfo
//	GET    /events[?since=ID] {"events":[Event...],"last":ID,"dropped":n,"newest":ID}
//	                          (dropped: oldest events evicted from the bounded
//	                          log, IDs 1..n; since < n means some were missed;
//	                          newest: the newest event's id, 0 before any, so
//	                          since=18446744073709551615 reads it cheaply;
//	                          &limit=N returns at most the N oldest of them,
//	                          "last" the id of the last one returned)
//	GET    /faults            lasting faults that are active, by name
//	POST   /faults/drop       Selector                         -> {"affected":n}
//	POST   /faults/close      {"code":1012,"reason":"deploy"} + Selector -> {"affected":n}
//	POST   /faults/reject     {"count":3,"for":"10s","status":503,"retry_after":"2s"}
//	POST   /faults/delay_handshake {"delay":"500ms","count":2,"for":"5s"}
//	POST   /faults/stall      {"for":"5s"} + Selector          -> {"affected":n}
//	POST   /faults/forget_sessions {}                          -> {"affected":sessions}
//	POST   /faults/restart    {"down":"2s"}                    -> 202 {"accepted":true,"down":"2s"}
//	POST   /faults/lossy      {"drop_every":3,"skip_every":0,"channel":"c","limit":0}
//	DELETE /faults            clear every lasting fault
//	DELETE /faults/{name}     clear one (reject, delay_handshake, stall, lossy)
//
// The old names "delay" and "forget" are aliases of delay_handshake and
// forget_sessions, accepted on every route; responses, events and GET
// /faults use the canonical names.
//
// A Selector is {"all":true}, {"sessions":["id",...]} or {"fraction":0.5};
// none of them means all. Unknown fields and malformed bodies get 400 with
// {"error":"..."}; a missing or wrong bearer token gets 401.

// maxAdminBody bounds admin request bodies.
const maxAdminBody = 1 << 20

// adminTimeout bounds a fault applied through the admin API.
const adminTimeout = 10 * time.Second

func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.Handle("GET /stats", s.auth(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Stats())
	}))
	mux.Handle("GET /sessions", s.auth(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Sessions())
	}))
	mux.Handle("GET /events", s.auth(s.adminEvents))
	mux.Handle("GET /faults", s.auth(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.ActiveFaults())
	}))
	mux.Handle("POST /faults/{name}", s.auth(s.adminApply))
	mux.Handle("DELETE /faults", s.auth(func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		writeJSON(w, http.StatusOK, map[string]bool{"cleared": true})
	}))
	mux.Handle("DELETE /faults/{name}", s.auth(func(w http.ResponseWriter, r *http.Request) {
		if err := s.ClearFault(r.PathValue("name")); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"cleared": true})
	}))
	return mux
}

// auth enforces the bearer token when one is configured.
func (s *Server) auth(h http.HandlerFunc) http.Handler {
	if s.cfg.AdminToken == "" {
		return h
	}
	want := []byte("Bearer " + s.cfg.AdminToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wschaos"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{"missing or wrong bearer token"})
			return
		}
		h(w, r)
	})
}

func (s *Server) adminEvents(w http.ResponseWriter, r *http.Request) {
	var since uint64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("since=%q: want an event id (unsigned integer)", v)})
			return
		}
		since = n
	}
	limit := -1
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("limit=%q: want a positive number of events", v)})
			return
		}
		limit = n
	}
	evs, dropped, _ := s.events.since(since)
	if limit > 0 && len(evs) > limit {
		evs = evs[:limit]
	}
	newest := s.events.newest()
	last := since
	if len(evs) > 0 {
		last = evs[len(evs)-1].ID
	}
	writeJSON(w, http.StatusOK, struct {
		Events  []Event `json:"events"`
		Last    uint64  `json:"last"`
		Dropped uint64  `json:"dropped"`
		Newest  uint64  `json:"newest"`
	}{evs, last, dropped, newest})
}

func (s *Server) adminApply(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	k, ok := lookupFault(name)
	if !ok {
		writeError(w, fmt.Errorf("%w %q", ErrUnknownFault, name))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		writeError(w, &RequestError{Err: err})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), adminTimeout)
	defer cancel()
	res, err := k.apply(ctx, s, body)
	if err != nil {
		writeError(w, err)
		return
	}
	status := http.StatusOK
	if _, async := res.(accepted); async {
		status = http.StatusAccepted
	}
	if res == nil {
		res = map[string]bool{"ok": true}
	}
	writeJSON(w, status, res)
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var reqErr *RequestError
	var specErr *SpecError
	switch {
	case errors.As(err, &reqErr), errors.As(err, &specErr):
		status = http.StatusBadRequest
	case errors.Is(err, ErrUnknownFault):
		status = http.StatusNotFound
	case errors.Is(err, ErrRestartInProgress):
		status = http.StatusConflict
	case errors.Is(err, ErrServerClosed), errors.Is(err, ErrNotRunning):
		status = http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
	}
	writeJSON(w, status, errorBody{err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
