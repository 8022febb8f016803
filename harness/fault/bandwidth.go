package fault

import (
	"context"
	"fmt"
	"time"
)

// Bandwidth limits throughput to RateKBps kilobytes per second.
type Bandwidth struct {
	RateKBps int64 `json:"rate_kbps,omitempty" fault:"required"`
	Toxic
}

func init() {
	Register("bandwidth", "limit throughput to rate_kbps KB/s", func() Fault { return &Bandwidth{} })
}

// Name implements Fault.
func (Bandwidth) Name() string { return "bandwidth" }

// Tags implements Fault.
func (Bandwidth) Tags() Tags { return Network }

// NeedsDuration implements Fault.
func (Bandwidth) NeedsDuration() bool { return false }

// Validate implements Fault.
func (f Bandwidth) Validate() error {
	if f.RateKBps <= 0 {
		return attrErr("bandwidth", "rate_kbps", "%d: must be positive", f.RateKBps)
	}
	return f.Toxic.validate("bandwidth")
}

// Apply implements Fault.
func (f Bandwidth) Apply(ctx context.Context, env Env, _ time.Duration) (Undo, error) {
	return f.add(ctx, env, "bandwidth", map[string]any{"rate": f.RateKBps})
}

func (f Bandwidth) String() string { return fmt.Sprintf("bandwidth %dKB/s", f.RateKBps) + f.suffix() }
