package fault

import (
	"context"
	"fmt"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// Close closes every connection with Code and Reason.
type Close struct {
	Code   int    `json:"code,omitempty" fault:"required"`
	Reason string `json:"reason,omitempty"`
}

func init() {
	Register("close", "close every connection with code and reason", func() Fault { return &Close{} })
}

// Name implements Fault.
func (Close) Name() string { return "close" }

// Tags implements Fault.
func (Close) Tags() Tags { return serverTags | Outage | Instant }

// NeedsDuration implements Fault.
func (Close) NeedsDuration() bool { return false }

// Validate implements Fault with the fault server's rules for
// faultserver.CloseSpec (whose validate is unexported; TestCloseRulesMatch
// FaultServer pins the two together on a real server): codes 1004-1006 and
// 1015 may not be sent on the wire, and a reason holds at most 123 bytes.
func (f Close) Validate() error {
	switch c := f.Code; {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014, c >= 3000 && c <= 4999:
	default:
		return attrErr("close", "code", "%d cannot be sent in a close frame (use 1000-1003, 1007-1014, 3000-4999)", c)
	}
	if len(f.Reason) > 123 {
		return attrErr("close", "reason", "is %d bytes; a close frame holds at most 123", len(f.Reason))
	}
	return nil
}

// Apply implements Fault.
func (f Close) Apply(ctx context.Context, env Env, _ time.Duration) (Undo, error) {
	srv, err := needServer(env, "close")
	if err != nil {
		return nil, err
	}
	_, err = srv.CloseConnections(ctx, faultserver.CloseSpec{Code: f.Code, Reason: f.Reason, Selector: faultserver.AllConnections})
	return nil, err
}

func (f Close) String() string { return fmt.Sprintf("close %d %q", f.Code, f.Reason) }
