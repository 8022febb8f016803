package fault

import (
	"context"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// Drop drops every connection abruptly, without a close frame.
type Drop struct{}

func init() {
	Register("drop", "drop every connection abruptly, without a close frame", func() Fault { return &Drop{} })
}

// Name implements Fault.
func (Drop) Name() string { return "drop" }

// Tags implements Fault.
func (Drop) Tags() Tags { return serverTags | Outage | Instant }

// NeedsDuration implements Fault.
func (Drop) NeedsDuration() bool { return false }

// Validate implements Fault.
func (Drop) Validate() error { return nil }

// Apply implements Fault.
func (Drop) Apply(ctx context.Context, env Env, _ time.Duration) (Undo, error) {
	srv, err := needServer(env, "drop")
	if err != nil {
		return nil, err
	}
	_, err = srv.DropConnections(ctx, faultserver.AllConnections)
	return nil, err
}

func (Drop) String() string { return "drop" }
