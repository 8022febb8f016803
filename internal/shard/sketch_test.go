package shard

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var quantiles = []float64{0, 0.5, 0.9, 0.95, 0.99, 0.999, 1}

// exactQuantile is the sample at rank floor(q*(n-1)), the rank DDSketch
// reads its quantiles at.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[int(math.Floor(q*float64(len(sorted)-1)))]
}

// samples mixes a lognormal body (recoveries around 200ms) with a heavy
// tail, so the high quantiles are not all one bin.
func samples(r *rand.Rand, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		v := math.Exp(r.NormFloat64()*0.8) * 200e6
		if r.IntN(50) == 0 {
			v *= 20
		}
		out[i] = time.Duration(v)
	}
	return out
}

// TestMergedQuantilesWithinStatedError splits one sample set over 1, 2, 4
// and 7 shards (unevenly, in random order), merges the shards' sketches and
// compares every quantile with the exact one: within RelativeAccuracy, and
// identical to one sketch fed every sample (the merge adds no error).
func TestMergedQuantilesWithinStatedError(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 34))
	all := samples(r, 20000)
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	single := NewSketch()
	for _, d := range all {
		if err := single.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []int{1, 2, 4, 7} {
		shards := make([]*Sketch, n)
		for i := range shards {
			shards[i] = NewSketch()
		}
		for _, d := range all {
			if err := shards[r.IntN(n)].Add(d); err != nil {
				t.Fatal(err)
			}
		}
		merged := NewSketch()
		for _, s := range shards {
			// Through JSON, as partials travel.
			var round Sketch
			b, err := s.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if err := round.UnmarshalJSON(b); err != nil {
				t.Fatal(err)
			}
			if err := merged.Merge(&round); err != nil {
				t.Fatal(err)
			}
		}
		if merged.Count() != int64(len(all)) {
			t.Fatalf("n=%d: merged count %d, want %d", n, merged.Count(), len(all))
		}
		worst := 0.0
		for _, q := range quantiles {
			got, ok := merged.Quantile(q)
			one, _ := single.Quantile(q)
			exact := exactQuantile(sorted, q)
			if !ok {
				t.Fatalf("n=%d q=%v: empty", n, q)
			}
			if got != one {
				t.Errorf("n=%d q=%v: merged %v, single sketch %v: merging must not change a quantile", n, q, got, one)
			}
			rel := math.Abs(float64(got-exact)) / float64(exact)
			worst = max(worst, rel)
			if rel > RelativeAccuracy+1e-9 {
				t.Errorf("n=%d q=%v: merged %v, exact %v: relative error %.4f > %v", n, q, got, exact, rel, RelativeAccuracy)
			}
		}
		t.Logf("n=%d: worst relative error over %v: %.5f (stated %v)", n, quantiles, worst, RelativeAccuracy)
	}
}

// TestQuantileErrorDetectable is the negative control: a sketch missing the
// tail shard's samples reads p99 far outside the stated error, so the
// comparison above can fail.
func TestQuantileErrorDetectable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	all := samples(r, 5000)
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	partial := NewSketch()
	for _, d := range sorted[:len(sorted)*9/10] {
		_ = partial.Add(d)
	}
	got, _ := partial.Quantile(0.99)
	exact := exactQuantile(sorted, 0.99)
	if rel := math.Abs(float64(got-exact)) / float64(exact); rel <= RelativeAccuracy {
		t.Fatalf("a sketch without the top 10%% read p99 %v against exact %v (rel %.4f): the check cannot fail", got, exact, rel)
	}
}

func TestSketchRejects(t *testing.T) {
	s := NewSketch()
	if err := s.Add(-time.Second); err == nil {
		t.Fatal("negative duration accepted")
	}
	if _, ok := s.Quantile(0.5); ok {
		t.Fatal("empty sketch returned a quantile")
	}
	var k Sketch
	for _, in := range []string{`"not base64!"`, `12`, `"AAAA"`} {
		if err := k.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("UnmarshalJSON(%s) accepted", in)
		}
	}
	// Another accuracy is refused: it would break the error bound on merge.
	other := NewSketch()
	_ = other.Add(time.Second)
	b, _ := other.MarshalJSON()
	if bytes.Equal(b, []byte(`""`)) {
		t.Fatal("encoding lost the sample")
	}
	var back Sketch
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if back.Count() != 1 {
		t.Fatalf("count %d after round trip, want 1", back.Count())
	}
}
