package fault

import (
	"context"
	"fmt"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// Reject rejects handshakes with Status (and Retry-After when RetryAfter >
// 0): the next Count handshakes, or, with Count 0, every handshake for the
// step's duration.
type Reject struct {
	Status     int      `json:"status,omitempty" fault:"required"`
	RetryAfter Duration `json:"retry_after,omitempty"`
	Count      int      `json:"count,omitempty"`
}

func init() {
	Register("reject", "reject handshakes with status (and Retry-After): the next count, or all for the duration",
		func() Fault { return &Reject{} })
}

// Name implements Fault.
func (Reject) Name() string { return "reject" }

// Tags implements Fault.
func (Reject) Tags() Tags { return serverTags | Outage }

// NeedsDuration implements Fault: a count lifts the fault by itself.
func (f Reject) NeedsDuration() bool { return f.Count == 0 }

// Validate implements Fault with faultserver.RejectSpec's rules.
func (f Reject) Validate() error {
	if f.Status < 400 || f.Status > 599 {
		return attrErr("reject", "status", "%d: want an HTTP error status 400..599", f.Status)
	}
	if f.Count < 0 {
		return attrErr("reject", "count", "%d: must not be negative", f.Count)
	}
	return nonNegative("reject", map[string]Duration{"retry_after": f.RetryAfter})
}

// Apply implements Fault.
func (f Reject) Apply(ctx context.Context, env Env, d time.Duration) (Undo, error) {
	srv, err := needServer(env, "reject")
	if err != nil {
		return nil, err
	}
	err = srv.RejectHandshakes(faultserver.RejectSpec{Count: f.Count, For: d, Status: f.Status, RetryAfter: f.RetryAfter.D()})
	return clearing(srv, serverNameReject), err
}

func (f Reject) String() string {
	s := fmt.Sprintf("reject %d", f.Status)
	if f.Count > 0 {
		s += fmt.Sprintf(" x%d", f.Count)
	}
	if f.RetryAfter > 0 {
		s += fmt.Sprintf(" retry-after %v", f.RetryAfter)
	}
	return s
}
