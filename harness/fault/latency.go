package fault

import (
	"context"
	"fmt"
	"time"
)

// Latency delays every chunk by Latency ± Jitter.
type Latency struct {
	Latency Duration `json:"latency,omitempty" fault:"required"`
	Jitter  Duration `json:"jitter,omitempty"`
	Toxic
}

func init() {
	Register("latency", "delay every chunk by latency ± jitter", func() Fault { return &Latency{} })
}

// Name implements Fault.
func (Latency) Name() string { return "latency" }

// Tags implements Fault.
func (Latency) Tags() Tags { return Network }

// NeedsDuration implements Fault.
func (Latency) NeedsDuration() bool { return false }

// Validate implements Fault.
func (f Latency) Validate() error {
	if err := nonNegative("latency", map[string]Duration{"latency": f.Latency, "jitter": f.Jitter}); err != nil {
		return err
	}
	if f.Latency == 0 {
		return attrErr("latency", "latency", "is required and must be positive")
	}
	if f.Jitter > f.Latency {
		return attrErr("latency", "jitter", "%v exceeds latency %v, which would ask for negative delays", f.Jitter, f.Latency)
	}
	return f.Toxic.validate("latency")
}

// Apply implements Fault.
func (f Latency) Apply(ctx context.Context, env Env, _ time.Duration) (Undo, error) {
	return f.add(ctx, env, "latency", map[string]any{"latency": ms(f.Latency), "jitter": ms(f.Jitter)})
}

func (f Latency) String() string {
	return fmt.Sprintf("latency %v±%v", f.Latency, f.Jitter) + f.suffix()
}
