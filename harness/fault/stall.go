package fault

import (
	"context"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// Stall makes live connections half-open: the server stops reading, writing
// and answering pings, for the step's duration.
type Stall struct{}

func init() {
	Register("stall", "make live connections half-open: the server stops reading, writing and answering pings",
		func() Fault { return &Stall{} })
}

// Name implements Fault.
func (Stall) Name() string { return "stall" }

// Tags implements Fault.
func (Stall) Tags() Tags { return serverTags | Outage }

// NeedsDuration implements Fault.
func (Stall) NeedsDuration() bool { return true }

// Validate implements Fault.
func (Stall) Validate() error { return nil }

// Apply implements Fault.
func (Stall) Apply(ctx context.Context, env Env, d time.Duration) (Undo, error) {
	srv, err := needServer(env, "stall")
	if err != nil {
		return nil, err
	}
	_, err = srv.Stall(faultserver.StallSpec{Selector: faultserver.AllConnections, For: d})
	return func(context.Context) error { srv.Unstall(); return nil }, err
}

func (Stall) String() string { return "stall" }
