package faultserver

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSilentPeerTimesOutLivePeerStays: with server pings every 50ms and a
// 300ms idle timeout, a peer that never reads (so never answers a ping)
// and sends nothing is dropped; a peer that reads answers the pings and
// stays. The old code kept both forever.
func TestSilentPeerTimesOutLivePeerStays(t *testing.T) {
	s := start(t, Config{Heartbeat: 50 * time.Millisecond, IdleTimeout: 300 * time.Millisecond})
	live := dial(t, s.SessionURL())
	live.hello()
	silent, resp, err := websocketDial(s.SessionURL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	defer silent.Close()
	waitConnected(t, s, 2)
	e := waitEvent(t, s, 0, EventDisconnect)
	time.Sleep(400 * time.Millisecond) // more than the idle timeout again
	if n := s.Stats().Connections; n != 1 {
		t.Fatalf("connections %d, want 1 (the live one)", n)
	}
	if got := s.CountEvents(EventDisconnect); got != 1 {
		t.Fatalf("disconnects %d, want 1 (%+v)", got, e)
	}
	live.hello() // still usable
}

// TestConnectionCapAnswers503: past MaxConns a handshake gets 503 with
// Retry-After: 1, and succeeds again once a connection closed.
func TestConnectionCapAnswers503(t *testing.T) {
	s := start(t, Config{MaxConns: 2})
	a := dial(t, s.SessionURL())
	dial(t, s.SessionURL())
	waitConnected(t, s, 2)
	_, resp, err := websocketDial(s.SessionURL())
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("third dial: %v %+v, want 503 with Retry-After 1", err, resp)
	}
	resp.Body.Close()
	if got := s.Stats().HandshakesRejected; got != 1 {
		t.Fatalf("rejected %d, want 1", got)
	}
	a.ws.Close()
	waitEvent(t, s, 0, EventDisconnect)
	ws, resp, err := websocketDial(s.SessionURL())
	if err != nil {
		t.Fatalf("dial after a close: %v", err)
	}
	resp.Body.Close()
	ws.Close()
}

// TestSlowlorisHandshakeIsCutOff: a client that sends half its request
// headers and then nothing is disconnected after HandshakeTimeout (100ms
// here), well before the 5s bound; a complete handshake still works.
func TestSlowlorisHandshakeIsCutOff(t *testing.T) {
	s := start(t, Config{HandshakeTimeout: 100 * time.Millisecond})
	nc, err := net.Dial("tcp", strings.TrimPrefix(s.SessionURL(), "ws://")[:strings.Index(strings.TrimPrefix(s.SessionURL(), "ws://"), "/")])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte("GET /session HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(nc) // the server closes (possibly after a 408)
	if err != nil {
		t.Fatalf("still open after %v: %v", time.Since(began), err)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Fatalf("cut off after %v, want about 100ms", d)
	}
	dial(t, s.SessionURL()).hello()
}

// TestStallOutlivesIdleTimeout: a stall plays a dead peer, so the server's
// own idle timeout must not end a stalled connection (it would turn a
// half-open fault into a clean disconnect that any client notices). A peer
// that never reads is kept through a stall of four idle timeouts, then,
// once the stall is lifted and it stays silent, dropped by the timeout as
// in TestSilentPeerTimesOutLivePeerStays (the control).
func TestStallOutlivesIdleTimeout(t *testing.T) {
	s := start(t, Config{Heartbeat: 50 * time.Millisecond, IdleTimeout: 300 * time.Millisecond})
	silent, resp, err := websocketDial(s.SessionURL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	defer silent.Close()
	waitConnected(t, s, 1)
	if n, err := s.Stall(StallSpec{Selector: AllConnections, For: 1200 * time.Millisecond}); err != nil || n != 1 {
		t.Fatalf("stall: %d, %v; want 1", n, err)
	}
	time.Sleep(900 * time.Millisecond) // three idle timeouts into the stall
	if n, d := s.Stats().Connections, s.CountEvents(EventDisconnect); n != 1 || d != 0 {
		t.Fatalf("during the stall: %d connections, %d disconnects; want 1, 0", n, d)
	}
	waitEvent(t, s, 0, EventUnstall)
	waitEvent(t, s, 0, EventDisconnect) // the silent peer times out once the stall ends
	if d := s.CountEvents(EventDisconnect); d != 1 {
		t.Fatalf("disconnects %d, want 1", d)
	}
}
