package harness

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wschaos/wschaos/faultserver"
)

// TestLastIDReadsNewestWithoutTheLog: lastID is the newest event's id, read
// from "newest" on an empty page (not the whole log); a server that does
// not report "newest" gets the old full read.
func TestLastIDReadsNewestWithoutTheLog(t *testing.T) {
	srv, _, adminURL := startAdminTarget(t)
	a, err := NewAdminClient(adminURL, adminTestToken)
	if err != nil {
		t.Fatal(err)
	}
	evs, last, err := a.Events(t.Context(), 0)
	if err != nil || len(evs) == 0 {
		t.Fatalf("Events = %d events, %v; want the listening events", len(evs), err)
	}
	id, ok, err := a.newestID(t.Context())
	if err != nil || !ok || id != last || id != evs[len(evs)-1].ID {
		t.Fatalf("newestID = %d, %v, %v; want %d from the full log", id, ok, err, last)
	}
	if got, err := a.lastID(t.Context()); err != nil || got != last {
		t.Errorf("lastID = %d, %v; want %d", got, err, last)
	}
	_ = srv

	// Negative control: an old server's page has no "newest".
	var paths []string
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("since") == "0" {
			_, _ = w.Write([]byte(`{"events":[{"id":7,"kind":"listening"}],"last":7,"dropped":0}`))
			return
		}
		_, _ = w.Write([]byte(`{"events":[],"last":18446744073709551615,"dropped":0}`))
	}))
	defer old.Close()
	b, err := NewAdminClient(old.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.lastID(t.Context()); err != nil || got != 7 {
		t.Errorf("old server: lastID = %d, %v; want 7 from the full log", got, err)
	}
	if len(paths) != 2 || paths[1] != "/events?since=0" {
		t.Errorf("old server saw %v; want the empty page, then the full log", paths)
	}
}

// TestEventsPageBoundsEachAnswer: limit caps an answer at the oldest N
// events after since, "last" is the last returned, and paging from it
// reaches every event; a bad limit is refused.
func TestEventsPageBoundsEachAnswer(t *testing.T) {
	_, _, adminURL := startAdminTarget(t)
	a, err := NewAdminClient(adminURL, adminTestToken)
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := a.Events(t.Context(), 0)
	if err != nil || len(all) < 2 {
		t.Fatalf("Events = %d, %v; want at least the two listening events", len(all), err)
	}
	var paged []uint64
	for since := uint64(0); len(paged) < len(all); {
		evs, last, err := a.eventsPage(t.Context(), since, 1)
		if err != nil || len(evs) != 1 || last != evs[0].ID {
			t.Fatalf("page after %d: %d events, last %d, %v; want exactly one, last its id", since, len(evs), last, err)
		}
		paged, since = append(paged, evs[0].ID), last
	}
	for i, e := range all {
		if paged[i] != e.ID {
			t.Fatalf("paged ids %v; want %v's", paged, all)
		}
	}
	if _, _, err := a.eventsPage(t.Context(), 0, 0); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("limit=0: %v; want a 400", err)
	}
	// WaitEvent pages too: the second event is found past a first page.
	second := all[1]
	got, err := a.WaitEvent(t.Context(), 0, func(e faultserver.Event) bool { return e.ID == second.ID })
	if err != nil || got.Kind != second.Kind {
		t.Errorf("WaitEvent = %+v, %v; want event %d (%s)", got, err, second.ID, second.Kind)
	}
}
