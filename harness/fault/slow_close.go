package fault

import (
	"context"
	"time"
)

// SlowClose delays the close of a connection by Delay.
type SlowClose struct {
	Delay Duration `json:"delay,omitempty"`
	Toxic
}

func init() {
	Register("slow_close", "delay the close of a connection by delay", func() Fault { return &SlowClose{} })
}

// Name implements Fault.
func (SlowClose) Name() string { return "slow_close" }

// Tags implements Fault.
func (SlowClose) Tags() Tags { return Network }

// NeedsDuration implements Fault.
func (SlowClose) NeedsDuration() bool { return false }

// Validate implements Fault.
func (f SlowClose) Validate() error {
	if err := nonNegative("slow_close", map[string]Duration{"delay": f.Delay}); err != nil {
		return err
	}
	return f.Toxic.validate("slow_close")
}

// Apply implements Fault.
func (f SlowClose) Apply(ctx context.Context, env Env, _ time.Duration) (Undo, error) {
	return f.add(ctx, env, "slow_close", map[string]any{"delay": ms(f.Delay)})
}

func (f SlowClose) String() string { return "slow_close " + f.Delay.String() + f.suffix() }
