package faultserver

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestObserveRecordsHandshakesAndFrames(t *testing.T) {
	s := start(t, Config{DisableAdmin: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	h := http.Header{"X-Probe": {"1"}}

	ws, _, err := d.DialContext(ctx, s.EchoURL()+"?client=a", h)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"one", "two"} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ws.ReadMessage(); err != nil { // the echo: the frame was read
			t.Fatal(err)
		}
	}
	ws.Close()

	if err := s.RejectHandshakes(RejectSpec{Count: 1, Status: 503}); err != nil {
		t.Fatal(err)
	}
	if _, resp, err := d.DialContext(ctx, s.EchoURL()+"?client=b", nil); err == nil || resp.StatusCode != 503 {
		t.Fatalf("rejected dial: %v", err)
	}

	hs := s.Handshakes()
	if len(hs) != 2 {
		t.Fatalf("%d handshakes, want 2: %+v", len(hs), hs)
	}
	if hs[0].Status != 101 || hs[0].Query != "client=a" || hs[0].Header.Get("X-Probe") != "1" || hs[0].Path != EchoPath {
		t.Errorf("upgrade record %+v", hs[0])
	}
	if hs[1].Status != 503 || hs[1].Query != "client=b" || !hs[1].Time.After(hs[0].Time) {
		t.Errorf("reject record %+v", hs[1])
	}
	fs := s.Frames()
	if len(fs) != 2 || string(fs[0].Data) != "one" || string(fs[1].Data) != "two" || fs[0].Size != 3 {
		t.Fatalf("frames %+v", fs)
	}

	s.ResetObservations()
	if len(s.Handshakes()) != 0 || len(s.Frames()) != 0 {
		t.Fatal("reset kept records")
	}
}

func TestAcceptThenClose(t *testing.T) {
	s := start(t, Config{DisableAdmin: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.SetAcceptThenClose(true)
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.DialContext(ctx, s.EchoURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = ws.ReadMessage()
	ws.Close()
	if !websocket.IsUnexpectedCloseError(err) {
		t.Fatalf("read after accept: %v, want an abrupt close (1006)", err)
	}
	// Negative control: with the mode off the connection stays up.
	s.SetAcceptThenClose(false)
	ws, _, err = d.DialContext(ctx, s.EchoURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteMessage(websocket.TextMessage, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, m, err := ws.ReadMessage(); err != nil || string(m) != "x" {
		t.Fatalf("echo: %q %v", m, err)
	}
	hs := s.Handshakes()
	if len(hs) != 2 || !hs[0].AcceptClosed || hs[1].AcceptClosed || hs[0].Status != 101 {
		t.Fatalf("records %+v", hs)
	}
}
