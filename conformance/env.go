package conformance

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// env is one scenario's world: a fresh fault server and the adapters started.
type env struct {
	ctx      context.Context
	cfg      Config
	srv      *faultserver.Server
	mu       sync.Mutex // guards adapters: storms start them in parallel
	adapters []*adapter
	cleanup  []func()
}

func newEnv(ctx context.Context, cfg Config) (*env, error) {
	// IdleTimeout 10s, not the default 3 heartbeats: at load average 19 the
	// 1.5s blackhole plus late pongs passed 3s of silence, the server closed
	// the link itself, and the outage was no longer a blackhole.
	srv, err := faultserver.New(faultserver.Config{DisableAdmin: true, Heartbeat: time.Second, IdleTimeout: 10 * time.Second,
		SessionTTL: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, err
	}
	return &env{ctx: ctx, cfg: cfg, srv: srv}, nil
}

func (e *env) close() string {
	var stderr string
	e.mu.Lock()
	as := e.adapters
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, a := range as {
		wg.Go(a.kill) // in parallel: each kill may wait for its process
	}
	wg.Wait()
	for _, a := range as {
		if s := a.stderr.String(); s != "" {
			stderr += s
		}
	}
	for _, f := range e.cleanup {
		f()
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), 5*time.Second)
	defer cancel()
	_ = e.srv.Close(cctx)
	return stderr
}

// start starts one adapter process.
func (e *env) start() (*adapter, error) {
	a, err := startAdapter(e.ctx, e.cfg.Command, e.cfg.HelloTimeout)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.adapters = append(e.adapters, a)
	e.mu.Unlock()
	return a, nil
}

// endpoint is the URL adapters connect to; tag tells processes apart in the
// server's records.
func (e *env) endpoint(tag string) string {
	path := faultserver.EchoPath
	if e.cfg.Session {
		path = faultserver.SessionPath
	}
	return e.srv.URL() + path + "?client=" + url.QueryEscape(tag)
}

// connect starts a connect and waits for the server to see the upgrade.
func (e *env) connect(a *adapter, tag string, opts Options) error {
	since := time.Now()
	if err := a.send(Command{Cmd: "connect", URL: e.endpoint(tag), Options: &opts}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	if _, err := a.waitFor(ctx, 0, func(r Report) bool { return r.Type == "state" && r.State == "open" }); err != nil {
		return fmt.Errorf("%w: not open within 10s: %w", ErrAdapter, err)
	}
	_, err := e.waitHandshake(since, 2*time.Second, tag, func(h faultserver.HandshakeRecord) bool { return h.Status == 101 })
	return err
}

// waitHandshake polls the server's records for a matching attempt of tag
// ("" any) at or after since, bounded by within.
func (e *env) waitHandshake(since time.Time, within time.Duration, tag string, match func(faultserver.HandshakeRecord) bool) (faultserver.HandshakeRecord, error) {
	deadline := time.Now().Add(within)
	for {
		for _, h := range e.handshakes(tag, since) {
			if match(h) {
				return h, nil
			}
		}
		if time.Now().After(deadline) {
			return faultserver.HandshakeRecord{}, fmt.Errorf("no matching handshake within %v", within)
		}
		select {
		case <-e.ctx.Done():
			return faultserver.HandshakeRecord{}, e.ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// handshakes returns the attempts of tag ("" any) at or after since.
func (e *env) handshakes(tag string, since time.Time) []faultserver.HandshakeRecord {
	var out []faultserver.HandshakeRecord
	for _, h := range attemptsAfter(e.srv.Handshakes(), since) {
		if tag == "" || h.Query == "client="+url.QueryEscape(tag) {
			out = append(out, h)
		}
	}
	return out
}

// sleep waits d or until ctx ends.
func (e *env) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-e.ctx.Done():
		return e.ctx.Err()
	}
}

// fault applies f until it affects at least want connections, bounded: a
// client's upgrade is recorded a moment before the server registers the
// connection, so a fault right after connect could otherwise miss it.
func (e *env) fault(want int, f func() (int, error)) error {
	deadline := time.Now().Add(2 * time.Second)
	got := 0
	for {
		n, err := f()
		if err != nil {
			return err
		}
		if got += n; got >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("fault reached %d of %d connections", got, want)
		}
		if err := e.sleep(10 * time.Millisecond); err != nil {
			return err
		}
	}
}

// dropAll drops want connections (all that are open).
func (e *env) dropAll(want int) error {
	return e.fault(want, func() (int, error) { return e.srv.DropConnections(e.ctx, faultserver.AllConnections) })
}
