package faultserver

import (
	"slices"
	"testing"
)

// TestEventLogDropped: a full log evicts its oldest events and counts them,
// so a reader can tell its view is incomplete. The control is a log that
// never filled: nothing dropped.
func TestEventLogDropped(t *testing.T) {
	l := newEventLog(3)
	for range 2 {
		l.add(Event{Kind: EventForget})
	}
	if evs, dropped, _ := l.since(0); len(evs) != 2 || dropped != 0 {
		t.Fatalf("log of 3 after 2 events: %d events, %d dropped; want 2, 0", len(evs), dropped)
	}
	for range 3 {
		l.add(Event{Kind: EventForget})
	}
	evs, dropped, _ := l.since(0)
	if dropped != 2 || l.droppedCount() != 2 {
		t.Fatalf("dropped %d (droppedCount %d) after 5 events in a log of 3, want 2", dropped, l.droppedCount())
	}
	if ids := eventIDs(evs); len(ids) != 3 || ids[0] != 3 || ids[2] != 5 {
		t.Fatalf("retained IDs %v, want [3 4 5]", ids)
	}
	for _, tc := range []struct {
		id   uint64
		want []uint64
	}{{1, []uint64{3, 4, 5}}, {3, []uint64{4, 5}}, {4, []uint64{5}}, {5, nil}, {99, nil}} {
		evs, _, _ := l.since(tc.id)
		if got := eventIDs(evs); !slices.Equal(got, tc.want) && (len(got) != 0 || len(tc.want) != 0) {
			t.Fatalf("since(%d) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

// TestEventsDroppedReported: Stats.EventsDropped and GET /events "dropped"
// agree with what the bounded log evicted, exactly.
func TestEventsDroppedReported(t *testing.T) {
	check := func(t *testing.T, s *Server, wantRetained int) {
		t.Helper()
		evs := s.Events()
		last := evs[len(evs)-1].ID
		want := last - uint64(wantRetained)
		if len(evs) != wantRetained || evs[0].ID != want+1 {
			t.Fatalf("retained %v, want the last %d of %d", eventIDs(evs), wantRetained, last)
		}
		if got := s.Stats().EventsDropped; got != want {
			t.Fatalf("Stats.EventsDropped = %d, want %d", got, want)
		}
		var body struct {
			Events  []Event `json:"events"`
			Dropped *uint64 `json:"dropped"`
		}
		call(t, newHTTPClient(t), "GET", s.AdminURL()+"/events", "", "", &body)
		if body.Dropped == nil || *body.Dropped != want || len(body.Events) != wantRetained {
			t.Fatalf("GET /events: %d events, dropped %v; want %d, %d", len(body.Events), body.Dropped, wantRetained, want)
		}
		var st Stats
		call(t, newHTTPClient(t), "GET", s.AdminURL()+"/stats", "", "", &st)
		if st.EventsDropped != want {
			t.Fatalf("GET /stats events_dropped = %d, want %d", st.EventsDropped, want)
		}
	}
	t.Run("bounded", func(t *testing.T) {
		s := start(t, Config{EventLogSize: 3})
		for range 5 {
			s.ForgetSessions() // one event each
		}
		check(t, s, 3)
	})
	t.Run("room to spare", func(t *testing.T) {
		s := start(t, Config{})
		for range 5 {
			s.ForgetSessions()
		}
		check(t, s, len(s.Events()))
		if d := s.Stats().EventsDropped; d != 0 {
			t.Fatalf("EventsDropped = %d with room to spare, want 0", d)
		}
	})
}

func eventIDs(evs []Event) []uint64 {
	ids := make([]uint64, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return ids
}
