package client

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// heapPerConn opens n connections with open, and returns the heap and stack
// bytes per connection (server side included; it is the same in both cases).
func heapPerConn(b *testing.B, n int, open func() func()) (heap, stack float64) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	closers := make([]func(), 0, n)
	for range n {
		closers = append(closers, open())
	}
	time.Sleep(50 * time.Millisecond) // let every connection settle into idle
	runtime.GC()
	runtime.ReadMemStats(&m1)
	for _, c := range closers {
		c()
	}
	return float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / float64(n),
		float64(int64(m1.StackInuse)-int64(m0.StackInuse)) / float64(n)
}

// BenchmarkIdleConn: memory per idle connected Client versus a raw gorilla
// connection with its read loop (what any raw user must run for pings).
func BenchmarkIdleConn(b *testing.B) {
	const n = 200
	srv := startServer(b, "127.0.0.1:0", (&sink{}).handle)
	b.Run("raw", func(b *testing.B) {
		var heap, stack float64
		for b.Loop() {
			heap, stack = heapPerConn(b, n, func() func() {
				ws, _, err := websocket.DefaultDialer.Dial(srv.url(), nil)
				if err != nil {
					b.Fatal(err)
				}
				done := make(chan struct{})
				go func() {
					defer close(done)
					for {
						if _, _, err := ws.ReadMessage(); err != nil {
							return
						}
					}
				}()
				return func() { ws.Close(); <-done }
			})
		}
		b.ReportMetric(heap, "heap-B/conn")
		b.ReportMetric(stack, "stack-B/conn")
	})
	b.Run("client", func(b *testing.B) {
		var heap, stack float64
		for b.Loop() {
			heap, stack = heapPerConn(b, n, func() func() {
				c, err := Dial(context.Background(), srv.url(), Config{})
				if err != nil {
					b.Fatal(err)
				}
				return func() { _ = c.Close(context.Background()) }
			})
		}
		b.ReportMetric(heap, "heap-B/conn")
		b.ReportMetric(stack, "stack-B/conn")
	})
}

// counter is a server handler counting frames.
type counter struct{ n atomic.Int64 }

func (k *counter) handle(ws *websocket.Conn) {
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
		k.n.Add(1)
	}
}

