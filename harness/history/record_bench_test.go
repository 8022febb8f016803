package history

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// feed records n publications the way the harness does: a client's message
// goes up to the server and back down to the client (a send, an ack and a
// delivery on each queue), over clients x 2 channels.
func feed(rec *Recorder, n int) {
	const clients = 50
	t := time.Unix(1_700_000_000, 0)
	next := make([]uint64, clients*2)
	for i := range n {
		c := i % clients
		k := c*2 + (i/clients)%2
		next[k]++
		idx := next[k]
		sender := ClientName(c)
		ch := "run.c" + strconv.Itoa(c) + "." + strconv.Itoa(k%2)
		id := sender + "/" + ch + "/" + strconv.FormatUint(idx, 10)
		t = t.Add(time.Microsecond)
		for _, q := range []struct {
			dir Direction
			to  string
		}{{Up, "server"}, {Down, sender}} {
			base := Record{Time: t, Client: c, Dir: q.dir, Channel: ch, ID: id, Sender: sender, Receiver: q.to, Index: idx}
			for _, kind := range []RecordKind{RecSend, RecAck, RecDeliver} {
				r := base
				r.Kind = kind
				rec.Add(r)
			}
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkRecorder records and checks b.N publications (six records each:
// two queues) with the old recorder (a record per observation) and the
// compact one, reporting checked messages per second (record + check) and
// the bytes the recorder holds per message before the check.
func BenchmarkRecorder(b *testing.B) {
	for _, c := range []struct {
		name string
		mk   func() *Recorder
	}{{"full", NewRecorder}, {"compact", func() *Recorder { return NewCompactRecorder(false) }}} {
		b.Run(c.name, func(b *testing.B) {
			before := heapInUse()
			rec := c.mk()
			start := time.Now()
			feed(rec, b.N)
			held := heapInUse()
			rep := rec.CheckMessages(time.Time{})
			elapsed := time.Since(start)
			runtime.KeepAlive(rec)
			if rep.Total.Delivered != 2*b.N || !rep.OK() {
				b.Fatalf("checked %+v", rep.Total)
			}
			b.ReportMetric(float64(int64(held)-int64(before))/float64(b.N), "B/msg")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		})
	}
}
