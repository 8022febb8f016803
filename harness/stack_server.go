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

// connectAdmin checks the Target's admin API (reachable, token accepted)
// before anything depends on it, and notes where its event log stands so
// the Result holds this run's events only.
func (s *Stack) connectAdmin(ctx context.Context) error {
	a := s.opts.TargetAdmin
	if a == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, adminRequestTimeout)
	defer cancel()
	last, err := a.lastID(ctx)
	if err != nil {
		return fmt.Errorf("harness: target admin API %s: %w", a.URL(), err)
	}
	s.admin, s.adminSince = a, last
	return nil
}

// clearServerFaults lifts every fault-server fault: on the local server, or
// through the target's admin API.
func (s *Stack) clearServerFaults(ctx context.Context) error {
	switch {
	case s.server != nil:
		s.server.ClearFaults()
	case s.admin != nil:
		return s.admin.ClearAll(ctx)
	}
	return nil
}

// lastEventID is the id of srv's newest event; 0 with no fault server (a
// Target), whose events come from serverEventsSince's admin cursor.
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

// serverEventsSince returns the fault server's events after id: the local
// server's, or, with a Target's admin API, every event since the stack
// started (id is the local server's; the admin log has its own cursor).
// Nil with a Target without admin API, whose events the harness cannot see.
func (s *Stack) serverEventsSince(id uint64) []faultserver.Event {
	if s.server != nil {
		return s.server.EventsSince(id)
	}
	if s.admin == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), adminRequestTimeout)
	defer cancel()
	var out []faultserver.Event
	since := s.adminSince
	for range 1000 { // the server answers its whole bounded log at once; bound the loop anyway
		evs, last, err := s.admin.Events(ctx, since)
		if err != nil || len(evs) == 0 || last == since {
			break
		}
		out = append(out, evs...)
		since = last
	}
	return out
}
