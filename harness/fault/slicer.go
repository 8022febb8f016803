package fault

import (
	"context"
	"fmt"
	"time"
)

// Slicer cuts data into pieces of AverageSize ± SizeVariation bytes with
// Delay between them.
type Slicer struct {
	AverageSize   int      `json:"average_size,omitempty" fault:"required"`
	SizeVariation int      `json:"size_variation,omitempty"`
	Delay         Duration `json:"delay,omitempty"`
	Toxic
}

func init() {
	Register("slicer", "cut data into average_size ± size_variation byte pieces, delay apart", func() Fault { return &Slicer{} })
}

// Name implements Fault.
func (Slicer) Name() string { return "slicer" }

// Tags implements Fault.
func (Slicer) Tags() Tags { return Network }

// NeedsDuration implements Fault.
func (Slicer) NeedsDuration() bool { return false }

// Validate implements Fault.
func (f Slicer) Validate() error {
	if err := nonNegative("slicer", map[string]Duration{"delay": f.Delay}); err != nil {
		return err
	}
	if f.AverageSize <= 0 || f.SizeVariation < 0 || f.SizeVariation >= f.AverageSize {
		return attrErr("slicer", "average_size", "want average_size > size_variation >= 0, got %d and %d", f.AverageSize, f.SizeVariation)
	}
	return f.Toxic.validate("slicer")
}

// Apply implements Fault. Toxiproxy's slicer takes its delay in
// microseconds, unlike every other toxic.
func (f Slicer) Apply(ctx context.Context, env Env, _ time.Duration) (Undo, error) {
	return f.add(ctx, env, "slicer", map[string]any{"average_size": f.AverageSize,
		"size_variation": f.SizeVariation, "delay": f.Delay.D().Microseconds()})
}

func (f Slicer) String() string {
	return fmt.Sprintf("slicer %d±%dB/%v", f.AverageSize, f.SizeVariation, f.Delay) + f.suffix()
}
