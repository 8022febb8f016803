package stats

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestKolmogorovSurvivalKnownValues(t *testing.T) {
	// Classical asymptotic critical values: P(K > 1.358) = 0.05, P(K > 1.628) = 0.01.
	for _, tc := range []struct{ l, p float64 }{{1.3581, 0.05}, {1.6276, 0.01}, {1.9495, 0.001}} {
		if got := KolmogorovSurvival(tc.l); math.Abs(got-tc.p) > 2e-4 {
			t.Errorf("KolmogorovSurvival(%v) = %v, want %v", tc.l, got, tc.p)
		}
	}
	if KolmogorovSurvival(0) != 1 || KolmogorovSurvival(10) > 1e-12 {
		t.Error("tails wrong")
	}
}

func TestKSCriticalMatchesTable(t *testing.T) {
	// n=100, alpha=0.05: 1.358/(10+0.12+0.011) = 0.1340.
	if got := KSCritical(100, 0.05); math.Abs(got-0.1340) > 5e-4 {
		t.Fatalf("KSCritical(100, 0.05) = %v, want 0.1340", got)
	}
}

func TestKSOneSampleUniform(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 500)
	for i := range x {
		x[i] = rnd.Float64()
	}
	ks := KSOneSample(x, UniformCDF)
	if ks.Reject(0.01) {
		t.Fatalf("uniform sample rejected against uniform: %v", ks)
	}
	// Negative control: the same sample squeezed into [0, 0.8) must fail.
	for i := range x {
		x[i] *= 0.8
	}
	ks = KSOneSample(x, UniformCDF)
	if !ks.Reject(0.001) || ks.D < 0.19 {
		t.Fatalf("squeezed sample not rejected: %v", ks)
	}
}

func TestKSTwoSample(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	a, b, c := make([]float64, 300), make([]float64, 300), make([]float64, 300)
	for i := range a {
		a[i], b[i], c[i] = rnd.NormFloat64(), rnd.NormFloat64(), rnd.NormFloat64()+0.5
	}
	if ks := KSTwoSample(a, b); ks.Reject(0.01) {
		t.Fatalf("same distribution rejected: %v", ks)
	}
	if ks := KSTwoSample(a, c); !ks.Reject(0.001) {
		t.Fatalf("shifted distribution not rejected: %v", ks)
	}
	if ks := KSTwoSample(nil, a); ks.D != 1 || ks.P != 0 {
		t.Fatalf("empty sample: %v", ks)
	}
}

func TestSummarizeAndWindows(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := Summarize(ds)
	if s.N != 100 || s.Min != time.Millisecond || s.Max != 100*time.Millisecond ||
		s.P50 != 50*time.Millisecond || s.P99 != 99*time.Millisecond {
		t.Fatalf("summary = %+v", s)
	}
	t0 := time.Unix(0, 0)
	ts := []time.Time{t0, t0.Add(10 * time.Millisecond), t0.Add(20 * time.Millisecond), t0.Add(250 * time.Millisecond)}
	r := Windows(ts, 100*time.Millisecond)
	if r.Peak != 3 || len(r.Counts) != 3 || r.Total != 4 || math.Abs(r.Mean-4.0/3) > 1e-9 {
		t.Fatalf("windows = %+v", r)
	}
}
