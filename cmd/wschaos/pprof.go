package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/spf13/cobra"
)

// servePprof serves net/http/pprof on addr until ctx ends. It refuses any
// address that is not loopback: a profile shows memory contents and must not
// leave the machine.
func servePprof(ctx context.Context, addr string) (net.Addr, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--pprof %q: only a loopback address (127.0.0.1:PORT, [::1]:PORT, localhost:PORT) is served", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Warn("pprof server stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	slog.Info("profiling", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return ln.Addr(), nil
}

// registerPprof adds the persistent --pprof flag to root and starts the
// server before any command runs.
func registerPprof(root *cobra.Command) {
	var addr string
	root.PersistentFlags().StringVar(&addr, "pprof", "", "serve Go's net/http/pprof profiles on this loopback address (e.g. 127.0.0.1:6060) while the command runs")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if addr == "" {
			return nil
		}
		if _, err := servePprof(cmd.Context(), addr); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		return nil
	}
}
