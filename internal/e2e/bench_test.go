package e2e

import (
	"bytes"
	"context"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/internal/wstest"
	"github.com/wschaos/wschaos/protocol"
)

var benchPayload = bytes.Repeat([]byte("p"), 128)

// sessionBatch publishes n messages on s and waits until all are acked.
func sessionBatch(b *testing.B, ctx context.Context, s *client.Session, n int) {
	ps := make([]*client.Publication, 0, n)
	for range n {
		p, err := s.Publish(ctx, "bench", benchPayload)
		if err != nil {
			b.Fatal(err)
		}
		ps = append(ps, p)
	}
	for _, p := range ps {
		if err := p.Wait(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// writeCounter counts the Write calls (syscalls) on the sockets it dials.
type writeCounter struct{ n atomic.Int64 }

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

func (w *writeCounter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return countingConn{c, &w.n}, nil
}

func benchSession(b *testing.B) (*client.Session, context.Context, *writeCounter) {
	srv := startServer(b, faultserver.Config{HistorySize: 16})
	cfg := fastConfig("bench", nil)
	cfg.Window = 1024
	cfg.Client.PingInterval = time.Second
	cfg.Client.PongTimeout = 5 * time.Second
	wc := &writeCounter{}
	cfg.Client.Dialer = &websocket.Dialer{NetDialContext: wc.dial}
	s := dial(b, srv.SessionURL(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	b.Cleanup(cancel)
	return s, ctx, wc
}

// rawEcho is the baseline: a bare gorilla echo server and a bare gorilla
// client, the writer pipelined ahead of the reader like the session's window.
type rawEcho struct {
	srv    *httptest.Server
	conn   *websocket.Conn
	writes *writeCounter
}

func newRawEcho(b *testing.B) *rawEcho {
	srv := httptest.NewServer(wstest.EchoHandler())
	wc := &writeCounter{}
	d := websocket.Dialer{NetDialContext: wc.dial}
	conn, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	r := &rawEcho{srv: srv, conn: conn, writes: wc}
	b.Cleanup(func() { conn.Close(); srv.Close() })
	return r
}

func (r *rawEcho) batch(b *testing.B, n int) {
	errc := make(chan error, 1)
	go func() {
		for range n {
			if err := r.conn.WriteMessage(websocket.BinaryMessage, benchPayload); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for range n {
		if _, _, err := r.conn.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSessionPublishAck: one op is one 128-byte publication, published
// and acked through the faultserver on loopback. Allocations include the
// in-process server's.
func BenchmarkSessionPublishAck(b *testing.B) {
	s, ctx, wc := benchSession(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPayload)))
	w0 := wc.n.Load()
	b.ResetTimer()
	sessionBatch(b, ctx, s, b.N)
	b.ReportMetric(float64(wc.n.Load()-w0)/float64(b.N), "client-writes/msg")
}

// BenchmarkRawGorillaEcho: one op is one 128-byte message echoed by a bare
// gorilla server: the floor the session layer is measured against.
func BenchmarkRawGorillaEcho(b *testing.B) {
	r := newRawEcho(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPayload)))
	w0 := r.writes.n.Load()
	b.ResetTimer()
	r.batch(b, b.N)
	b.ReportMetric(float64(r.writes.n.Load()-w0)/float64(b.N), "client-writes/msg")
}

// BenchmarkThroughputRatio runs both in the same process, interleaved in
// batches of 2,000 messages, and reports messages per second of each, their
// ratio, and allocations per message of each. Interleaving exposes both to
// the same load on a shared machine at nearly the same moment; the separate
// benchmarks above each run alone, so their ratio also carries whatever the
// machine did between them (and the session's share of GC from its larger
// heap lands on itself only).
func BenchmarkThroughputRatio(b *testing.B) {
	const batch = 2000
	s, ctx, _ := benchSession(b)
	r := newRawEcho(b)
	var sess, raw time.Duration
	var sessAllocs, rawAllocs uint64
	var m0, m1, m2 runtime.MemStats
	for b.Loop() {
		runtime.ReadMemStats(&m0)
		t0 := time.Now()
		sessionBatch(b, ctx, s, batch)
		t1 := time.Now()
		runtime.ReadMemStats(&m1)
		t2 := time.Now()
		r.batch(b, batch)
		raw += time.Since(t2)
		runtime.ReadMemStats(&m2)
		sess += t1.Sub(t0)
		sessAllocs += m1.Mallocs - m0.Mallocs
		rawAllocs += m2.Mallocs - m1.Mallocs
	}
	n := float64(b.N * batch)
	b.ReportMetric(n/sess.Seconds(), "session-msg/s")
	b.ReportMetric(n/raw.Seconds(), "raw-msg/s")
	b.ReportMetric(raw.Seconds()/sess.Seconds(), "session/raw")
	b.ReportMetric(float64(sessAllocs)/n, "session-allocs/msg")
	b.ReportMetric(float64(rawAllocs)/n, "raw-allocs/msg")
}

// BenchmarkProtocolOverhead reports the bytes a frame adds to its payload
// (envelope, field names, base64 expansion) for publish and message frames.
func BenchmarkProtocolOverhead(b *testing.B) {
	var pub, msg []byte
	for b.Loop() {
		pub, _ = protocol.Encode(protocol.Publish{Seq: 123456, Channel: "bench", Data: benchPayload})
		msg, _ = protocol.Encode(protocol.ChannelMessage{Channel: "bench", Serial: 123456, Data: benchPayload})
	}
	b.ReportMetric(float64(len(pub)-len(benchPayload)), "publish-overhead-B")
	b.ReportMetric(float64(len(msg)-len(benchPayload)), "message-overhead-B")
	ack, _ := protocol.Encode(protocol.Ack{Seq: 123456})
	b.ReportMetric(float64(len(ack)), "ack-B")
}
