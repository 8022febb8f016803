package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wschaos/wschaos/conformance"
)

func TestConformUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"conform"}, // no adapter
		{"conform", "--case", "9.9", "--", "true"}, // unknown case
		{"conform", "--suite", "x.json", "--", "true"},
		{"conform", "--bogus"},
	} {
		var out, errb bytes.Buffer
		if code := execute(context.Background(), args, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, errb.String())
		}
	}
}

func TestConformList(t *testing.T) {
	var out, errb bytes.Buffer
	if code := execute(context.Background(), []string{"conform", "--list"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if n := strings.Count(out.String(), "\tchecks: "); n != len(conformance.Cases) {
		t.Fatalf("%d cases listed, want %d", n, len(conformance.Cases))
	}
}

// TestConformExitCodesFollowTheBaseline runs one real case against the
// wschaos adapter: 0 when the baseline matches, 1 when it does not.
func TestConformExitCodesFollowTheBaseline(t *testing.T) {
	dir := t.TempDir()
	adapter := conformAdapter(t)
	base := filepath.Join(dir, "base.json")
	for _, tc := range []struct {
		grade conformance.Grade
		code  int
	}{{conformance.OK, exitOK}, {conformance.Failed, exitFailed}} {
		b, _ := json.Marshal(conformance.Baseline{Client: "wschaos", Expected: map[string]conformance.Grade{"1.1": tc.grade}})
		if err := os.WriteFile(base, b, 0o644); err != nil {
			t.Fatal(err)
		}
		junit := filepath.Join(dir, "j.xml")
		var out, errb bytes.Buffer
		code := execute(context.Background(), []string{"conform", "--case", "1.1", "--baseline", base, "--junit", junit, "--", adapter}, &out, &errb)
		if code != tc.code {
			t.Fatalf("baseline %s: exit %d, want %d\n%s%s", tc.grade, code, tc.code, out.String(), errb.String())
		}
		x, err := os.ReadFile(junit)
		if err != nil || strings.Count(string(x), "<testcase ") != 1 {
			t.Fatalf("junit: %v %s", err, x)
		}
	}
}
