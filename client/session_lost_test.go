package client

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// TestNoSessionOnLiveConnectionResyncs: the server forgets the session while
// the connection stays up. The next publish is answered with no_session; the
// client resyncs on the same connection (no reconnect), republishes, and the
// subscription carries on: all 40 messages delivered exactly once, in order.
// The old code dropped the error frame: every later publication stayed
// unacked and nothing was delivered.
func TestNoSessionOnLiveConnectionResyncs(t *testing.T) {
	srv := startFault(t, faultserver.Config{})
	ev := &eventCounter{}
	s := dialFault(t, srv.SessionURL(), fastSession(ev))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := s.Attach(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	want := payloads("m", 0, 40)
	for _, p := range want[:20] {
		if _, err := s.PublishAndWait(ctx, "c", []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	got := receiveN(t, ctx, sub, 20)
	oldID := s.SessionID()
	if n := srv.ForgetSessions(); n != 1 {
		t.Fatalf("forgot %d sessions, want 1", n)
	}
	var pubs []*Publication
	for _, p := range want[20:] {
		pub, err := s.Publish(ctx, "c", []byte(p))
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, pub)
	}
	for i, p := range pubs {
		if err := p.Wait(ctx); err != nil {
			t.Fatalf("publication %d after the loss: %v", i, err)
		}
	}
	got = append(got, receiveN(t, ctx, sub, 20)...)
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %q, want %q", got, want)
	}
	st, cst := s.Stats(), s.Client().Stats()
	if st.SessionLosses != 1 || st.Resyncs != 1 || st.Sessions != 2 || cst.Connects != 1 {
		t.Fatalf("losses %d resyncs %d sessions %d connects %d, want 1 1 2 1", st.SessionLosses, st.Resyncs, st.Sessions, cst.Connects)
	}
	if s.SessionID() == oldID {
		t.Fatal("session id unchanged after the resync")
	}
	errs := ev.errors(EventProtocolError)
	if uint64(len(errs)) != st.ServerErrors || len(errs) == 0 {
		t.Fatalf("%d protocol-error events for %d server errors", len(errs), st.ServerErrors)
	}
	for _, err := range errs {
		var se *ServerError
		if !errors.Is(err, ErrSessionLost) || !errors.As(err, &se) || se.Code != "no_session" {
			t.Fatalf("protocol error %v is not a no_session ServerError", err)
		}
	}
	if n := ev.count(EventResynced); n != 1 {
		t.Fatalf("%d resynced events, want 1", n)
	}
}
