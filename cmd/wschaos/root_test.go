package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestEveryCommandAndFlagHasHelp walks the command tree, cobra's own help
// and completion commands included: each command says what it does, each
// flag what it sets.
func TestEveryCommandAndFlagHasHelp(t *testing.T) {
	root := newRootCommand()
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		if strings.TrimSpace(c.Short) == "" {
			t.Errorf("%s: no Short help", c.CommandPath())
		}
		c.InitDefaultHelpFlag()
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s --%s: no help text", c.CommandPath(), f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if n < 5 { // wschaos, run, serve, help, completion (and its shells)
		t.Fatalf("walked %d commands", n)
	}
}

// TestUsageErrors: with no command wschaos prints its help (exit 0); a bad
// flag, argument or command on any level exits 2 with a message that names
// the problem and where the help is.
func TestUsageErrors(t *testing.T) {
	code, out, _ := runCLI(t)
	if code != exitOK || !strings.Contains(out, "Available Commands:") || !strings.Contains(out, "With no command") {
		t.Errorf("no command: exit %d, stdout %q; want 0 and the help", code, out)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "unknown flag: --bogus (see wschaos --help)"},
		{[]string{"bogus"}, `unknown command "bogus" for "wschaos" (see wschaos --help)`},
		{[]string{"run", "--bogus"}, "unknown flag: --bogus (see wschaos run --help)"},
		{[]string{"run", "--seed", "x"}, `invalid argument "x" for "--seed" flag`},
		{[]string{"run", "a", "b"}, "accepts at most 1 arg(s), received 2 (see wschaos run --help)"},
		{[]string{"serve", "--bogus"}, "unknown flag: --bogus (see wschaos serve --help)"},
		{[]string{"serve", "--history", "x"}, `invalid argument "x" for "--history" flag`},
		{[]string{"serve", "extra"}, `unknown command "extra" for "wschaos serve" (see wschaos serve --help)`},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("wschaos %q: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
