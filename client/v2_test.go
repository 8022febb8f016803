package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// v2Server is a scripted v2 server: it records the hello, announces
// limits, refuses the publish whose payload is "too big" with rejected
// (then acks cumulatively as the contract says), and after the attach of
// "c" sends skipped c#1 and then message c#2.
type v2Server struct {
	sc     *scripted
	hello  chan protocol.Hello
	pseqs  chan uint64
	limits protocol.Limits
	acks   chan protocol.DeliverAck
}

func (v *v2Server) handle(ws *websocket.Conn) {
	for {
		m, err := v.sc.read(ws)
		if err != nil {
			return
		}
		switch m := m.(type) {
		case protocol.Hello:
			v.hello <- m
			_ = v.sc.send(ws, protocol.Welcome{Session: "s1", Token: "t1", Limits: v.limits})
		case protocol.Publish:
			v.pseqs <- m.PSeq
			if string(m.Data) == "too big" {
				_ = v.sc.send(ws, protocol.Rejected{Seq: m.Seq, Code: protocol.CodeTooLarge, Message: "over max_frame"})
			}
			_ = v.sc.send(ws, protocol.Ack{Seq: m.Seq})
		case protocol.Attach:
			_ = v.sc.send(ws, protocol.Attached{Channel: m.Channel})
			_ = v.sc.send(ws, protocol.Skipped{Channel: m.Channel, Serial: 1, Size: 5 << 20, Reason: protocol.ReasonTooLarge})
			_ = v.sc.send(ws, protocol.ChannelMessage{Channel: m.Channel, Serial: 2, Data: []byte("ok")})
		case protocol.DeliverAck:
			v.acks <- m
		}
	}
}

// TestV2LimitsRejectedSkipped: the hello carries ReadLimit and a 32-hex
// producer id; the announced MaxFrame makes Publish refuse a payload whose
// publish frame is over it (ErrPayloadTooLarge, never sent); a rejected
// publication fails with a *RejectedError (errors.Is ErrRejected and
// ErrPayloadTooLarge) and is not counted as acked, the next one is acked;
// a skipped serial is not delivered, raises 1 ContinuityLost (1 message),
// counts Unreadable 1, and the deliver_ack covers serial 2.
func TestV2LimitsRejectedSkipped(t *testing.T) {
	v := &v2Server{sc: &scripted{t: t}, hello: make(chan protocol.Hello, 4), pseqs: make(chan uint64, 16),
		acks: make(chan protocol.DeliverAck, 16), limits: protocol.Limits{MaxFrame: 4096, History: 10, Window: 10, DeliverWindow: 10, MaxChannels: 10}}
	srv := startServer(t, "127.0.0.1:0", v.handle)
	ev := &eventCounter{}
	cfg := fastSession(ev)
	cfg.Client.ReadLimit = 1 << 16
	s := dialFault(t, srv.url(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := <-v.hello
	if h.ReadLimit != 1<<16 || len(h.Producer) != 32 {
		t.Fatalf("hello %+v: want read_limit 65536 and a 32-hex producer", h)
	}
	n := 0
	for protocol.PublishFrameLen("x", n+1) <= 4096 {
		n++
	}
	if _, err := s.Publish(ctx, "x", make([]byte, n+1)); !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("publish over max_frame: %v", err)
	}
	p1, err := s.Publish(ctx, "x", []byte("too big"))
	if err != nil {
		t.Fatal(err)
	}
	var re *RejectedError
	if err := p1.Wait(ctx); !errors.Is(err, ErrRejected) || !errors.Is(err, ErrPayloadTooLarge) || !errors.As(err, &re) || re.Code != "too_large" {
		t.Fatalf("rejected publication: %v", err)
	}
	p2, err := s.PublishAndWait(ctx, "x", make([]byte, n))
	if err != nil {
		t.Fatal(err)
	}
	if got := []uint64{<-v.pseqs, <-v.pseqs}; got[0] != p1.ID() || got[1] != p2.ID() || got[0] != 1 || got[1] != 2 {
		t.Fatalf("pseqs %v, want [1 2]", got)
	}
	sub, err := s.Attach(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	d, err := sub.Next(ctx)
	if err != nil || d.Serial != 2 || string(d.Data) != "ok" {
		t.Fatalf("delivery %d %q %v, want 2 ok", d.Serial, d.Data, err)
	}
	// The skip may be acked on its own (1) before the delivery (2); the
	// deliver_acks rise and reach 2.
	for last := uint64(0); last < 2; {
		select {
		case a := <-v.acks:
			if a.Serial <= last || a.Serial > 2 {
				t.Fatalf("deliver_ack %d after %d", a.Serial, last)
			}
			last = a.Serial
		case <-ctx.Done():
			t.Fatal("no deliver_ack for serial 2")
		}
	}
	st := s.Stats()
	if st.Rejected != 1 || st.Acked != 1 || st.Unreadable != 1 || st.ContinuityLosses != 1 || st.LostMessages != 1 || st.Delivered != 1 {
		t.Fatalf("stats %+v", st)
	}
	eventually(t, 5*time.Second, "continuity event", func() bool { return ev.count(EventContinuityLost) == 1 })
	var cl *ContinuityLostError
	if errs := ev.errors(EventContinuityLost); !errors.As(errs[0], &cl) || cl.From != 1 || cl.To != 1 {
		t.Fatalf("continuity lost %v", errs[0])
	}
}
