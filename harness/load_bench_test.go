package harness

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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

// BenchmarkRunChecked: checked messages per second end to end: a real Run
// (fault server, in-process Toxiproxy, sessions, pacer, recorder, checker),
// 20 clients with one channel each, against raw gorilla echo over the same
// number of connections, through the same kind of Toxiproxy and direct, in
// the same benchmark run.
//
// A checked delivery is one message the recorder saw arrive on the queue it
// was sent to and judged (exactly once, in order): a client's publication is
// two (up to the agent, down back to the client itself), an agent's one.
// Deliveries of an agent's queues judged apart (Harness.Unverified) are not
// counted. Rates are over the run from the load's start to the drain's end.
//
// Metrics: checked-deliv/s (up-deliv/s, client to agent, one per client
// publication, plus down-deliv/s, to the clients: their own echoes and the
// agent's publications), offered-pubs/s and nominal-pubs/s, held-back (publications not offered
// because a window was full), rec-B/msg (the recorder's own footprint over
// the deliveries it judged), heap-B/msg (peak heap growth over deliveries:
// sessions and payloads in flight included), allocs/msg and cpu-us/msg
// (process CPU over deliveries: fault server, Toxiproxy and clients
// included), drops (client reconnects plus agent disconnects), lost and
// verdict (0 pass, 1 fail, 2 inconclusive).
//
// WSCHAOS_BENCH_RATE sets the publications per second per client (default
// 2500: 50,000 publications and 100,000 deliveries per second offered);
// WSCHAOS_BENCH_HIST and WSCHAOS_BENCH_DW the fault server's HistorySize
// and DeliverWindow (default theirs); WSCHAOS_BENCH_NOHOLD=1 turns off the
// pacer's hold-back for lagging receivers (to see the overload without it).
func BenchmarkRunChecked(b *testing.B) {
	const clients, d = 20, 3 * time.Second
	rate := benchRate()
	cases := []struct {
		name     string
		up, down float64 // per client / per channel
		agentCh  int     // channels per agent session (0: the default)
		full     bool
	}{
		{name: "e2e", up: rate, down: 1},
		{name: "e2e-agent-per-channel", up: rate, down: 1, agentCh: 1},
		{name: "up-only", up: rate},
		{name: "down-only", down: rate},
		{name: "down-only-agent-per-channel", down: rate, agentCh: 1},
		{name: "full-recorder", up: rate, down: 1, full: true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if c.full && os.Getenv("WSCHAOS_BENCH_FULL") == "" {
				b.Skip("the old recorder: set WSCHAOS_BENCH_FULL=1")
			}
			// The library's heartbeat (ping every 10s, dead after 20s of
			// silence), not the tests' 200ms/600ms: on an overloaded
			// machine a server reader starved for 600ms sends nothing
			// (no acks, and with the consumer behind no credit for
			// messages) and answers the client's ping late, so the
			// tests' deadline dropped busy, healthy connections.
			cl := fastClient()
			cl.PingInterval, cl.PongTimeout = 0, 0
			plan := Plan{
				Name:   "throughput",
				Stack:  StackOptions{Server: faultserver.Config{DisableAdmin: true, DeliverWindow: envInt("WSCHAOS_BENCH_DW"), HistorySize: envInt("WSCHAOS_BENCH_HIST")}},
				Client: cl,
				Window: 1024,
				Load:   Load{Clients: clients, Channels: 1, Up: c.up, Down: c.down, MessageSize: 32, Duration: Duration(d)},
				Drain:  5 * time.Second,
			}
			testHooks.fullRecorder = c.full
			testHooks.noLagHold = os.Getenv("WSCHAOS_BENCH_NOHOLD") != ""
			if c.agentCh > 0 {
				old := agentChannels
				agentChannels = c.agentCh
				defer func() { agentChannels = old }()
			}
			defer func() { testHooks.fullRecorder, testHooks.settled, testHooks.noLagHold = false, nil, false }()
			var m e2eMetrics
			for b.Loop() {
				m.add(b, runChecked(b, plan))
			}
			m.report(b)
		})
	}
	for _, proxied := range []bool{true, false} {
		name := "raw-echo-direct"
		if proxied {
			name = "raw-echo-proxy"
		}
		b.Run(name, func(b *testing.B) {
			var echoes, seconds, cpu float64
			for b.Loop() {
				n, cs := rawEcho(b, clients, d, proxied)
				echoes += float64(n)
				cpu += cs
				seconds += d.Seconds()
			}
			b.ReportMetric(echoes/seconds, "echo/s")
			b.ReportMetric(cpu*1e6/echoes, "cpu-us/echo")
		})
	}
}

