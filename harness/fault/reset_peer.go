package fault

import (
	"context"
	"time"
)

// ResetPeer closes connections after Timeout with TCP RST. Only connections
// opened while the toxic is present get a real RST (Toxiproxy sets
// SO_LINGER 0 when a link starts); connections that were already open see a
// plain close, i.e. EOF.
type ResetPeer struct {
	Timeout Duration `json:"timeout,omitempty"`
	Toxic
}

func init() {
	Register("reset_peer", "close connections with TCP RST after timeout", func() Fault { return &ResetPeer{} })
}

// Name implements Fault.
func (ResetPeer) Name() string { return "reset_peer" }

// Tags implements Fault.
func (ResetPeer) Tags() Tags { return Network | Outage }

// NeedsDuration implements Fault.
func (ResetPeer) NeedsDuration() bool { return false }

// Validate implements Fault.
func (f ResetPeer) Validate() error {
	if err := nonNegative("reset_peer", map[string]Duration{"timeout": f.Timeout}); err != nil {
		return err
	}
	return f.Toxic.validate("reset_peer")
}

// Apply implements Fault.
func (f ResetPeer) Apply(ctx context.Context, env Env, _ time.Duration) (Undo, error) {
	return f.add(ctx, env, "reset_peer", map[string]any{"timeout": ms(f.Timeout)})
}

func (f ResetPeer) String() string { return "reset_peer after " + f.Timeout.String() + f.suffix() }
