package faultserver

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

func isAbrupt(err error) bool { return websocket.IsCloseError(err, websocket.CloseAbnormalClosure) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), ioWait)
	t.Cleanup(cancel)
	return ctx
}

func TestDropAllConnectionsAbruptly(t *testing.T) {
	s := start(t, Config{})
	peers := []*peer{dial(t, s.SessionURL()), dial(t, s.SessionURL()), dial(t, s.EchoURL())}
	peers[0].hello()
	waitConnected(t, s, 3)
	mark := lastID(s)
	n, err := s.DropConnections(ctxT(t), AllConnections)
	if err != nil || n != 3 {
		t.Fatalf("DropConnections = %d, %v; want 3", n, err)
	}
	for i, p := range peers {
		if err := p.readErr(); !isAbrupt(err) {
			t.Fatalf("peer %d: %v, want abnormal closure (no close frame)", i, err)
		}
	}
	if d, disc := countKind(s, mark, EventDrop), countKind(s, mark, EventDisconnect); d != 3 || disc != 3 {
		t.Fatalf("drop events %d disconnect %d, want 3 and 3", d, disc)
	}
	if st := s.Stats(); st.ConnectionsDropped != 3 || st.Connections != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDropBySessionAndFraction(t *testing.T) {
	s := start(t, Config{Seed: 42})
	a, b := dial(t, s.SessionURL()), dial(t, s.SessionURL())
	wa := a.hello()
	b.hello()
	n, err := s.DropConnections(ctxT(t), BySession(wa.Session))
	if err != nil || n != 1 {
		t.Fatalf("drop by session = %d, %v", n, err)
	}
	if err := a.readErr(); !isAbrupt(err) {
		t.Fatalf("a: %v", err)
	}
	b.publish(1, "c", "still here")

	for range 3 {
		dial(t, s.EchoURL())
	}
	waitConnected(t, s, 4)
	// 4 open connections (b and 3 echo): half is exactly 2.
	if n, err = s.DropConnections(ctxT(t), RandomFraction(0.5)); err != nil || n != 2 {
		t.Fatalf("drop fraction = %d, %v; want 2", n, err)
	}
	if got := s.Stats().Connections; got != 2 {
		t.Fatalf("connections left %d, want 2", got)
	}
	if _, err := s.DropConnections(ctxT(t), Selector{All: true, Fraction: 0.5}); !errors.As(err, new(*SpecError)) {
		t.Fatalf("two selectors: err %v, want *SpecError", err)
	}
	if _, err := s.DropConnections(ctxT(t), RandomFraction(1.5)); !errors.As(err, new(*SpecError)) {
		t.Fatalf("fraction 1.5: err %v, want *SpecError", err)
	}
}

func TestCloseConnectionsWithCode(t *testing.T) {
	s := start(t, Config{})
	a := dial(t, s.SessionURL())
	a.hello()
	mark := lastID(s)
	n, err := s.CloseConnections(ctxT(t), CloseSpec{Code: 1012, Reason: "deploy"})
	if err != nil || n != 1 {
		t.Fatalf("CloseConnections = %d, %v", n, err)
	}
	var ce *websocket.CloseError
	if err := a.readErr(); !errors.As(err, &ce) || ce.Code != 1012 || ce.Text != "deploy" {
		t.Fatalf("client got %v, want close 1012 deploy", err)
	}
	e := waitEvent(t, s, mark, EventClose)
	if e.CloseCode != 1012 || e.Detail != "deploy" {
		t.Fatalf("close event %+v", e)
	}
	if got := countKind(s, mark, EventClose); got != 1 {
		t.Fatalf("close events %d", got)
	}
	for _, code := range []int{999, 1005, 1006, 1015, 5000} {
		if _, err := s.CloseConnections(ctxT(t), CloseSpec{Code: code}); !errors.As(err, new(*SpecError)) {
			t.Fatalf("code %d: err %v, want *SpecError", code, err)
		}
	}
}

// dialStatus dials and returns the HTTP status of a failed handshake (0 on
// success) and the Retry-After header.
func dialStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err == nil {
		ws.Close()
		return 0, ""
	}
	if resp == nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

func TestRejectNextHandshakes(t *testing.T) {
	s := start(t, Config{})
	if err := s.RejectHandshakes(RejectSpec{Count: 2, Status: 503, RetryAfter: 1500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if st, ra := dialStatus(t, s.SessionURL()); st != 503 || ra != "2" {
			t.Fatalf("dial %d: status %d retry-after %q, want 503 and 2", i, st, ra)
		}
	}
	if st, _ := dialStatus(t, s.EchoURL()); st != 0 {
		t.Fatalf("third dial status %d, want success", st)
	}
	if got := s.CountEvents(EventHandshakeRejected); got != 2 {
		t.Fatalf("handshake_rejected events %d, want 2", got)
	}
	if err := s.RejectHandshakes(RejectSpec{Status: 200}); !errors.As(err, new(*SpecError)) {
		t.Fatalf("status 200: %v", err)
	}
}

func TestRejectForDuration(t *testing.T) {
	s := start(t, Config{})
	if err := s.RejectHandshakes(RejectSpec{For: 300 * time.Millisecond, Status: 429}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if st, ra := dialStatus(t, s.SessionURL()); st != 429 || ra != "" {
		t.Fatalf("status %d retry-after %q", st, ra)
	}
	for {
		st, _ := dialStatus(t, s.SessionURL())
		if st == 0 {
			break
		}
		if time.Since(began) > ioWait {
			t.Fatal("still rejecting long after the fault's duration")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if el := time.Since(began); el < 300*time.Millisecond {
		t.Fatalf("accepted after %v, before the 300ms fault ended", el)
	}
}

func TestDelayHandshakes(t *testing.T) {
	s := start(t, Config{})
	const d = 300 * time.Millisecond
	if err := s.DelayHandshakes(DelaySpec{Delay: d, Count: 1}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	dial(t, s.SessionURL())
	if el := time.Since(began); el < d {
		t.Fatalf("delayed handshake took %v, want >= %v", el, d)
	}
	began = time.Now()
	dial(t, s.SessionURL())
	if el := time.Since(began); el >= d {
		t.Fatalf("second handshake took %v; the fault covered only one", el)
	}
	if got := s.CountEvents(EventHandshakeDelayed); got != 1 {
		t.Fatalf("handshake_delayed events %d, want 1", got)
	}
	if err := s.DelayHandshakes(DelaySpec{}); !errors.As(err, new(*SpecError)) {
		t.Fatalf("zero delay: %v", err)
	}
}

func TestStallStopsReadingWritingAndPongs(t *testing.T) {
	s := start(t, Config{})
	a, b := dial(t, s.SessionURL()), dial(t, s.SessionURL())
	wa := a.hello()
	b.hello()
	pongs := make(chan string, 4)
	a.ws.SetPongHandler(func(d string) error { pongs <- d; return nil })

	n, err := s.Stall(StallSpec{Selector: BySession(wa.Session)})
	if err != nil || n != 1 {
		t.Fatalf("Stall = %d, %v", n, err)
	}
	if err := a.ws.WriteControl(websocket.PingMessage, []byte("p1"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	a.send(protocol.Publish{Seq: 1, Channel: "c", Data: []byte("x")})
	// Reading drives the pong handler; nothing at all may arrive.
	a.quiet(300 * time.Millisecond)
	if len(pongs) != 0 {
		t.Fatal("stalled connection answered a ping")
	}
	b.publish(1, "c", "b works") // others are untouched

	if got := s.Unstall(); got != 1 {
		t.Fatalf("Unstall = %d, want 1", got)
	}
	if ack := expect[protocol.Ack](a); ack.Seq != 1 {
		t.Fatalf("ack after unstall %+v", ack)
	}
	if err := a.ws.WriteControl(websocket.PingMessage, []byte("p2"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	a.quiet(200 * time.Millisecond) // drives the pong handler
	if got := len(pongs); got == 0 {
		t.Fatal("no pong after unstall")
	}
	if st, un := s.CountEvents(EventStall), s.CountEvents(EventUnstall); st != 1 || un != 1 {
		t.Fatalf("stall events %d unstall %d, want 1 and 1", st, un)
	}
}

func TestStallForDurationEndsByItself(t *testing.T) {
	s := start(t, Config{})
	a := dial(t, s.SessionURL())
	a.hello()
	began := time.Now()
	if _, err := s.Stall(StallSpec{For: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	a.send(protocol.Publish{Seq: 1, Channel: "c", Data: []byte("x")})
	expect[protocol.Ack](a)
	if el := time.Since(began); el < 200*time.Millisecond {
		t.Fatalf("ack after %v, inside the stall", el)
	}
	waitEvent(t, s, 0, EventUnstall)
}

// TestLaggingSubscriberIsStreamedNotDropped: a subscriber whose queue is
// full (its writer stalled) is not a slow consumer: live messages wait in
// history and reach it in order once it reads again. (Before flow control,
// the 4th publish here dropped it.)
func TestLaggingSubscriberIsStreamedNotDropped(t *testing.T) {
	s := start(t, Config{SendQueue: 2})
	sub, pub := dial(t, s.SessionURL()), dial(t, s.SessionURL())
	ws := sub.hello()
	sub.attach("c", 0)
	pub.hello()
	if _, err := s.Stall(StallSpec{Selector: BySession(ws.Session)}); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 6; seq++ {
		pub.publish(seq, "c", "m")
	}
	s.Unstall()
	if serials, _ := sub.messages(6); !slices.Equal(serials, []uint64{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("serials %v, want 1..6", serials)
	}
	if n := s.CountEvents(EventSlowConsumer); n != 0 {
		t.Fatalf("slow consumer events %d, want 0", n)
	}
}

func TestForgetSessionsMakesResumeFail(t *testing.T) {
	s := start(t, Config{})
	a, b := dial(t, s.SessionURL()), dial(t, s.SessionURL())
	wa := a.hello()
	b.hello()
	if got := s.ForgetSessions(); got != 2 {
		t.Fatalf("ForgetSessions = %d, want 2", got)
	}
	// The live connection lost its session.
	b.send(protocol.Publish{Seq: 1, Channel: "c", Data: []byte("x")})
	if e := expect[protocol.ErrorMessage](b); e.Code != protocol.CodeNoSession {
		t.Fatalf("error %+v, want no_session", e)
	}
	a.ws.Close()
	c := dial(t, s.SessionURL())
	c.send(protocol.Resume{Session: wa.Session, Token: wa.Token})
	expect[protocol.ResumeFailed](c)
	e := waitEvent(t, s, 0, EventForget)
	if e.Count != 2 || s.Stats().Sessions != 0 {
		t.Fatalf("forget event %+v, sessions %d", e, s.Stats().Sessions)
	}
}

func TestRestartComesBackOnSamePort(t *testing.T) {
	s := start(t, Config{})
	addr := s.Addr()
	a := dial(t, s.SessionURL())
	w := a.hello()
	a.publish(1, "c", "before")

	done := make(chan error, 1)
	go func() { done <- s.Restart(context.Background(), 300*time.Millisecond) }()
	if err := a.readErr(); !isAbrupt(err) {
		t.Fatalf("client saw %v, want abrupt drop", err)
	}
	waitEvent(t, s, 0, EventRestartDown)
	if _, _, err := websocket.DefaultDialer.Dial(s.SessionURL(), nil); err == nil {
		t.Fatal("dial succeeded while the listener was down")
	}
	if err := <-done; err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if s.Addr() != addr {
		t.Fatalf("address changed: %s -> %s", addr, s.Addr())
	}
	b := dial(t, s.SessionURL())
	b.send(protocol.Resume{Session: w.Session, Token: w.Token})
	if r := expect[protocol.Resumed](b); r.Acked != 1 {
		t.Fatalf("resumed %+v; sessions must survive a restart", r)
	}
	if d, u := s.CountEvents(EventRestartDown), s.CountEvents(EventRestartUp); d != 1 || u != 1 {
		t.Fatalf("restart events down %d up %d", d, u)
	}
}

func TestLossyDropLosesExactlyEveryNth(t *testing.T) {
	s := start(t, Config{})
	sub, pub := dial(t, s.SessionURL()), dial(t, s.SessionURL())
	sub.hello()
	sub.attach("c", 0)
	pub.hello()
	if err := s.SetLossy(LossySpec{DropEvery: 3}); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 9; seq++ {
		if ack := pub.publish(seq, "c", string(rune('0'+seq))); ack.Seq != seq {
			t.Fatalf("ack %d for %d: lossy mode must still ack", ack.Seq, seq)
		}
	}
	serials, data := sub.messages(6)
	if !slices.Equal(serials, []uint64{1, 2, 3, 4, 5, 6}) || strings.Join(data, "") != "124578" {
		t.Fatalf("delivered %v %q, want serials 1-6 carrying 124578", serials, data)
	}
	sub.quiet(100 * time.Millisecond)
	var seqs []uint64
	for _, e := range s.Events() {
		if e.Kind == EventLossyDrop {
			seqs = append(seqs, e.Seq)
		}
	}
	if !slices.Equal(seqs, []uint64{3, 6, 9}) || s.Stats().LossyDropped != 3 {
		t.Fatalf("lossy_drop seqs %v stat %d", seqs, s.Stats().LossyDropped)
	}
}

func TestLossySkipLeavesGapAndLimitCaps(t *testing.T) {
	s := start(t, Config{})
	sub, pub := dial(t, s.SessionURL()), dial(t, s.SessionURL())
	sub.hello()
	sub.attach("c", 0)
	pub.hello()
	if err := s.SetLossy(LossySpec{SkipEvery: 2, Limit: 1, Channel: "c"}); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 4; seq++ {
		pub.publish(seq, "c", "m")
	}
	if serials, _ := sub.messages(3); !slices.Equal(serials, []uint64{1, 3, 4}) {
		t.Fatalf("live serials %v, want [1 3 4] (2 skipped, limit 1)", serials)
	}
	// Skipped messages stay in history: a re-attach recovers serial 2.
	sub.attach("c", 1)
	if serials, _ := sub.messages(3); !slices.Equal(serials, []uint64{2, 3, 4}) {
		t.Fatalf("replay %v", serials)
	}
	if got := s.CountEvents(EventLossySkip); got != 1 {
		t.Fatalf("lossy_skip events %d, want 1", got)
	}
}

func TestClearFaultsLiftsEverything(t *testing.T) {
	s := start(t, Config{})
	a := dial(t, s.SessionURL())
	a.hello()
	must(t, s.RejectHandshakes(RejectSpec{}))
	must(t, s.DelayHandshakes(DelaySpec{Delay: time.Hour}))
	must(t, s.SetLossy(LossySpec{DropEvery: 1}))
	if _, err := s.Stall(StallSpec{}); err != nil {
		t.Fatal(err)
	}
	if got := len(s.ActiveFaults()); got != 4 {
		t.Fatalf("active faults %v, want 4", s.ActiveFaults())
	}
	s.ClearFaults()
	if got := s.ActiveFaults(); len(got) != 0 {
		t.Fatalf("active after clear: %v", got)
	}
	if st, _ := dialStatus(t, s.SessionURL()); st != 0 {
		t.Fatalf("dial after clear: %d", st)
	}
	a.attach("c", 0)
	a.publish(1, "c", "kept")
	if m := expect[protocol.ChannelMessage](a); string(m.Data) != "kept" {
		t.Fatalf("got %+v", m)
	}
	if err := s.ClearFault("drop"); !errors.Is(err, ErrUnknownFault) {
		t.Fatalf("ClearFault(drop) = %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestProtocolErrorsAnswerAndKeepConnection(t *testing.T) {
	s := start(t, Config{ReadLimit: 4096})
	a := dial(t, s.SessionURL())
	cases := []struct {
		frame []byte
		code  string
	}{
		{[]byte(`{not json`), protocol.CodeBadFrame},
		{[]byte(`{"v":1,"type":"nope","body":{}}`), protocol.CodeUnsupported},
		{[]byte(`{"v":4,"type":"hello","body":{}}`), protocol.CodeUnsupported},
		{[]byte(`{"v":1,"type":"hello","body":{"extra":1}}`), protocol.CodeBadFrame},
		{[]byte(`{"v":1,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":1,"resume_ttl_ms":1}}`), protocol.CodeUnsupported},
		{[]byte(`{"v":1,"type":"publish","body":{"seq":1,"channel":"c","data":""}}`), protocol.CodeNoSession},
	}
	for _, c := range cases {
		a.sendRaw(c.frame)
		if e := expect[protocol.ErrorMessage](a); e.Code != c.code {
			t.Fatalf("%s: code %q, want %q (%s)", c.frame, e.Code, c.code, e.Message)
		}
	}
	if err := a.ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	expect[protocol.ErrorMessage](a)
	a.hello() // the connection survived every bad frame
	if got := s.CountEvents(EventProtocolError); got != len(cases)+1 {
		t.Fatalf("protocol_error events %d, want %d", got, len(cases)+1)
	}
	// Over the read limit: answered with too_large, the connection stays.
	a.sendRaw([]byte(`{"v":1,"type":"hello","body":{"client_id":"` + strings.Repeat("x", 5000) + `"}}`))
	if e := expect[protocol.ErrorMessage](a); e.Code != protocol.CodeTooLarge {
		t.Fatalf("oversized hello: %+v, want too_large", e)
	}
	// Over twice the read limit: gorilla closes with 1009 and the event is logged.
	a.sendRaw([]byte(`{"v":1,"type":"hello","body":{"client_id":"` + strings.Repeat("x", 13000) + `"}}`))
	if err := a.readErr(); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("oversized frame: %v, want close 1009", err)
	}
	e := waitEvent(t, s, 0, EventDisconnect)
	if e.CloseCode != 0 && e.CloseCode != websocket.CloseMessageTooBig {
		t.Fatalf("disconnect %+v", e)
	}
	if got := s.Stats().ProtocolErrors; got != uint64(len(cases)+3) {
		t.Fatalf("protocol errors stat %d, want %d", got, len(cases)+3)
	}
}

func TestEchoEndpoint(t *testing.T) {
	s := start(t, Config{})
	e := dial(t, s.EchoURL())
	for _, m := range []struct {
		typ  int
		data string
	}{{websocket.TextMessage, "hi"}, {websocket.BinaryMessage, "\x00\x01"}} {
		if err := e.ws.WriteMessage(m.typ, []byte(m.data)); err != nil {
			t.Fatal(err)
		}
		if f := <-e.frames; f.typ != m.typ || string(f.data) != m.data {
			t.Fatalf("echo: type %d %q, want %d %q", f.typ, f.data, m.typ, m.data)
		}
	}
	if got := s.Stats().EchoedFrames; got != 2 {
		t.Fatalf("echoed %d", got)
	}
	resp, err := newHTTPClient(t).Get("http://" + s.Addr() + HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
}

func TestRestartCancelledComesBackAtOnce(t *testing.T) {
	s := start(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Restart(ctx, time.Hour) }()
	waitEvent(t, s, 0, EventRestartDown)
	if err := s.Restart(context.Background(), 0); !errors.Is(err, ErrRestartInProgress) {
		t.Fatalf("second restart: %v, want ErrRestartInProgress", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Restart = %v, want context.Canceled", err)
	}
	dial(t, s.SessionURL()).hello() // back up despite the hour asked for
	if s.Stats().Restarts != 1 {
		t.Fatalf("restarts %d", s.Stats().Restarts)
	}
}
