package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRunCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "run [FILE|NAME]",
		Short: "Run a chaos scenario and check its SLOs",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "wschaos run: coming in a later issue (scenarios and SLO gating)")
			return nil
		},
	}
}
