// Command wschaos runs chaos scenarios against reconnecting WebSocket clients
// and serves the fault-injecting WebSocket server.
//
//	wschaos run [FILE|NAME]   replay an outage and check recovery SLOs
//	wschaos serve             run the fault server with its admin API
//
// Exit codes: 0 success (every SLO held), 1 an SLO failed, 2 usage or config
// error.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// execute runs the CLI with args and returns the process exit code.
func execute(ctx context.Context, args []string) int {
	root := newRootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ex *exitError
	if errors.As(err, &ex) {
		if ex.err != nil {
			fmt.Fprintln(os.Stderr, "wschaos:", ex.err)
		}
		return ex.code
	}
	fmt.Fprintln(os.Stderr, "wschaos:", err)
	return exitUsage
}
