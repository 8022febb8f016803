package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wschaos/wschaos/internal/report"
)

func TestVerdictExit(t *testing.T) {
	for _, c := range []struct {
		verdict string
		code    int
	}{{report.VerdictPass, 0}, {report.VerdictFail, exitFailed}, {report.VerdictInconclusive, exitInconclusive}} {
		err := verdictExit(&report.Report{Verdict: c.verdict})
		code := 0
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		} else if err != nil {
			t.Fatalf("%s: %v is not an exitError", c.verdict, err)
		}
		if code != c.code {
			t.Errorf("%s: exit %d, want %d", c.verdict, code, c.code)
		}
	}
	if exitInconclusive == exitFailed || exitInconclusive == exitUsage {
		t.Fatal("inconclusive must have its own exit code")
	}
}

func TestRunHelpDocumentsInconclusive(t *testing.T) {
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"run", "--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "3 inconclusive") {
		t.Fatalf("run --help lacks exit 3:\n%s", out.String())
	}
}
