package shard

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// RelativeAccuracy is the sketches' stated error: a quantile q read from a
// Sketch (merged or not) is within this fraction of the exact sample at rank
// floor(q*(count-1)) of the sorted samples.
const RelativeAccuracy = 0.01

// Sketch is a mergeable distribution of durations (recovery times,
// latencies). The zero value is not ready: use [NewSketch].
// It is not safe for concurrent use.
type Sketch struct {
	s *ddsketch.DDSketch
}

// NewSketch returns an empty sketch with [RelativeAccuracy].
func NewSketch() *Sketch {
	s, err := ddsketch.LogUnboundedDenseDDSketch(RelativeAccuracy)
	if err != nil { // only for an accuracy outside (0,1): a constant here
		panic(fmt.Sprintf("shard: ddsketch accuracy %v: %v", RelativeAccuracy, err))
	}
	return &Sketch{s: s}
}

// ErrNegativeDuration is returned by [Sketch.Add] for a duration below zero.
var ErrNegativeDuration = errors.New("negative duration")

// Add records one sample.
func (k *Sketch) Add(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("failed to add %v to sketch: %w", d, ErrNegativeDuration)
	}
	return k.s.Add(float64(d))
}

// Count is the number of samples.
func (k *Sketch) Count() int64 { return int64(math.Round(k.s.GetCount())) }

// Quantile returns the sample at quantile q (0..1), within RelativeAccuracy;
// ok is false for an empty sketch.
func (k *Sketch) Quantile(q float64) (d time.Duration, ok bool) {
	if k.s.IsEmpty() {
		return 0, false
	}
	v, err := k.s.GetValueAtQuantile(math.Min(math.Max(q, 0), 1))
	if err != nil {
		return 0, false
	}
	return time.Duration(math.Round(v)), true
}

// EmpiricalQuantile returns, within RelativeAccuracy, the sample one
// process reports for quantile q: the smallest sample whose empirical CDF
// reaches q (rank ceil(q*count)-1, gonum's stat.Empirical, which
// harness/stats and so every unsharded report use). Quantile's rank
// floor(q*(count-1)) can be one sample lower, which in a sparse tail (p99
// of 96 samples: rank 94, not 95) is far more than 1% off; the merged gate must judge
// what one process would have judged. ok is false for an empty sketch.
func (k *Sketch) EmpiricalQuantile(q float64) (d time.Duration, ok bool) {
	n := k.s.GetCount()
	if k.s.IsEmpty() || n < 1 {
		return 0, false
	}
	q = math.Min(math.Max(q, 0), 1)
	rank := math.Max(math.Ceil(q*n)-1, 0)
	if n <= 1 {
		return k.Quantile(0)
	}
	// DDSketch answers rank r with the first bin whose cumulative count
	// exceeds r: ask for rank+0.5 so float error cannot land one bin low.
	return k.Quantile(math.Min((rank+0.5)/(n-1), 1))
}

// Max returns the largest sample, within RelativeAccuracy.
func (k *Sketch) Max() (time.Duration, bool) { return k.Quantile(1) }

// Merge adds other's samples into k.
func (k *Sketch) Merge(other *Sketch) error {
	if other == nil {
		return nil
	}
	if err := k.s.MergeWith(other.s); err != nil {
		return fmt.Errorf("failed to merge sketches: %w", err)
	}
	return nil
}

// MarshalJSON encodes the sketch as DDSketch's own binary form (index
// mapping included, so a decoder can refuse a different accuracy), base64.
func (k *Sketch) MarshalJSON() ([]byte, error) {
	var b []byte
	k.s.Encode(&b, false)
	return json.Marshal(b)
}

// UnmarshalJSON decodes what MarshalJSON wrote; a sketch of another accuracy
// is an error, since merging it would break the stated error bound.
func (k *Sketch) UnmarshalJSON(data []byte) error {
	var b []byte
	if err := json.Unmarshal(data, &b); err != nil {
		return fmt.Errorf("failed to decode sketch: %w", err)
	}
	s, err := ddsketch.DecodeDDSketch(b, store.DefaultProvider, nil)
	if err != nil {
		return fmt.Errorf("failed to decode sketch: %w", err)
	}
	if s.IndexMapping == nil || !s.IndexMapping.Equals(NewSketch().s.IndexMapping) {
		return fmt.Errorf("failed to decode sketch: not a sketch of relative accuracy %v", RelativeAccuracy)
	}
	if s.GetNegativeValueStore().TotalCount() != 0 {
		return fmt.Errorf("failed to decode sketch: %w", ErrNegativeDuration)
	}
	k.s = s
	return nil
}
