package shard

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness/stats"
)

// TestEmpiricalQuantileMatchesOneProcess: over a sparse tail (p90 and p99
// of 96 samples) EmpiricalQuantile is within RelativeAccuracy of what one
// process reports (harness/stats), for many seeded sample sets; Quantile's
// rank, one sample lower, is not (the negative control: it shows the rank
// matters, and the check would catch the wrong one).
func TestEmpiricalQuantileMatchesOneProcess(t *testing.T) {
	offByRank := 0
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 1))
		k := NewSketch()
		var all []time.Duration
		for range 96 { // 96: floor(0.99*95) = 94, ceil(0.99*96)-1 = 95
			d := time.Duration(math.Exp(rng.NormFloat64()) * float64(200*time.Millisecond))
			all = append(all, d)
			if err := k.Add(d); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []float64{0.5, 0.9, 0.99} {
			exact := stats.Quantile(all, q)
			got, _ := k.EmpiricalQuantile(q)
			if rel := math.Abs(float64(got-exact)) / float64(exact); rel > RelativeAccuracy {
				t.Errorf("seed %d q %v: %v vs one process %v: %.4f > %v", seed, q, got, exact, rel, RelativeAccuracy)
			}
			low, _ := k.Quantile(q)
			if math.Abs(float64(low-exact))/float64(exact) > RelativeAccuracy {
				offByRank++
			}
		}
	}
	if offByRank == 0 {
		t.Fatal("Quantile's rank never differed from one process's: the control cannot tell the ranks apart")
	}
	if _, ok := NewSketch().EmpiricalQuantile(0.5); ok {
		t.Error("empty sketch: ok")
	}
}
