package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/internal/preflight"
)

// adminTokenEnv names the environment variable that supplies --admin-token.
const adminTokenEnv = "WSCHAOS_ADMIN_TOKEN"

// shutdownTimeout bounds the graceful stop after SIGINT/SIGTERM.
const shutdownTimeout = 10 * time.Second

// Connection cap defaults: serve holds one descriptor per connection, so
// by default it admits what its descriptor limit allows, less a reserve
// for listeners, the admin API's connections, logs and connections still
// closing; serveMaxConnsUnknown when the limit cannot be read.
const (
	serveFDReserve       = 256
	serveMaxConnsUnknown = 10000
)

// defaultMaxConns raises the soft RLIMIT_NOFILE to the hard limit and
// returns the connection cap it allows.
func defaultMaxConns(log *slog.Logger) int {
	rep, _ := preflight.Check(preflight.Need{}, preflight.Options{Raise: true, Logger: log})
	if rep.Soft == 0 {
		return serveMaxConnsUnknown
	}
	return int(max(rep.Soft, 2*serveFDReserve) - serveFDReserve)
}

func newServeCommand() *cobra.Command {
	var (
		cfg     faultserver.Config
		noAdmin bool
		verbose bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the fault-injecting WebSocket server and its admin API",
		Long: `serve runs the wschaos fault server: the session protocol on /ws, a plain
echo on /echo, and a JSON admin API on a separate listener to inject faults
(drop, close, reject, delay, stall, forget, restart, lossy) and read events.

The admin listener stays on loopback unless --admin-addr says otherwise; off
loopback it requires a token (--admin-token or $` + adminTokenEnv + `).
Stop with Ctrl-C (SIGINT) or SIGTERM.`,
		Example: `  wschaos serve --listen 127.0.0.1:8080 --admin-addr 127.0.0.1:8081
  curl -X POST localhost:8081/faults/drop -d '{"all":true}'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.AdminToken == "" {
				cfg.AdminToken = os.Getenv(adminTokenEnv)
			}
			cfg.DisableAdmin = noAdmin
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			if cfg.MaxConns == 0 {
				cfg.MaxConns = defaultMaxConns(cfg.Logger)
			}
			return runServe(cmd.Context(), cmd, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "listen", "127.0.0.1:8080", "main listener address (WebSocket endpoints)")
	f.StringVar(&cfg.AdminAddr, "admin-addr", "127.0.0.1:8081", "admin API listener address")
	f.BoolVar(&noAdmin, "no-admin", false, "do not start the admin API")
	f.StringVar(&cfg.AdminToken, "admin-token", "", "bearer token for the admin API (default $"+adminTokenEnv+"); required off loopback")
	f.IntVar(&cfg.HistorySize, "history", 1024, "messages kept per channel for replay")
	f.DurationVar(&cfg.SessionTTL, "session-ttl", 30*time.Second, "how long a session outlives its connection")
	f.Int64Var(&cfg.ReadLimit, "read-limit", 1<<20, "largest frame accepted, in bytes")
	f.DurationVar(&cfg.Heartbeat, "heartbeat", 10*time.Second, "ping interval suggested to clients")
	f.Uint64Var(&cfg.Seed, "seed", 0, "seed for random connection selection (0: random)")
	f.IntVar(&cfg.MaxConns, "max-conns", 0, fmt.Sprintf("open WebSocket connections admitted; past it a handshake gets 503 (default: the descriptor limit, soft raised to hard, minus %d: one descriptor per connection; %d if unknown); negative: no cap", serveFDReserve, serveMaxConnsUnknown))
	f.IntVar(&cfg.MaxChannels, "max-channels", 1024, "channels one session may attach (wschaos run's agents attach 512 each); negative: no cap")
	f.IntVar(&cfg.EventLogSize, "event-log", 100000, "events the admin API's log keeps (oldest dropped first); a run against it waits for restart_down and restart_up there, and a restart logs a drop per connection after restart_down: keep it well above the connection count")
	f.BoolVarP(&verbose, "verbose", "v", false, "log every event")
	return cmd
}

func runServe(ctx context.Context, cmd *cobra.Command, cfg faultserver.Config) error {
	if cfg.HistorySize <= 0 || cfg.SessionTTL <= 0 || cfg.ReadLimit <= 0 || cfg.Heartbeat <= 0 {
		return &exitError{code: exitUsage, err: errors.New("--history, --session-ttl, --read-limit and --heartbeat must be positive")}
	}
	srv, err := faultserver.New(cfg)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if err := srv.Start(ctx); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "session endpoint  %s\n", srv.SessionURL())
	fmt.Fprintf(out, "echo endpoint     %s\n", srv.EchoURL())
	fmt.Fprintf(out, "limits            %d connections, %d channels per session, %d events kept\n", cfg.MaxConns, cfg.MaxChannels, cfg.EventLogSize)
	if u := srv.AdminURL(); u != "" {
		fmt.Fprintf(out, "admin API         %s  (GET /events, GET /stats, POST /faults/{drop,close,reject,delay,stall,forget,restart,lossy}, DELETE /faults)\n", u)
	}
	<-ctx.Done()
	cfg.Logger.Info("shutting down", "cause", context.Cause(ctx))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Close(sctx); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}
