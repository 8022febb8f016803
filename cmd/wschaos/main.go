// Command wschaos runs chaos scenarios against reconnecting WebSocket clients
// and serves the fault-injecting WebSocket server.
//
//	wschaos run [FILE|NAME]   replay an outage and check recovery SLOs
//	wschaos serve             run the fault server with its admin API
//
// With no command it prints its help and exits 0. Exit codes: 0 success
// (every SLO held), 1 an SLO failed, 2 usage or config error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// execute runs the CLI with args, writing to stdout and stderr, and returns
// the process exit code. Errors cobra raises itself (an unknown command,
// say) are usage errors.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand()
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil, which under a test binary are its -test flags
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ex *exitError
	if errors.As(err, &ex) {
		if ex.err != nil {
			fmt.Fprintln(stderr, "wschaos:", ex.err)
		}
		return ex.code
	}
	fmt.Fprintf(stderr, "wschaos: %v (see wschaos --help)\n", err)
	return exitUsage
}
