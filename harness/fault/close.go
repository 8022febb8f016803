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

// Validate implements Fault with the fault server's own rules
// (faultserver.CloseSpec.Validate): codes 1004-1006 and 1015 may not be sent
// on the wire, and a reason holds at most 123 bytes. The error names the
// attribute so the scenario parser can point at its line.
func (f Close) Validate() error {
	if !faultserver.ValidCloseCode(f.Code) {
		return attrErr("close", "code", "%d cannot be sent in a close frame (use 1000-1003, 1007-1014, 3000-4999)", f.Code)
	}
	if err := (faultserver.CloseSpec{Code: f.Code, Reason: f.Reason, Selector: faultserver.AllConnections}).Validate(); err != nil {
		return attrErr("close", "reason", "%v", err)
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
