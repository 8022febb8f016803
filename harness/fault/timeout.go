package fault

import (
	"context"
	"time"
)

// Timeout stops all data (a black hole: half-open). With Timeout > 0
// Toxiproxy closes the connection after that long. Removing a timeout toxic
// closes the connections it held.
type Timeout struct {
	Timeout Duration `json:"timeout,omitempty"`
	Toxic
}

func init() {
	Register("timeout", "black hole: stop all data (half-open); with timeout > 0 close after that long",
		func() Fault { return &Timeout{} })
}

// Name implements Fault.
func (Timeout) Name() string { return "timeout" }

// Tags implements Fault.
func (Timeout) Tags() Tags { return Network | Outage }

// NeedsDuration implements Fault.
func (Timeout) NeedsDuration() bool { return false }

// Validate implements Fault.
func (f Timeout) Validate() error {
	if err := nonNegative("timeout", map[string]Duration{"timeout": f.Timeout}); err != nil {
		return err
	}
	return f.Toxic.validate("timeout")
}

// Apply implements Fault.
func (f Timeout) Apply(ctx context.Context, env Env, _ time.Duration) (Undo, error) {
	return f.add(ctx, env, "timeout", map[string]any{"timeout": ms(f.Timeout)})
}

func (f Timeout) String() string { return "timeout after " + f.Timeout.String() + f.suffix() }
