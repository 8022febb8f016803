package fault

import (
	"context"
	"time"
)

// ProxyDown disables the proxy: its listener closes (new dials are refused)
// and every proxied connection is closed. Undo re-enables it on the same
// address.
type ProxyDown struct{}

func init() {
	Register("proxy_down", "disable the proxy: refuse dials and close every proxied connection",
		func() Fault { return &ProxyDown{} })
}

// Name implements Fault.
func (ProxyDown) Name() string { return "proxy_down" }

// Tags implements Fault.
func (ProxyDown) Tags() Tags { return Network | Outage }

// NeedsDuration implements Fault.
func (ProxyDown) NeedsDuration() bool { return true }

// Validate implements Fault.
func (ProxyDown) Validate() error { return nil }

// Apply implements Fault.
func (ProxyDown) Apply(ctx context.Context, env Env, _ time.Duration) (Undo, error) {
	if err := env.SetProxyEnabled(ctx, false); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return env.SetProxyEnabled(ctx, true) }, nil
}

func (ProxyDown) String() string { return "proxy_down" }
