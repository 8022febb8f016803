package faultserver

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wschaos/wschaos/internal/leakcheck"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// TestMain fails the run if any test leaves a goroutine behind.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// ioWait bounds every wait for a frame or an event in tests: generous for a
// loaded 2-core machine, yet a failure still shows within seconds.
const ioWait = 5 * time.Second

// start starts a server with cfg on loopback and closes it at cleanup.
func start(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// peer is a raw gorilla client speaking the protocol. A reader goroutine
// feeds frames to a channel, because a gorilla read that times out leaves
// the connection unusable.
type peer struct {
	t      testing.TB
	ws     *websocket.Conn
	frames chan frame
	err    chan error // the read error that ended the reader
}

type frame struct {
	typ  int
	data []byte
}

func dial(t testing.TB, url string) *peer {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	p := &peer{t: t, ws: ws, frames: make(chan frame, 1024), err: make(chan error, 1)}
	done, stop := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			typ, data, err := ws.ReadMessage()
			if err != nil {
				p.err <- err
				return
			}
			select {
			case p.frames <- frame{typ, data}:
			case <-stop: // a failed test stopped reading: do not block its cleanup
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		ws.Close()
		<-done
	})
	return p
}

func (p *peer) send(m protocol.Message) {
	p.t.Helper()
	frame, err := protocol.Encode(m)
	if err != nil {
		p.t.Fatalf("encode: %v", err)
	}
	p.sendRaw(frame)
}

func (p *peer) sendRaw(frame []byte) {
	p.t.Helper()
	if err := p.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// recv reads the next protocol message (failing the test on timeout).
func (p *peer) recv() protocol.Message {
	p.t.Helper()
	m, err := p.tryRecv(ioWait)
	if err != nil {
		p.t.Fatalf("recv: %v", err)
	}
	return m
}

var errQuiet = errors.New("nothing received")

func (p *peer) tryRecv(wait time.Duration) (protocol.Message, error) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case f := <-p.frames:
		return protocol.Decode(f.data)
	case err := <-p.err:
		p.err <- err // keep it for later callers
		return nil, err
	case <-t.C:
		return nil, errQuiet
	}
}

// readErr skips frames until the connection fails and returns the error.
func (p *peer) readErr() error {
	p.t.Helper()
	for {
		_, err := p.tryRecv(ioWait)
		if errors.Is(err, errQuiet) {
			p.t.Fatal("connection still open")
		}
		var pe *protocol.Error
		if err != nil && !errors.As(err, &pe) {
			return err
		}
	}
}

// expect reads the next message and requires it to be a T.
func expect[T protocol.Message](p *peer) T {
	p.t.Helper()
	m := p.recv()
	v, ok := m.(T)
	if !ok {
		var zero T
		p.t.Fatalf("got %T %+v, want %T", m, m, zero)
	}
	return v
}

func (p *peer) hello() protocol.Welcome {
	p.t.Helper()
	p.send(protocol.Hello{ClientID: "test"})
	return expect[protocol.Welcome](p)
}

func (p *peer) attach(ch string, after uint64) protocol.Attached {
	p.t.Helper()
	p.send(protocol.Attach{Channel: ch, After: after})
	return expect[protocol.Attached](p)
}

func (p *peer) publish(seq uint64, ch, data string) protocol.Ack {
	p.t.Helper()
	p.send(protocol.Publish{Seq: seq, Channel: ch, Data: []byte(data)})
	return expect[protocol.Ack](p)
}

// messages reads n channel messages and returns their serials and data.
func (p *peer) messages(n int) ([]uint64, []string) {
	p.t.Helper()
	serials, data := make([]uint64, 0, n), make([]string, 0, n)
	for range n {
		m := expect[protocol.ChannelMessage](p)
		serials = append(serials, m.Serial)
		data = append(data, string(m.Data))
	}
	return serials, data
}

// quiet asserts nothing arrives within d.
func (p *peer) quiet(d time.Duration) {
	p.t.Helper()
	if m, err := p.tryRecv(d); err == nil {
		p.t.Fatalf("unexpected message %T %+v", m, m)
	}
}

// waitEvent waits for the first event of kind k after id.
func waitEvent(t testing.TB, s *Server, after uint64, k EventKind) Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ioWait)
	defer cancel()
	e, err := s.WaitEvent(ctx, after, func(e Event) bool { return e.Kind == k })
	if err != nil {
		t.Fatalf("waiting for %s event: %v", k, err)
	}
	return e
}

// lastID returns the id of the newest event.
func lastID(s *Server) uint64 {
	evs := s.Events()
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].ID
}

// countKind counts events of kind k with ID > after.
func countKind(s *Server, after uint64, k EventKind) int {
	n := 0
	for _, e := range s.EventsSince(after) {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// newHTTPClient returns a client whose idle connections are closed at cleanup.
func newHTTPClient(t testing.TB) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: ioWait * 2}
}

func websocketDial(url string) (*websocket.Conn, *http.Response, error) {
	return websocket.DefaultDialer.Dial(url, nil)
}

// waitConnected waits until the server has registered n open connections: a
// client's dial returns before the server's handler has adopted the socket.
func waitConnected(t testing.TB, s *Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ioWait)
	defer cancel()
	for {
		id := lastID(s) // before the check, so no event slips between them
		if s.Stats().Connections == n {
			return
		}
		if _, err := s.WaitEvent(ctx, id, func(Event) bool { return true }); err != nil {
			t.Fatalf("waiting for %d connections (have %d): %v", n, s.Stats().Connections, err)
		}
	}
}
