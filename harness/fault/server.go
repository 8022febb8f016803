package fault

import (
	"context"
	"errors"

	"github.com/wschaos/wschaos/faultserver"
)

// The fault server's own names for the faults that last and are lifted by
// name (faultserver.Server.ClearFault).
const (
	serverNameReject = "reject"
	serverNameDelay  = "delay_handshake"
)

func clearing(srv *faultserver.Server, name string) Undo {
	return func(context.Context) error {
		if err := srv.ClearFault(name); err != nil && !errors.Is(err, faultserver.ErrUnknownFault) {
			return err
		}
		return nil
	}
}
