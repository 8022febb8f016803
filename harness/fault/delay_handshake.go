package fault

import (
	"context"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// DelayHandshake delays every handshake by Delay for the step's duration.
type DelayHandshake struct {
	Delay Duration `json:"delay,omitempty" fault:"required"`
}

func init() {
	Register("delay_handshake", "delay every handshake by delay", func() Fault { return &DelayHandshake{} }, "delay")
}

// Name implements Fault.
func (DelayHandshake) Name() string { return "delay_handshake" }

// Tags implements Fault.
func (DelayHandshake) Tags() Tags { return serverTags }

// NeedsDuration implements Fault.
func (DelayHandshake) NeedsDuration() bool { return true }

// Validate implements Fault.
func (f DelayHandshake) Validate() error {
	if f.Delay <= 0 {
		return attrErr("delay_handshake", "delay", "is required and must be positive")
	}
	return nil
}

// Apply implements Fault.
func (f DelayHandshake) Apply(ctx context.Context, env Env, d time.Duration) (Undo, error) {
	srv, err := needServer(env, "delay_handshake")
	if err != nil {
		return nil, err
	}
	err = srv.DelayHandshakes(faultserver.DelaySpec{Delay: f.Delay.D(), For: d})
	return clearing(srv, serverNameDelay), err
}

func (f DelayHandshake) String() string { return "delay_handshake " + f.Delay.String() }
