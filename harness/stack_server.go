package harness

import (
	"context"
	"fmt"

	"github.com/wschaos/wschaos/faultserver"
)

// startFaultServer creates and starts a fault server on loopback.
func startFaultServer(ctx context.Context, cfg faultserver.Config) (*faultserver.Server, error) {
	srv, err := faultserver.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	if err := srv.Start(ctx); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	return srv, nil
}

func clearServerFaults(_ context.Context, srv *faultserver.Server) error {
	srv.ClearFaults()
	return nil
}

// lastEventID is the id of srv's newest event; 0 with no fault server (a
// Target), whose events the harness cannot see.
func lastEventID(srv *faultserver.Server) uint64 {
	if srv == nil {
		return 0
	}
	evs := srv.Events()
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].ID
}

// serverEventsSince returns the local fault server's events after id; nil
// with a Target.
func (s *Stack) serverEventsSince(id uint64) []faultserver.Event {
	if s.server == nil {
		return nil
	}
	return s.server.EventsSince(id)
}
