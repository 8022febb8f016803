package e2e

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
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

func benchSession(b *testing.B) (*client.Session, context.Context) {
	srv := startServer(b, faultserver.Config{HistorySize: 16})
	cfg := fastConfig("bench", nil)
	cfg.Window = 1024
	cfg.Client.PingInterval = time.Second
	cfg.Client.PongTimeout = 5 * time.Second
	s := dial(b, srv.SessionURL(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	b.Cleanup(cancel)
	return s, ctx
}

// rawEcho is the baseline: a bare gorilla echo server and a bare gorilla
// client, the writer pipelined ahead of the reader like the session's window.
type rawEcho struct {
	srv  *httptest.Server
	conn *websocket.Conn
}

func newRawEcho(b *testing.B) *rawEcho {
	srv := httptest.NewServer(wstest.EchoHandler())
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	r := &rawEcho{srv: srv, conn: conn}
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
	s, ctx := benchSession(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPayload)))
	b.ResetTimer()
	sessionBatch(b, ctx, s, b.N)
}

// BenchmarkRawGorillaEcho: one op is one 128-byte message echoed by a bare
// gorilla server: the floor the session layer is measured against.
func BenchmarkRawGorillaEcho(b *testing.B) {
	r := newRawEcho(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPayload)))
	b.ResetTimer()
	r.batch(b, b.N)
}

// BenchmarkThroughputRatio runs both in the same process, interleaved in
// batches, and reports messages per second of each and their ratio.
func BenchmarkThroughputRatio(b *testing.B) {
	const batch = 2000
	s, ctx := benchSession(b)
	r := newRawEcho(b)
	var sess, raw time.Duration
	for b.Loop() {
		t0 := time.Now()
		sessionBatch(b, ctx, s, batch)
		t1 := time.Now()
		r.batch(b, batch)
		sess += t1.Sub(t0)
		raw += time.Since(t1)
	}
	n := float64(b.N * batch)
	b.ReportMetric(n/sess.Seconds(), "session-msg/s")
	b.ReportMetric(n/raw.Seconds(), "raw-msg/s")
	b.ReportMetric(raw.Seconds()/sess.Seconds(), "session/raw")
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
