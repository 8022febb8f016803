package client

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// channelRecreated runs the scenario against a fault server speaking at
// most maxVersion: the subscriber receives serials 1..3 of "a"; the server
// forgets every session, frees the unused channel after SessionTTL, and a
// publisher creates it again with 5 messages (serials 1..5 of a new
// incarnation); the subscriber's connection is dropped, its resume fails,
// and it re-attaches "a" after serial 3. It returns the serials delivered
// after the re-attach and the session's stats.
func channelRecreated(t *testing.T, maxVersion int) ([]uint64, []uint64, SessionStats, *eventCounter) {
	srv := startFault(t, faultserver.Config{SessionTTL: 50 * time.Millisecond, MaxVersion: maxVersion})
	ev := &eventCounter{}
	s := dialFault(t, srv.SessionURL(), fastSession(ev))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sub, err := s.Attach(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	pub := dialFault(t, srv.SessionURL(), fastSession(&eventCounter{}))
	for range 3 {
		if _, err := pub.PublishAndWait(ctx, "a", []byte("old")); err != nil {
			t.Fatal(err)
		}
	}
	var epochs []uint64
	for want := uint64(1); want <= 3; want++ {
		d, err := sub.Next(ctx)
		if err != nil || d.Serial != want {
			t.Fatalf("old %+v %v, want serial %d", d, err, want)
		}
		epochs = append(epochs, d.Epoch)
	}
	id := s.SessionID()
	eventually(t, 10*time.Second, "deliver_ack 3 seen", func() bool { // or it answers no_session after the forget
		for _, info := range srv.Sessions() {
			if info.ID == id && info.Delivered["a"] == 3 {
				return true
			}
		}
		return false
	})
	srv.ForgetSessions()
	eventually(t, 10*time.Second, "channel freed", func() bool { return srv.Stats().Channels == 0 })
	pub2 := dialFault(t, srv.SessionURL(), fastSession(&eventCounter{}))
	for range 5 {
		if _, err := pub2.PublishAndWait(ctx, "a", []byte("new")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.DropConnections(ctx, faultserver.AllConnections); err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for {
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		d, err := sub.Next(short)
		cancel()
		if err != nil {
			break // nothing more within 2s
		}
		got = append(got, d.Serial)
		epochs = append(epochs, d.Epoch)
	}
	return got, epochs, s.Stats(), ev
}

// TestChannelRecreatedUnderNewEpoch: with protocol v3 the re-attach names
// the old epoch, the server replays the new incarnation from serial 1, and
// the client raises exactly one EventContinuityLost with a
// *ChannelResetError (old and new epoch, last serial 3), then delivers
// 1..5 of the new epoch: nothing claimed lost that was not, nothing missed.
// The control, with the server pinned to v2 (no epochs; the client falls
// back to v2), shows what the epoch prevents: after 3 is taken for a
// position in the new numbering, so serials 1..3 of the new incarnation
// are never delivered and nothing says so.
func TestChannelRecreatedUnderNewEpoch(t *testing.T) {
	got, epochs, st, ev := channelRecreated(t, 0)
	if !slices.Equal(got, []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("delivered %v after the reset, want 1..5", got)
	}
	if epochs[0] == 0 || epochs[3] == 0 || epochs[0] == epochs[3] || epochs[3] != epochs[7] {
		t.Fatalf("epochs %v: want the old one on 1..3 and one new one on the rest", epochs)
	}
	var reset *ChannelResetError
	errs := ev.errors(EventContinuityLost)
	if len(errs) != 1 || !errors.As(errs[0], &reset) || reset.LastSerial != 3 || reset.OldEpoch != epochs[0] ||
		reset.NewEpoch != epochs[3] || reset.Oldest != 1 || reset.Head != 5 {
		t.Fatalf("continuity events %v, want one *ChannelResetError{last 3, oldest 1, head 5}", errs)
	}
	if st.ChannelResets != 1 || st.ContinuityLosses != 1 || st.LostMessages != 0 || st.Resyncs != 1 {
		t.Fatalf("stats %+v: want 1 reset, 1 loss event, 0 lost messages, 1 resync", st)
	}

	got, epochs, st, _ = channelRecreated(t, 2)
	if !slices.Equal(got, []uint64{4, 5}) || st.ChannelResets != 0 || epochs[0] != 0 {
		t.Fatalf("control (v2): delivered %v, resets %d, epochs %v; want [4 5], 0, none", got, st.ChannelResets, epochs)
	}
}