// e2eRun is one run's figures.
type e2eRun struct {
	res                 *Result
	seconds             float64
	delivered, all      int // verified deliveries; all deliveries (unverified too)
	footprint, heapPeak int64
	mallocs             uint64
	cpu                 float64 // process CPU seconds
	drops               int
}

// runChecked runs plan once, measuring the recorder's footprint once every
// session ended, the heap's peak growth, allocations and process CPU.
func runChecked(b *testing.B, plan Plan) e2eRun {
	var r e2eRun
	var why map[string]int
	testHooks.settled = func(rec *Recorder) {
		r.footprint = int64(rec.Footprint())
		why = map[string]int{}
		for _, x := range rec.Records() {
			if x.Kind == RecState && x.Err != "" {
				why[x.From+"->"+x.To+": "+x.Err]++
			}
		}
	}
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := processCPU()
	stop := make(chan struct{})
	peak := peakHeap(stop)
	res, err := Run(b.Context(), plan, RunOptions{})
	close(stop)
	if err != nil {
		b.Fatal(err)
	}
	r.cpu = processCPU() - cpu0
	runtime.ReadMemStats(&ms1)
	r.res, r.mallocs = res, ms1.Mallocs-ms0.Mallocs
	r.heapPeak = int64(<-peak) - int64(ms0.HeapAlloc)
	r.seconds = res.End.Sub(res.Start).Seconds()
	r.delivered = res.Messages.Total.Delivered
	r.all = r.delivered
	if u := res.Harness.Unverified; u != nil {
		r.all += u.Delivered
	}
	r.drops = res.Summary.Reconnects
	for _, e := range res.Harness.Events {
		if e.Kind == HarnessAgentDisconnected || e.Kind == HarnessAgentSlowConsumer {
			r.drops++
		}
	}
	b.Logf("verdict %s: %.1fs, checked %d deliveries (up %d, down %d), lost %d, drops %d; offered %+v; harness events %d, inconclusive %v; summary %+v",
		runVerdict(res), r.seconds, r.delivered, res.Messages.Up.Delivered, res.Messages.Down.Delivered, res.Summary.Lost,
		r.drops, res.Offered, len(res.Harness.Events), res.Harness.Inconclusive, res.Summary)
	kinds := map[string]int{}
	for _, e := range res.Harness.Events {
		kinds[fmt.Sprintf("%s(expected=%v)", e.Kind, e.Expected)]++
		if kinds[fmt.Sprintf("%s(expected=%v)", e.Kind, e.Expected)] == 1 {
			b.Logf("first harness event %s expected=%v count=%d: %s", e.Kind, e.Expected, e.Count, e.Detail)
		}
	}
	for _, e := range res.ServerEvents {
		switch e.Kind {
		case faultserver.EventSlowConsumer, faultserver.EventDrop, faultserver.EventDisconnect:
			k := fmt.Sprintf("server %s: %s", e.Kind, e.Detail)
			if kinds[k]++; kinds[k] == 1 {
				b.Logf("first %s (session %s)", k, e.Session)
			}
		}
	}
	b.Logf("event counts: %v", kinds)
	if len(why) > 0 {
		b.Logf("clients left connected because: %v", why)
	}
	return r
}

// runVerdict is the run's verdict without SLOs: inconclusive if the harness
// failed, fail if any message was lost, duplicated, reordered or unexpected.
func runVerdict(res *Result) Verdict {
	t := res.Messages.Total
	switch {
	case res.Inconclusive():
		return VerdictInconclusive
	case t.Lost+t.Duplicated+t.Reordered+t.Unexpected > 0:
		return VerdictFail
	}
	return VerdictPass
}

// e2eMetrics sums runs for the benchmark's metrics.
type e2eMetrics struct {
	runs                              int
	seconds, delivered, up, down, all float64
	offered, nominal, heldBack, lost  float64
	footprint, mallocs, cpu, drops    float64
	heap                              float64 // the worst run's
	verdict                           float64 // the worst run's
}

