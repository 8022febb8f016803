package faultserver

import (
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// TestHostileFramesGetAnErrorAndTheConnectionStays: each client->server
// class of docs/HOSTILE.md answered with its stated error code, the
// connection still usable after all of them, every one counted.
func TestHostileFramesGetAnErrorAndTheConnectionStays(t *testing.T) {
	s := start(t, Config{})
	a := dial(t, s.SessionURL())
	a.hello()
	cases := []struct {
		class string
		frame []byte
		code  string
	}{
		{"invalid UTF-8", []byte("{\"v\":2,\"type\":\"attach\",\"body\":{\"channel\":\"a\xff\xfeb\",\"after\":0}}"), protocol.CodeBadFrame},
		{"deep JSON nesting", []byte(`{"v":2,"type":"ack","body":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`), protocol.CodeBadFrame},
		{"deep nesting unbalanced", []byte(strings.Repeat("[", 500000)), protocol.CodeBadFrame},
		{"unknown type", []byte(`{"v":2,"type":"subscribe_all","body":{}}`), protocol.CodeUnsupported},
		{"future version", []byte(`{"v":4,"type":"hello","body":{}}`), protocol.CodeUnsupported},
		{"server-to-client type", []byte(`{"v":2,"type":"ack","body":{"seq":1}}`), protocol.CodeUnsupported},
		{"case-folded key", []byte(`{"v":2,"type":"attach","body":{"Channel":"a","after":0}}`), protocol.CodeBadFrame},
		{"duplicate key", []byte(`{"v":2,"type":"attach","body":{"channel":"a","channel":"b","after":0}}`), protocol.CodeBadFrame},
		{"huge serial", []byte(`{"v":2,"type":"attach","body":{"channel":"a","after":184467440737095516150}}`), protocol.CodeBadFrame},
		{"channel name too long", []byte(`{"v":2,"type":"attach","body":{"channel":"` + strings.Repeat("c", 300) + `","after":0}}`), protocol.CodeBadFrame},
		{"out-of-order publish seq", []byte(`{"v":2,"type":"publish","body":{"seq":99,"channel":"a","data":""}}`), protocol.CodeBadFrame},
	}
	for _, c := range cases {
		a.sendRaw(c.frame)
		e := expect[protocol.ErrorMessage](a)
		if e.Code != c.code {
			t.Fatalf("%s: code %q, want %q (%s)", c.class, e.Code, c.code, e.Message)
		}
		if c.class == "out-of-order publish seq" {
			expect[protocol.Ack](a) // tells the client where to resend from
		}
	}
	if err := a.ws.WriteMessage(websocket.BinaryMessage, []byte(`{"v":2,"type":"hello","body":{}}`)); err != nil {
		t.Fatal(err)
	}
	if e := expect[protocol.ErrorMessage](a); e.Code != protocol.CodeBadFrame {
		t.Fatalf("binary frame: %+v", e)
	}
	a.attach("still-works", 0)
	if got := s.Stats().ProtocolErrors; got != uint64(len(cases)+1) {
		t.Fatalf("protocol errors %d, want %d", got, len(cases)+1)
	}
}

// TestGuessedAndForgedResume: a random session id and a real id with a
// forged token both get resume_failed "unknown session" (the id's existence
// is not confirmed), and the real session is not taken over.
func TestGuessedAndForgedResume(t *testing.T) {
	s := start(t, Config{})
	owner := dial(t, s.SessionURL())
	w := owner.hello()
	for _, r := range []protocol.Resume{
		{Session: randomHex(sessionIDBytes), Token: randomHex(tokenBytes)},
		{Session: w.Session, Token: randomHex(tokenBytes)},
		{Session: w.Session, Token: w.Token[:len(w.Token)-1]},
	} {
		x := dial(t, s.SessionURL())
		x.send(r)
		if f := expect[protocol.ResumeFailed](x); f.Reason != "unknown session" {
			t.Fatalf("resume %+v: %+v", r, f)
		}
	}
	owner.attach("mine", 0) // still bound to its owner
	if got := s.CountEvents(EventResumeFailed); got != 3 {
		t.Fatalf("resume_failed events %d, want 3", got)
	}
}

// TestHugeAttachListIsCapped: attaches past MaxChannels are refused with
// too_large, one error each; the session keeps the channels it has.
func TestHugeAttachListIsCapped(t *testing.T) {
	s := start(t, Config{MaxChannels: 100})
	a := dial(t, s.SessionURL())
	if w := a.hello(); w.Limits.MaxChannels != 100 {
		t.Fatalf("limits %+v", w.Limits)
	}
	refused := 0
	for i := range 150 {
		a.send(protocol.Attach{Channel: "c" + string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))})
		switch m := a.recv().(type) {
		case protocol.Attached:
		case protocol.ErrorMessage:
			if m.Code != protocol.CodeTooLarge {
				t.Fatalf("error %+v", m)
			}
			refused++
		}
	}
	if refused != 50 {
		t.Fatalf("refused %d, want 50", refused)
	}
	a.attach("c000", 0) // re-attaching a channel it has is fine
}

// TestOversizedControlFrameAndFragmentFlood: a ping with a 200-byte payload
// (RFC 6455 allows 125) and a message in 100,000 one-byte fragments over
// the read limit both end the connection with a close code, never a hang.
func TestOversizedControlFrameAndFragmentFlood(t *testing.T) {
	s := start(t, Config{ReadLimit: 4096})
	a := dial(t, s.SessionURL())
	a.hello()
	// gorilla's client refuses to send it, so write the raw frame.
	frame := append([]byte{0x89, 0x80 | 126, 0, 200, 0, 0, 0, 0}, make([]byte, 200)...)
	if _, err := a.ws.NetConn().Write(frame); err != nil {
		t.Fatal(err)
	}
	if err := a.readErr(); !websocket.IsCloseError(err, websocket.CloseProtocolError) {
		t.Fatalf("oversized ping: %v, want close 1002", err)
	}
	b := dial(t, s.SessionURL())
	b.hello()
	w, err := b.ws.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	go func() { // fragments of at most one write buffer each; the server stops at 2*4096+4096
		for range 100000 {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
		}
		w.Close()
	}()
	if err := b.readErr(); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("fragment flood: %v, want close 1009", err)
	}
	if e := waitEvent(t, s, 0, EventProtocolError); e.ErrorCode == "" {
		t.Fatalf("event %+v", e)
	}
}
