package fault

import (
	"context"
	"fmt"
	"time"
)

// LimitData closes a connection after Bytes bytes. Toxiproxy counts from the
// first byte of the connection, so the HTTP upgrade handshake (a few
// hundred bytes each way) is included.
type LimitData struct {
	Bytes int64 `json:"bytes,omitempty" fault:"required"`
	Toxic
}

func init() {
	Register("limit_data", "close a connection after bytes bytes", func() Fault { return &LimitData{} })
}

// Name implements Fault.
func (LimitData) Name() string { return "limit_data" }

// Tags implements Fault.
func (LimitData) Tags() Tags { return Network | Outage }

// NeedsDuration implements Fault.
func (LimitData) NeedsDuration() bool { return false }

// Validate implements Fault.
func (f LimitData) Validate() error {
	if f.Bytes <= 0 {
		return attrErr("limit_data", "bytes", "%d: must be positive", f.Bytes)
	}
	return f.Toxic.validate("limit_data")
}

// Apply implements Fault.
func (f LimitData) Apply(ctx context.Context, env Env, _ time.Duration) (Undo, error) {
	return f.add(ctx, env, "limit_data", map[string]any{"bytes": f.Bytes})
}

func (f LimitData) String() string { return fmt.Sprintf("limit_data %dB", f.Bytes) + f.suffix() }