func (m *e2eMetrics) add(b *testing.B, r e2eRun) {
	res := r.res
	m.runs++
	m.seconds += r.seconds
	m.delivered += float64(r.delivered)
	m.up += float64(res.Messages.Up.Delivered)
	m.down += float64(res.Messages.Down.Delivered)
	m.all += float64(r.all)
	o := res.Offered
	m.offered += float64(o.Up.Offered + o.Down.Offered)
	m.nominal += float64(o.Up.Nominal + o.Down.Nominal)
	m.heldBack += float64(o.Up.HeldBack + o.Down.HeldBack)
	m.lost += float64(res.Summary.Lost)
	m.footprint += float64(r.footprint)
	m.mallocs += float64(r.mallocs)
	m.cpu += r.cpu
	m.drops += float64(r.drops)
	m.heap = max(m.heap, float64(r.heapPeak)/max(1, float64(r.all)))
	v := map[Verdict]float64{VerdictPass: 0, VerdictFail: 1, VerdictInconclusive: 2}[runVerdict(res)]
	m.verdict = max(m.verdict, v)
}

func (m *e2eMetrics) report(b *testing.B) {
	per := func(x float64) float64 { return x / max(1, m.all) }
	b.ReportMetric(m.delivered/m.seconds, "checked-deliv/s")
	b.ReportMetric(m.up/m.seconds, "up-deliv/s")
	b.ReportMetric(m.down/m.seconds, "down-deliv/s")
	b.ReportMetric(m.offered/m.seconds, "offered-pubs/s")
	b.ReportMetric(m.nominal/m.seconds, "nominal-pubs/s")
	b.ReportMetric(m.heldBack/float64(m.runs), "held-back")
	b.ReportMetric(per(m.footprint), "rec-B/msg")
	b.ReportMetric(m.heap, "heap-B/msg")
	b.ReportMetric(per(m.mallocs), "allocs/msg")
	b.ReportMetric(per(m.cpu)*1e6, "cpu-us/msg")
	b.ReportMetric(m.drops/float64(m.runs), "drops")
	b.ReportMetric(m.lost/float64(m.runs), "lost")
	b.ReportMetric(m.verdict, "verdict")
}

// rawEcho pipelines 32-byte messages over n raw gorilla connections to an
// echo server for d, directly or through an embedded Toxiproxy (a Stack
// whose target is the echo server), at most 1024 unanswered per
// connection, and returns the echoes received and the process CPU seconds
// spent.
func rawEcho(b *testing.B, n int, d time.Duration, proxied bool) (int64, float64) {
	srv := httptest.NewServer(wstest.EchoHandler())
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	if proxied {
		st, err := NewStack(b.Context(), StackOptions{Target: url})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close(context.WithoutCancel(b.Context()))
		url = st.URL("")
	}
	var conns []*websocket.Conn
	for range n {
		ws, _, err := websocket.DefaultDialer.DialContext(b.Context(), url, nil)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, ws)
	}
	var total atomic.Int64
	cpu0 := processCPU()
	ctx, cancel := context.WithTimeout(b.Context(), d)
	defer cancel()
	var wg sync.WaitGroup
	for _, ws := range conns {
		credit := make(chan struct{}, 1024)
		wg.Go(func() { // writer
			msg := make([]byte, 32)
			for {
				select {
				case credit <- struct{}{}:
				case <-ctx.Done():
					_ = ws.SetReadDeadline(time.Now()) // ends the reader
					return
				}
				if ws.WriteMessage(websocket.TextMessage, msg) != nil {
					return
				}
			}
		})
		wg.Go(func() { // reader
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
				if ctx.Err() == nil {
					total.Add(1)
				}
				<-credit
			}
		})
	}
	wg.Wait()
	cpu := processCPU() - cpu0
	for _, ws := range conns {
		ws.Close()
	}
	return total.Load(), cpu
}

// processCPU is the process's user and system CPU time in seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
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

func benchRate() float64 {
	if v, err := strconv.ParseFloat(os.Getenv("WSCHAOS_BENCH_RATE"), 64); err == nil {
		return v
	}
	return 2500
}

func envInt(k string) int { n, _ := strconv.Atoi(os.Getenv(k)); return n }
