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
