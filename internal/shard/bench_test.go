package shard

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkRecordSketch is the cost of recording a sample in a sketch;
// BenchmarkRecordSlice, its baseline, is what an unsharded run does (keep
// every sample, sort once for the quantiles).
func BenchmarkRecordSketch(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	xs := samples(r, 4096)
	b.ResetTimer()
	s := NewSketch()
	for i := range b.N {
		_ = s.Add(xs[i&4095])
	}
	_, _ = s.Quantile(0.99)
}

func BenchmarkRecordSlice(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	xs := samples(r, 4096)
	b.ResetTimer()
	var all []time.Duration
	for i := range b.N {
		all = append(all, xs[i&4095])
	}
	slices.Sort(all)
	_ = all[len(all)*99/100]
}

// BenchmarkMergeDecode16 decodes and merges 16 partials of 20000 recovery
// samples each, as `wschaos merge` does; it reports one partial's size.
func BenchmarkMergeDecode16(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	var docs [][]byte
	start := time.Unix(0, 0).UTC()
	for i := range 16 {
		s := Spec{Index: i, Count: 16}
		rg, _ := s.Clients(1600)
		p := NewPartial("r1", testScenario, 1, s, rg, start)
		for _, d := range samples(r, 20000) {
			_ = p.Recovery.Add(d)
		}
		var buf bytes.Buffer
		_ = Encode(&buf, p)
		docs = append(docs, buf.Bytes())
	}
	b.ResetTimer()
	for range b.N {
		in := make([]Input, len(docs))
		for i, d := range docs {
			p, err := Decode(bytes.NewReader(d))
			if err != nil {
				b.Fatal(err)
			}
			in[i] = Input{Partial: p}
		}
		if _, err := Merge(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(docs[0])), "bytes/partial")
}
