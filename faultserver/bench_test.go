package faultserver

import (
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/internal/cork"
	"github.com/wschaos/wschaos/protocol"
)

const benchSubs = 4

// BenchmarkFanOut measures publish -> ack -> fan-out through the fault
// server: one publisher (at most 256 unacked publishes in flight) and
// benchSubs attached subscribers. deliveries/s counts frames received by
// subscribers.
func BenchmarkFanOut(b *testing.B) {
	// History holds every message: acks come before fan-out, so the
	// publisher may run ahead of a slow subscriber by more than the default
	// 1024, and a message that fell out of history never arrives (the
	// benchmark would wait for it forever).
	s := start(b, Config{SendQueue: 1 << 20, EventLogSize: 100, HistorySize: max(b.N+1, 1024)})
	pub := mustDial(b, s.SessionURL())
	sendMsg(b, pub, protocol.Hello{})
	readN(b, pub, 1)
	subs := make([]*websocket.Conn, benchSubs)
	for i := range subs {
		subs[i] = mustDial(b, s.SessionURL())
		sendMsg(b, subs[i], protocol.Hello{})
		sendMsg(b, subs[i], protocol.Attach{Channel: "bench"})
		readN(b, subs[i], 2)
	}
	payload := make([]byte, 64)
	var acked uint64
	acks := 0
	w0 := s.serverWrites()
	runFanOut(b, subs, true, func(i int) { // publisher writes
		sendMsg(b, pub, protocol.Publish{Seq: uint64(i + 1), Channel: "bench", Data: payload})
	}, func(upto int) { // publisher reads acks: cumulative, the server may fold them
		for acked < uint64(upto) {
			_, frame, err := pub.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			m, err := protocol.Decode(frame)
			if err != nil {
				b.Fatal(err)
			}
			a, ok := m.(protocol.Ack)
			if !ok {
				b.Fatalf("publisher got %T, want ack", m)
			}
			acked = max(acked, a.Seq)
			acks++
		}
	})
	b.ReportMetric(float64(acks)/float64(b.N), "acks/publish")
	b.ReportMetric(float64(s.serverWrites()-w0)/float64(b.N*(1+benchSubs)), "server-writes/frame-due")
}

// serverWrites sums the write syscalls of every connection's socket.
func (s *Server) serverWrites() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if cc, ok := c.ws.NetConn().(*cork.Conn); ok {
			n += cc.Writes()
		}
	}
	return n
}

// BenchmarkRawGorillaFanOut is the baseline: a bare gorilla server that
// writes each frame it reads to every subscriber, with no protocol, no acks,
// no history.
func BenchmarkRawGorillaFanOut(b *testing.B) {
	var mu sync.Mutex
	var subs []*websocket.Conn
	up := websocket.Upgrader{}
	ready := make(chan struct{}, benchSubs)
	mux := http.NewServeMux()
	mux.HandleFunc("/sub", func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		subs = append(subs, ws)
		mu.Unlock()
		ready <- struct{}{}
		for { // drain control frames until closed
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/pub", func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			mu.Lock()
			for _, s := range subs {
				_ = s.WriteMessage(websocket.TextMessage, data)
			}
			mu.Unlock()
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	base := "ws://" + ln.Addr().String()
	clients := make([]*websocket.Conn, benchSubs)
	for i := range clients {
		clients[i] = mustDial(b, base+"/sub")
		<-ready
	}
	pub := mustDial(b, base+"/pub")
	frame, _ := protocol.Encode(protocol.ChannelMessage{Channel: "bench", Serial: 1, Data: make([]byte, 64)})
	runFanOut(b, clients, false, func(int) {
		if err := pub.WriteMessage(websocket.TextMessage, frame); err != nil {
			b.Fatal(err)
		}
	}, func(int) {})
	mu.Lock()
	for _, s := range subs {
		s.Close()
	}
	mu.Unlock()
}

// runFanOut publishes b.N messages and waits until every subscriber has read
// b.N frames. publish(i) sends message i; acked(n) waits until the first n
// publishes are acked, keeping at most 256 publishes unacked.
//
// credit makes each subscriber deliver_ack every 64 messages, as a v2 client
// must: without it a v2 subscriber gets DeliverWindow (256) messages and the
// benchmark waits forever for the rest (it did for any b.N above 256).
func runFanOut(b *testing.B, subs []*websocket.Conn, credit bool, publish func(i int), acked func(n int)) {
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, ws := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range b.N {
				_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second)) // a lost message fails, not hangs
				if _, _, err := ws.ReadMessage(); err != nil {
					b.Error(err)
					return
				}
				if credit && (i+1)%64 == 0 {
					frame, _ := protocol.Encode(protocol.DeliverAck{Channel: "bench", Serial: uint64(i + 1)})
					if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
						b.Error(err)
						return
					}
				}
			}
		}()
	}
	const window = 256
	for i := range b.N {
		publish(i)
		if i >= window {
			acked(i + 1 - window)
		}
	}
	acked(b.N)
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N*len(subs))/b.Elapsed().Seconds(), "deliveries/s")
}