func (k *counter) waitFor(b *testing.B, n int64) {
	for deadline := time.Now().Add(30 * time.Second); k.n.Load() < n; {
		if time.Now().After(deadline) {
			b.Fatalf("server got %d of %d", k.n.Load(), n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// BenchmarkSend: 128-byte text messages on loopback, until the server has
// read them all, through the Client versus a raw gorilla connection.
func BenchmarkSend(b *testing.B) {
	payload := make([]byte, 128)
	b.Run("raw", func(b *testing.B) {
		k := &counter{}
		srv := startServer(b, "127.0.0.1:0", k.handle)
		ws, _, err := websocket.DefaultDialer.Dial(srv.url(), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ws.Close()
		b.SetBytes(int64(len(payload)))
		var sent int64
		for b.Loop() {
			if err := ws.WriteMessage(websocket.TextMessage, payload); err != nil {
				b.Fatal(err)
			}
			sent++
		}
		k.waitFor(b, sent)
		b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("client", func(b *testing.B) {
		k := &counter{}
		srv := startServer(b, "127.0.0.1:0", k.handle)
		c, err := Dial(context.Background(), srv.url(), Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = c.Close(context.Background()) }()
		b.SetBytes(int64(len(payload)))
		var sent int64
		for b.Loop() {
			if err := c.Send(context.Background(), Outbound{Type: websocket.TextMessage, Data: payload}); err != nil {
				b.Fatal(err)
			}
			sent++
		}
		k.waitFor(b, sent)
		b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// reconnectOverheads drops the connection n times and returns, per
// reconnect, the time from entering Reconnecting to Connected minus the
// delay the backoff chose: the cost of noticing, dialing and handshaking.
func reconnectOverheads(tb testing.TB, n int) []time.Duration {
	srv := startServer(tb, "127.0.0.1:0", (&sink{}).handle)
	var rec recorder
	c, err := Dial(context.Background(), srv.url(), Config{OnEvent: rec.add, MinUptime: time.Millisecond,
		Backoff: Backoff{Base: 5 * time.Millisecond, Cap: 5 * time.Millisecond}})
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = c.Close(context.Background()) }()
	for i := range n {
		time.Sleep(2 * time.Millisecond) // past MinUptime: every loss resets the streak
		srv.dropLive(tb)
		eventually(tb, 5*time.Second, "reconnect", func() bool { return c.Stats().Connects >= uint64(i+2) && c.State() == StateConnected })
	}
	var out []time.Duration
	var from Event
	for _, ev := range rec.events() {
		switch ev.To {
		case StateReconnecting:
			from = ev
		case StateConnected:
			if !from.Time.IsZero() {
				out = append(out, ev.Time.Sub(from.Time)-from.Delay)
				from = Event{}
			}
		}
	}
	if len(out) != n {
		tb.Fatalf("measured %d reconnects, want %d", len(out), n)
	}
	slices.Sort(out)
	return out
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// TestReconnectOverhead: on loopback, reconnecting costs little beyond the
// scheduled delay (generous bound for a loaded 2-core machine under -race).
func TestReconnectOverhead(t *testing.T) {
	o := reconnectOverheads(t, 40)
	p50, p99 := quantile(o, 0.5), quantile(o, 0.99)
	t.Logf("reconnect overhead over %d reconnects: p50 %v, p99 %v", len(o), p50, p99)
	if p50 < 0 || p99 > 500*time.Millisecond {
		t.Fatalf("reconnect overhead p50 %v p99 %v, want >= 0 and p99 <= 500ms", p50, p99)
	}
}

func BenchmarkReconnectOverhead(b *testing.B) {
	var o []time.Duration
	for b.Loop() {
		o = append(o, reconnectOverheads(b, 20)...)
	}
	slices.Sort(o)
	b.ReportMetric(float64(quantile(o, 0.5).Microseconds()), "p50-µs")
	b.ReportMetric(float64(quantile(o, 0.99).Microseconds()), "p99-µs")
	fmt.Printf("reconnect overhead over %d reconnects: p50 %v p99 %v\n", len(o), quantile(o, 0.5), quantile(o, 0.99))
}

// copyingAck is the old window ack, kept as the baseline: it copied every
// remaining entry on each ack.
func copyingAck(entries []*Publication, n int) []*Publication {
	return append([]*Publication(nil), entries[n:]...)
}

// BenchmarkWindowAck: one publish + one ack per op on a full window. The
// window's cost does not grow with its size; the old copying ack (baseline,
// same run) grows linearly.
func BenchmarkWindowAck(b *testing.B) {
	for _, size := range []int{64, 1024, 16384} {
		b.Run(fmt.Sprintf("window/%d", size), func(b *testing.B) {
			w := newWindow(size + 1)
			p := newPublication(1, "c", nil)
			for range size {
				w.push(p)
			}
			for b.Loop() {
				w.push(p)
				if _, err := w.ack(w.acked + 1); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("copying-baseline/%d", size), func(b *testing.B) {
			p := newPublication(1, "c", nil)
			entries := make([]*Publication, size)
			for i := range entries {
				entries[i] = p
			}
			for b.Loop() {
				entries = copyingAck(append(entries, p), 1)
			}
		})
	}
}

// bareDials times n plain gorilla dials (TCP + upgrade) to url, closing
// each; pause > 0 idles that long before each dial, as a reconnect does
// (its backoff delay), so both pay the same wake-up costs.
func bareDials(tb testing.TB, url string, n int, pause time.Duration) []time.Duration {
	out := make([]time.Duration, 0, n)
	for range n {
		if pause > 0 {
			time.Sleep(pause)
		}
		start := time.Now()
		ws, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, time.Since(start))
		_ = ws.Close()
	}
	slices.Sort(out)
	return out
}

// BenchmarkReconnectVsBareDial reports, in the same run against the same
// kind of loopback server, the client's reconnect overhead (Reconnecting to
// Connected minus the scheduled delay) and a bare gorilla dial, and their
// ratio at p50.
func BenchmarkReconnectVsBareDial(b *testing.B) {
	var o, hot, paced []time.Duration
	srv := startServer(b, "127.0.0.1:0", (&sink{}).handle)
	for b.Loop() {
		hot = append(hot, bareDials(b, srv.url(), 20, 0)...)
		paced = append(paced, bareDials(b, srv.url(), 20, 5*time.Millisecond)...)
		o = append(o, reconnectOverheads(b, 20)...)
	}
	slices.Sort(o)
	slices.Sort(hot)
	slices.Sort(paced)
	p50, hp50, pp50 := quantile(o, 0.5), quantile(hot, 0.5), quantile(paced, 0.5)
	b.ReportMetric(float64(p50.Microseconds()), "reconnect-p50-µs")
	b.ReportMetric(float64(hp50.Microseconds()), "bare-dial-p50-µs")
	b.ReportMetric(float64(pp50.Microseconds()), "paced-dial-p50-µs")
	b.ReportMetric(float64(p50)/float64(hp50), "ratio-bare")
	b.ReportMetric(float64(p50)/float64(pp50), "ratio-paced")
}
