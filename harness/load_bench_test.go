package harness

import (
	"context"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/internal/wstest"
)

// peakHeap samples the heap every 100ms until stop, returning the peak.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// BenchmarkRunChecked: checked messages per second end to end (a real Run:
// fault server, in-process Toxiproxy, sessions, pacer, recorder, checker)
// with the compact recorder and with the old one (a record per
// observation), against raw gorilla echo round trips on loopback over the
// same number of connections, in the same run. heap-B/msg is the peak heap
// growth over the messages checked: an upper bound on what the recorder
// holds per message (sessions' windows and the drain's bookkeeping are in
// it too).
func BenchmarkRunChecked(b *testing.B) {
	const clients, rate, d = 20, 400.0, 3 * time.Second
	plan := Plan{
		Name:   "throughput",
		Stack:  StackOptions{Server: faultserver.Config{DisableAdmin: true}},
		Client: fastClient(),
		Window: 1024,
		Load:   Load{Clients: clients, Channels: 1, Up: rate, Down: 1, MessageSize: 32, Duration: Duration(d)},
		Drain:  10 * time.Second,
	}
	for _, mode := range []string{"compact", "full"} {
		b.Run(mode, func(b *testing.B) {
			testHooks.fullRecorder = mode == "full"
			defer func() { testHooks.fullRecorder = false }()
			var checked, seconds, heap float64
			var offered, lost float64
			for b.Loop() {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				stop := make(chan struct{})
				peak := peakHeap(stop)
				res, err := Run(b.Context(), plan, RunOptions{})
				close(stop)
				if err != nil {
					b.Fatal(err)
				}
				n := res.Messages.Total.Delivered
				if u := res.Harness.Unverified; u != nil {
					n += u.Delivered
				}
				checked += float64(n)
				seconds += d.Seconds()
				heap = float64(int64(<-peak)-int64(ms.HeapAlloc)) / float64(n)
				offered = res.Offered.Up.Ratio
				lost = float64(res.Summary.Lost)
				b.Logf("%s: summary %+v offered %+v harness %+v", mode, res.Summary, res.Offered, res.Harness)
			}
			b.ReportMetric(checked/seconds, "checked/s")
			b.ReportMetric(heap, "heap-B/msg")
			b.ReportMetric(offered, "offered-up")
			b.ReportMetric(lost, "lost")
		})
	}
	b.Run("raw-echo", func(b *testing.B) {
		srv := httptest.NewServer(wstest.EchoHandler())
		defer srv.Close()
		url := "ws" + strings.TrimPrefix(srv.URL, "http")
		var total atomic.Int64
		var seconds float64
		for b.Loop() {
			ctx, cancel := context.WithTimeout(b.Context(), d)
			var wg sync.WaitGroup
			for range clients {
				ws, _, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
				if err != nil {
					b.Fatal(err)
				}
				msg := make([]byte, 32)
				wg.Go(func() {
					defer ws.Close()
					for ctx.Err() == nil {
						if ws.WriteMessage(websocket.TextMessage, msg) != nil {
							return
						}
						if _, _, err := ws.ReadMessage(); err != nil {
							return
						}
						total.Add(1)
					}
				})
			}
			wg.Wait()
			cancel()
			seconds += d.Seconds()
		}
		b.ReportMetric(float64(total.Load())/seconds, "echo/s")
	})
}

// BenchmarkClientFootprint: heap and goroutines per simulated client in the
// middle of a run (embedded stack: fault server and Toxiproxy in this
// process, so their per-connection share is included), against a bare
// gorilla connection with its read loop on the same machine in the same
// run.
func BenchmarkClientFootprint(b *testing.B) {
	const clients = 300
	plan := Plan{
		Name:   "footprint",
		Stack:  StackOptions{Server: faultserver.Config{DisableAdmin: true}},
		Client: fastClient(),
		Load:   Load{Clients: clients, Channels: 1, Up: 1, Down: 1, MessageSize: 64, Duration: Duration(3 * time.Second)},
		Drain:  5 * time.Second,
	}
	b.Run("run", func(b *testing.B) {
		var heap, gor float64
		for b.Loop() {
			runtime.GC()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			g0 := runtime.NumGoroutine()
			testHooks.duringRun = func(ctx context.Context, _ *Stack, _ *client.Session) {
				select {
				case <-time.After(1500 * time.Millisecond):
				case <-ctx.Done():
					return
				}
				runtime.GC()
				var m1 runtime.MemStats
				runtime.ReadMemStats(&m1)
				heap = float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / clients
				gor = float64(runtime.NumGoroutine()-g0) / clients
			}
			_, err := Run(b.Context(), plan, RunOptions{})
			testHooks.duringRun = nil
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(heap, "heap-B/client")
		b.ReportMetric(gor, "goroutines/client")
	})
	b.Run("raw-conn", func(b *testing.B) {
		srv := httptest.NewServer(wstest.EchoHandler())
		defer srv.Close()
		url := "ws" + strings.TrimPrefix(srv.URL, "http")
		var heap, gor float64
		for b.Loop() {
			runtime.GC()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			g0 := runtime.NumGoroutine()
			var conns []*websocket.Conn
			var wg sync.WaitGroup
			for range clients {
				ws, _, err := websocket.DefaultDialer.Dial(url, nil)
				if err != nil {
					b.Fatal(err)
				}
				conns = append(conns, ws)
				wg.Go(func() {
					for {
						if _, _, err := ws.ReadMessage(); err != nil {
							return
						}
					}
				})
			}
			time.Sleep(100 * time.Millisecond) // let the server side settle
			runtime.GC()
			var m1 runtime.MemStats
			runtime.ReadMemStats(&m1)
			heap = float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / clients
			gor = float64(runtime.NumGoroutine()-g0) / clients
			for _, c := range conns {
				c.Close()
			}
			wg.Wait()
		}
		b.ReportMetric(heap, "heap-B/client")
		b.ReportMetric(gor, "goroutines/client")
	})
}
