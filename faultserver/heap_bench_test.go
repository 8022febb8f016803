package faultserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/protocol"
)

// TestIdleDialerHelper is not a test: the server-side heap benchmark runs
// this binary again with WSCHAOS_IDLE_DIAL=url, so the clients' heap is in
// another process. It opens idleConns connections (hello on each when
// WSCHAOS_IDLE_HELLO=1, else one "hi" frame), prints "ready" and holds
// them until stdin closes.
func TestIdleDialerHelper(t *testing.T) {
	url := os.Getenv("WSCHAOS_IDLE_DIAL")
	if url == "" {
		t.Skip("run by BenchmarkServerSideIdleConnHeap only")
	}
	conns := make([]*websocket.Conn, idleConns)
	for i := range conns {
		ws, resp, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		conns[i] = ws
		if os.Getenv("WSCHAOS_IDLE_HELLO") == "1" {
			frame, _ := protocol.Encode(protocol.Hello{})
			if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ws.ReadMessage(); err != nil {
				t.Fatal(err)
			}
		} else if err := ws.WriteMessage(websocket.TextMessage, []byte("hi")); err != nil {
			t.Fatal(err)
		}
	}
	os.Stdout.WriteString("ready\n")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, ws := range conns {
		ws.Close()
	}
}

// serverSideHeap runs the dialer helper against url and returns the heap
// this process (the server only) gained per connection once settled()
// holds.
func serverSideHeap(b *testing.B, url string, hello bool, settled func() bool) float64 {
	b.Helper()
	before := heapInUse()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleDialerHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "WSCHAOS_IDLE_DIAL="+url)
	if hello {
		cmd.Env = append(cmd.Env, "WSCHAOS_IDLE_HELLO=1")
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			if sc.Text() == "ready" {
				ok = true
				break
			}
		}
		ready <- ok
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case ok := <-ready:
		if !ok {
			b.Fatal("dialer helper ended before ready")
		}
	case <-time.After(60 * time.Second):
		b.Fatal("dialer helper not ready after 60s")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !settled() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return float64(heapInUse()-before) / idleConns
}

// BenchmarkServerSideIdleConnHeap reports the heap one idle connection
// costs the server alone (the clients run in a child process): the fault
// server (after hello) against a bare gorilla server whose handler only
// reads (after one frame), in the same run, and their ratio. Run with
// -benchtime=1x.
func BenchmarkServerSideIdleConnHeap(b *testing.B) {
	s := start(b, Config{EventLogSize: 100})
	var read atomic.Int64
	up := websocket.Upgrader{}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
			read.Add(1)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	for b.Loop() {
		read.Store(0)
		raw := serverSideHeap(b, "ws://"+ln.Addr().String()+"/", false, func() bool { return read.Load() == idleConns })
		fault := serverSideHeap(b, s.SessionURL(), true, func() bool { return s.Stats().Connections == idleConns })
		b.ReportMetric(fault, "fault-B/conn")
		b.ReportMetric(raw, "gorilla-B/conn")
		b.ReportMetric(fault/raw, "fault/gorilla")
	}
}
