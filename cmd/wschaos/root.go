package main

import (
	"fmt"

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
that they recover: backoff, retry limits, state re-attachment, zero message loss.

With no command, wschaos prints this help and exits 0.

Exit status: 0 success, 1 an SLO failed (or a run could not complete),
2 usage or configuration error (unknown command or flag, bad flag value,
invalid scenario).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Bad flags are usage errors on every command (cobra asks the parent
	// when a command has no handler of its own): exit 2, naming the help.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageHint(c, err)
	})
	registerPprof(root)
	root.AddCommand(newRunCommand())
	root.AddCommand(newServeCommand())
	root.AddCommand(newConformCommand())
	root.AddCommand(newMergeCommand())
	root.AddCommand(newExploreCommand())
	return root
}

// usageHint makes err a usage error (exit 2) that points at c's help.
func usageHint(c *cobra.Command, err error) error {
	return &exitError{code: exitUsage, err: fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
}

// usageArgs wraps a positional-argument check so that its failure is a
// usage error too.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := check(c, args); err != nil {
			return usageHint(c, err)
		}
		return nil
	}
}
