package client_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/client"
)

// A client keeps sending through a server restart: what is sent while it is
// disconnected waits in the queue and is delivered, in order, once the server
// is back. (Generic mode is at-most-once for frames already written when a
// connection drops; the session layer closes that gap.)
func Example() {
	ctx := context.Background()
	srv := startRecorder("127.0.0.1:0")
	c, err := client.Dial(ctx, srv.url, client.Config{
		Backoff: client.Backoff{Base: 10 * time.Millisecond, Cap: 100 * time.Millisecond},
	})
	if err != nil {
		panic(err)
	}
	send := func(s string) { _ = c.Send(ctx, client.Outbound{Type: websocket.TextMessage, Data: []byte(s)}) }
	send("one")
	send("two")
	srv.waitFor(2)
	srv = srv.restart(func() { // while the server is down:
		_ = c.WaitFor(ctx, client.StateReconnecting) // a frame written before the drop is noticed may be lost
		send("three")
		send("four")
	})
	srv.waitFor(2)
	_ = c.Close(ctx)
	srv.stop()
	fmt.Println(c.Stats().Reconnects, srv.received())
	// Output: 1 [three four]
}

// recorder is a loopback WebSocket server that records text frames.
type recorder struct {
	url   string
	srv   *http.Server
	mu    sync.Mutex
	msgs  []string
	conns map[*websocket.Conn]bool // nil once stopped
	wg    sync.WaitGroup
}

func startRecorder(addr string) *recorder {
	l, err := net.Listen("tcp", addr)
	for i := 0; err != nil && i < 50; i++ { // the old port may take a moment to free
		time.Sleep(20 * time.Millisecond)
		l, err = net.Listen("tcp", addr)
	}
	if err != nil {
		panic(err)
	}
	r := &recorder{url: "ws://" + l.Addr().String() + "/", conns: map[*websocket.Conn]bool{}}
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, req, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		r.mu.Lock()
		if r.conns == nil { // stopped meanwhile
			r.mu.Unlock()
			return
		}
		r.conns[ws] = true
		r.wg.Add(1)
		r.mu.Unlock()
		defer r.wg.Done()
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			r.mu.Lock()
			r.msgs = append(r.msgs, string(data))
			r.mu.Unlock()
		}
	})}
	go func() { _ = r.srv.Serve(l) }()
	return r
}

func (r *recorder) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

func (r *recorder) waitFor(n int) {
	for deadline := time.Now().Add(10 * time.Second); len(r.received()) < n; {
		if time.Now().After(deadline) {
			panic(fmt.Sprintf("timed out waiting for %d messages, got %v", n, r.received()))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *recorder) stop() {
	_ = r.srv.Close() // closes the listener, not the hijacked WebSocket connections
	r.mu.Lock()
	for ws := range r.conns {
		ws.Close()
	}
	r.conns = nil
	r.mu.Unlock()
	r.wg.Wait()
}

// restart stops the server, runs meanwhile while it is down, and starts a
// fresh one on the same port.
func (r *recorder) restart(meanwhile func()) *recorder {
	addr := r.url[len("ws://") : len(r.url)-1]
	r.stop()
	meanwhile()
	return startRecorder(addr)
}
