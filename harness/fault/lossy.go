package fault

import (
	"context"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// Lossy is the deliberately broken mode: the server acks publishes and then
// drops them. It exists so the checker can be shown to catch loss.
type Lossy struct{}

// lossyDropEvery is how often lossy mode loses a publish: every 7th, so a
// short run loses several messages while most still flow.
const lossyDropEvery = 7

func init() {
	Register("lossy", "deliberately broken: the server acks publishes and drops them (a negative control)",
		func() Fault { return &Lossy{} })
}

// Name implements Fault.
func (Lossy) Name() string { return "lossy" }

// Tags implements Fault.
func (Lossy) Tags() Tags { return serverTags }

// NeedsDuration implements Fault.
func (Lossy) NeedsDuration() bool { return false }

// Validate implements Fault.
func (Lossy) Validate() error { return nil }

// Apply implements Fault.
func (Lossy) Apply(_ context.Context, env Env, _ time.Duration) (Undo, error) {
	srv, err := needServer(env, "lossy")
	if err != nil {
		return nil, err
	}
	if err := srv.SetLossy(faultserver.LossySpec{DropEvery: lossyDropEvery}); err != nil {
		return nil, err
	}
	return func(context.Context) error { return srv.SetLossy(faultserver.LossySpec{}) }, nil
}

func (Lossy) String() string { return "lossy" }
