package main

import (
	"github.com/spf13/cobra"
)

// Exit codes shared by every command.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// exitError carries a specific exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return "exit"
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "wschaos",
		Short: "Chaos testing for reconnecting WebSocket clients",
		Long: `wschaos replays outages against reconnecting WebSocket clients and checks
that they recover: backoff, retry limits, state re-attachment, zero message loss.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newRunCommand())
	root.AddCommand(newServeCommand())
	return root
}