func mustDial(b *testing.B, url string) *websocket.Conn {
	b.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if resp != nil {
		resp.Body.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ws.Close() })
	return ws
}

func sendMsg(b *testing.B, ws *websocket.Conn, m protocol.Message) {
	frame, err := protocol.Encode(m)
	if err != nil {
		b.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		b.Fatal(err)
	}
}

func readN(b *testing.B, ws *websocket.Conn, n int) {
	for range n {
		if _, _, err := ws.ReadMessage(); err != nil {
			b.Fatal("read " + strconv.Itoa(n) + ": " + err.Error())
		}
	}
}

// idleConns is how many idle connections the memory benchmarks open.
const idleConns = 200

// heapInUse is the live heap after two GCs.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkIdleConnHeap reports the heap per idle fault-server connection
// (hello done, nothing queued), client side included; compare with
// BenchmarkRawGorillaIdleConnHeap, whose client side is the same. Run with
// -benchtime=1x.
func BenchmarkIdleConnHeap(b *testing.B) {
	s := start(b, Config{EventLogSize: 100})
	for b.Loop() {
		before := heapInUse()
		conns := make([]*websocket.Conn, idleConns)
		for i := range conns {
			conns[i] = mustDial(b, s.SessionURL())
			sendMsg(b, conns[i], protocol.Hello{})
			readN(b, conns[i], 1)
		}
		b.ReportMetric(float64(heapInUse()-before)/idleConns, "heap-B/conn")
		for _, c := range conns {
			c.Close()
		}
	}
}

// BenchmarkRawGorillaIdleConnHeap is the baseline: a bare gorilla server
// whose handler only reads.
func BenchmarkRawGorillaIdleConnHeap(b *testing.B) {
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
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	url := "ws://" + ln.Addr().String() + "/"
	for b.Loop() {
		before := heapInUse()
		conns := make([]*websocket.Conn, idleConns)
		for i := range conns {
			conns[i] = mustDial(b, url)
			if err := conns[i].WriteMessage(websocket.TextMessage, []byte("hi")); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(heapInUse()-before)/idleConns, "heap-B/conn")
		for _, c := range conns {
			c.Close()
		}
	}
}

// BenchmarkChannelsExpire attaches 20,000 channels (one message each) from
// one session, closes it and waits for session and channel expiry; it
// reports the heap left over against the heap before, as a ratio
// (1.0 = back to baseline). Run with -benchtime=1x.
func BenchmarkChannelsExpire(b *testing.B) {
	const channels = 20000
	// No channel cap, and no session window: the one session never
	// deliver_acks the 20,000 messages it reads. The conformance frame log
	// is off: bounded (ObserveFrames), but a full one would count as left.
	s := start(b, Config{EventLogSize: 100, SessionTTL: 200 * time.Millisecond, MaxChannels: -1, SessionWindow: -1, ObserveFrames: -1})
	// churn attaches n channels (one message each) from one session, closes
	// it, waits until session and channels expired and returns the heap
	// at its peak.
	churn := func(n int) uint64 {
		c := mustDial(b, s.SessionURL())
		sendMsg(b, c, protocol.Hello{})
		readN(b, c, 1)
		for i := range n {
			ch := "ch" + strconv.Itoa(i)
			sendMsg(b, c, protocol.Attach{Channel: ch})
			sendMsg(b, c, protocol.Publish{Seq: uint64(i + 1), Channel: ch, Data: make([]byte, 64)})
			readN(b, c, 3) // attached, ack, message
		}
		peak := heapInUse()
		c.Close()
		deadline := time.Now().Add(10 * time.Second)
		for {
			s.mu.Lock()
			n, sessions := len(s.channels), len(s.sessions)
			s.mu.Unlock()
			if n+sessions == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		return peak
	}
	churn(100) // one-time lazy allocations (pools, first epoch) are not per channel
	for b.Loop() {
		base := heapInUse()
		peak := churn(channels)
		after := heapInUse()
		b.ReportMetric(float64(peak-base)/(1<<20), "peak-MiB")
		b.ReportMetric(float64(after)/float64(base), "after/base")
		b.ReportMetric((float64(after)-float64(base))/(1<<20), "left-MiB")
		b.ReportMetric((float64(after)-float64(base))/float64(peak-base), "left/grown")
	}
}
