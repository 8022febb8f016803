package stats

import (
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"
)

// Summary describes a sample of durations.
type Summary struct {
	N    int           `json:"n"`
	Min  time.Duration `json:"min"`
	Mean time.Duration `json:"mean"`
	P50  time.Duration `json:"p50"`
	P90  time.Duration `json:"p90"`
	P99  time.Duration `json:"p99"`
	Max  time.Duration `json:"max"`
}

// Summarize returns the summary of ds (the zero Summary for none).
// Quantiles are the empirical ones (no interpolation).
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	x := Seconds(ds)
	slices.Sort(x)
	q := func(p float64) time.Duration {
		return secs(stat.Quantile(p, stat.Empirical, x, nil))
	}
	return Summary{
		N:    len(x),
		Min:  secs(x[0]),
		Mean: secs(stat.Mean(x, nil)),
		P50:  q(0.5),
		P90:  q(0.9),
		P99:  q(0.99),
		Max:  secs(x[len(x)-1]),
	}
}

// Quantile returns the empirical p-quantile of ds (0 for none).
func Quantile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	x := Seconds(ds)
	slices.Sort(x)
	return secs(stat.Quantile(p, stat.Empirical, x, nil))
}

// Seconds converts durations to float seconds.
func Seconds(ds []time.Duration) []float64 {
	x := make([]float64, len(ds))
	for i, d := range ds {
		x[i] = d.Seconds()
	}
	return x
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Rate is a count of events per fixed window.
type Rate struct {
	Window time.Duration `json:"window"`
	// Counts holds one count per window from the first event to the last.
	Counts []int `json:"counts"`
	// Peak is the largest count; Mean the average over the windows that
	// span the events (first to last).
	Peak int     `json:"peak"`
	Mean float64 `json:"mean"`
	// Total is the number of events.
	Total int `json:"total"`
}

// Windows buckets ts into windows of width w starting at the earliest event.
func Windows(ts []time.Time, w time.Duration) Rate {
	r := Rate{Window: w, Total: len(ts)}
	if len(ts) == 0 || w <= 0 {
		return r
	}
	first, last := slices.MinFunc(ts, time.Time.Compare), slices.MaxFunc(ts, time.Time.Compare)
	r.Counts = make([]int, int(last.Sub(first)/w)+1)
	for _, t := range ts {
		r.Counts[int(t.Sub(first)/w)]++
	}
	r.Peak = slices.Max(r.Counts)
	r.Mean = float64(len(ts)) / float64(len(r.Counts))
	return r
}
