package e2e

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
)

// forgetScenario: the subscriber S receives 50 messages, then is cut off
// (dropped, its handshakes rejected) while the publisher P publishes 100
// more; then the server forgets every session and both reconnect. S's resume
// fails, it starts a new session and re-attaches after serial 50. Returns
// the serials S delivered and its events.
func forgetScenario(t *testing.T, history int) ([]uint64, *eventLog, *client.Session, string) {
	srv := startServer(t, faultserver.Config{HistorySize: history})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	events := &eventLog{}
	s := dial(t, srv.SessionURL(), fastConfig("s", events))
	p := dial(t, srv.SessionURL(), fastConfig("p", nil))
	sub, err := s.Attach(ctx, "news")
	if err != nil {
		t.Fatal(err)
	}
	var serials []uint64
	receive := func(n int) {
		t.Helper()
		for range n {
			d, err := sub.Next(ctx)
			if err != nil {
				t.Fatalf("after %d messages: %v", len(serials), err)
			}
			serials = append(serials, d.Serial)
		}
	}
	publish := func(n int) {
		t.Helper()
		for i := range n {
			if _, err := p.PublishAndWait(ctx, "news", payload("news", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(50)
	receive(50)
	oldID := s.SessionID()

	if err := srv.RejectHandshakes(faultserver.RejectSpec{For: time.Minute, Status: 503}); err != nil {
		t.Fatal(err)
	}
	if n, err := srv.DropConnections(ctx, faultserver.BySession(oldID)); err != nil || n != 1 {
		t.Fatalf("drop S: %d, %v", n, err)
	}
	publish(100)
	if n := srv.ForgetSessions(); n != 2 {
		t.Fatalf("forgot %d sessions, want 2", n)
	}
	if _, err := srv.DropConnections(ctx, faultserver.AllConnections); err != nil {
		t.Fatal(err)
	}
	if err := srv.ClearFault("reject"); err != nil {
		t.Fatal(err)
	}
	return serials, events, s, oldID
}

func TestForgetResyncsWithoutLossWhenHistorySuffices(t *testing.T) {
	serials, events, s, oldID := forgetScenario(t, 1024)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub := s.Subscription("news")
	for len(serials) < 150 {
		d, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("after %d: %v", len(serials), err)
		}
		serials = append(serials, d.Serial)
	}
	for i, got := range serials {
		if got != uint64(i+1) {
			t.Fatalf("delivery %d has serial %d, want %d", i, got, i+1)
		}
	}
	if s.SessionID() == oldID || s.SessionID() == "" {
		t.Fatalf("session id %q after resync, old %q", s.SessionID(), oldID)
	}
	if n := events.count(client.EventResynced); n != 1 {
		t.Fatalf("%d resynced events, want 1", n)
	}
	if n := events.count(client.EventContinuityLost); n != 0 {
		t.Fatalf("%d continuity-lost events, want 0", n)
	}
	if st := s.Stats(); st.Resyncs != 1 || st.Delivered != 150 || st.ContinuityLosses != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestForgetBeyondHistoryRaisesContinuityLost(t *testing.T) {
	serials, events, s, _ := forgetScenario(t, 16)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub := s.Subscription("news")
	for len(serials) < 66 {
		d, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("after %d: %v", len(serials), err)
		}
		serials = append(serials, d.Serial)
	}
	// 1..50 before the cut, then only what the 16-message history holds.
	for i, got := range serials {
		want := uint64(i + 1)
		if i >= 50 {
			want = uint64(135 + i - 50)
		}
		if got != want {
			t.Fatalf("delivery %d has serial %d, want %d", i, got, want)
		}
	}
	waitFor(t, 5*time.Second, "the continuity-lost event", func() bool { return events.count(client.EventContinuityLost) == 1 })
	ev := events.of(client.EventContinuityLost)[0]
	var cl *client.ContinuityLostError
	if !errors.As(ev.Err, &cl) {
		t.Fatalf("event error %v is not *ContinuityLostError", ev.Err)
	}
	if cl.Channel != "news" || cl.From != 51 || cl.To != 134 || cl.Oldest != 135 || ev.Channel != "news" || ev.Serial != 51 {
		t.Fatalf("continuity lost %+v (event channel %q serial %d), want news 51..134 oldest 135", cl, ev.Channel, ev.Serial)
	}
	if st := s.Stats(); st.ContinuityLosses != 1 || st.LostMessages != 84 || st.Delivered != 66 {
		t.Fatalf("stats %+v", st)
	}
	if sub.Buffered() != 0 {
		t.Fatalf("%d unexpected extra messages", sub.Buffered())
	}
}

// TestCloseHandsBackUnacked: publications the server never acked fail on
// Close with ErrClosed and are listed by Unacked; nothing is silent.
func TestCloseHandsBackUnacked(t *testing.T) {
	srv := startServer(t, faultserver.Config{})
	events := &eventLog{}
	s := dial(t, srv.SessionURL(), fastConfig("c", events))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.PublishAndWait(ctx, "x", []byte("first")); err != nil {
		t.Fatal(err)
	}
	// Keep every new connection from coming up, then publish into the void.
	if err := srv.RejectHandshakes(faultserver.RejectSpec{For: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.DropConnections(ctx, faultserver.AllConnections); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the client to notice the drop", func() bool { return s.Client().State() != client.StateConnected })
	var ps []*client.Publication
	for i := range 5 {
		p, err := s.Publish(ctx, "x", payload("x", i))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	un := s.Unacked()
	if len(un) != 5 {
		t.Fatalf("Unacked() has %d, want 5", len(un))
	}
	for i, p := range ps {
		if un[i] != p || p.Status() != client.PublishFailed || !errors.Is(p.Wait(ctx), client.ErrClosed) {
			t.Fatalf("publication %d: status %v, err %v", i, p.Status(), p.Err())
		}
	}
	if _, err := s.Publish(ctx, "x", nil); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("Publish after Close: %v", err)
	}
	if st := s.Stats(); st.Failed != 5 || st.Acked != 1 {
		t.Fatalf("stats %+v", st)
	}
	waitFor(t, 5*time.Second, "the session-ended event", func() bool { return events.count(client.EventSessionEnded) == 1 })
	if ev := events.of(client.EventSessionEnded)[0]; ev.Serial != 5 {
		t.Fatalf("session-ended event reports %d failed, want 5", ev.Serial)
	}
}
