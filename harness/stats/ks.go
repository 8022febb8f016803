// Package stats holds the statistics the chaos harness judges timing with:
// Kolmogorov–Smirnov goodness-of-fit tests (one sample against a theoretical
// CDF, two samples against each other), the reconnect-delay distribution of
// a client.Backoff, quantile summaries and rate windows.
//
// The two-sample distance comes from gonum (stat.KolmogorovSmirnov); the
// one-sample distance and the p-values are computed here, because gonum has
// no Kolmogorov distribution.
package stats

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// KS is the outcome of a Kolmogorov–Smirnov test.
type KS struct {
	// D is the largest distance between the CDFs.
	D float64 `json:"d"`
	// N is the effective sample size (n, or n*m/(n+m) for two samples).
	N float64 `json:"n"`
	// P is the asymptotic p-value: the probability of a distance at least D
	// if the samples do come from the hypothesised distribution.
	P float64 `json:"p"`
}

// Critical returns the distance at which the test rejects at level alpha
// for this sample size.
func (k KS) Critical(alpha float64) float64 { return KSCritical(k.N, alpha) }

// Reject reports whether the test rejects the hypothesis at level alpha.
func (k KS) Reject(alpha float64) bool { return k.P < alpha }

func (k KS) String() string { return fmt.Sprintf("D=%.4f n=%.0f p=%.3g", k.D, k.N, k.P) }

// KSOneSample tests whether x was drawn from the distribution with CDF cdf.
// x need not be sorted and is not modified. An empty x gives D=1, P=0.
func KSOneSample(x []float64, cdf func(float64) float64) KS {
	n := len(x)
	if n == 0 {
		return KS{D: 1, P: 0}
	}
	s := slices.Clone(x)
	slices.Sort(s)
	var d float64
	for i, v := range s {
		f := cdf(v)
		// The empirical CDF jumps from i/n to (i+1)/n at v: compare both sides.
		d = max(d, math.Abs(float64(i+1)/float64(n)-f), math.Abs(f-float64(i)/float64(n)))
	}
	return KS{D: d, N: float64(n), P: KolmogorovSurvival(lambda(d, float64(n)))}
}

// KSTwoSample tests whether x and y were drawn from the same distribution.
// Neither slice is modified.
func KSTwoSample(x, y []float64) KS {
	if len(x) == 0 || len(y) == 0 {
		return KS{D: 1, P: 0}
	}
	sx, sy := slices.Clone(x), slices.Clone(y)
	slices.Sort(sx)
	slices.Sort(sy)
	d := stat.KolmogorovSmirnov(sx, nil, sy, nil)
	n := float64(len(x)) * float64(len(y)) / float64(len(x)+len(y))
	return KS{D: d, N: n, P: KolmogorovSurvival(lambda(d, n))}
}

// lambda applies Stephens' small-sample correction (Numerical Recipes
// 14.3.9), which keeps the asymptotic p-value accurate down to n of about 4.
func lambda(d, n float64) float64 {
	sn := math.Sqrt(n)
	return (sn + 0.12 + 0.11/sn) * d
}

// KolmogorovSurvival is P(K > l) for the Kolmogorov distribution:
// 2 * sum_{k>=1} (-1)^(k-1) exp(-2 k^2 l^2).
func KolmogorovSurvival(l float64) float64 {
	if l < 0.2 {
		return 1 // the series converges slowly here and the value is 1 to 1e-8
	}
	var sum float64
	for k := 1; k <= 100; k++ {
		term := math.Exp(-2 * float64(k*k) * l * l)
		if k%2 == 1 {
			sum += term
		} else {
			sum -= term
		}
		if term < 1e-16 {
			break
		}
	}
	return min(max(2*sum, 0), 1)
}

// KSCritical returns the distance D at which a KS test with effective sample
// size n has p-value alpha (by bisection on the corrected statistic).
func KSCritical(n, alpha float64) float64 {
	if n <= 0 || alpha <= 0 || alpha >= 1 {
		return math.NaN()
	}
	lo, hi := 0.0, 1.0
	for range 60 {
		mid := (lo + hi) / 2
		if KolmogorovSurvival(lambda(mid, n)) > alpha {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}
