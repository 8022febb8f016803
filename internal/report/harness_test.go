package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/internal/scenario"
	"github.com/wschaos/wschaos/internal/slo"
)

// inconclusiveResult is a run whose agent fell behind: every SLO holds on
// the system's side, and the harness failed.
func inconclusiveResult(inconclusive bool) (*harness.Result, *scenario.Scenario) {
	start := time.Unix(1_700_000_000, 0)
	res := &harness.Result{Name: "x", Start: start, End: start.Add(10 * time.Second)}
	res.Offered = harness.Offered{Up: harness.OfferedLoad{Nominal: 100, Offered: 100, Ratio: 1},
		Down: harness.OfferedLoad{Nominal: 100, Offered: 60, Skipped: 40, Ratio: 0.6}}
	if inconclusive {
		res.Harness = harness.HarnessReport{Inconclusive: true, Events: []harness.HarnessEvent{
			{Time: start.Add(9 * time.Second), Kind: harness.HarnessOfferedShort, Count: 40, Detail: "down: offered 60 of 100"}},
			Unverified: &harness.MessageCounts{Sent: 160, Delivered: 150}}
	}
	lost, _ := slo.Parse("lost == 0")
	s := &scenario.Scenario{Name: "x", Source: "builtin:x", SLOs: []scenario.SLO{{Expr: lost}}}
	return res, s
}

func TestInconclusiveVerdict(t *testing.T) {
	res, s := inconclusiveResult(true)
	r := FromResult(RunInfo{Scenario: s}, client.Config{}, res)
	if r.Pass || r.Verdict != VerdictInconclusive || !r.Harness.Inconclusive {
		t.Fatalf("pass %v verdict %q harness %+v", r.Pass, r.Verdict, r.Harness)
	}
	if r.Harness.Unverified == nil || r.Harness.Unverified.Sent != 160 || len(r.Harness.Events) != 1 || r.Harness.Events[0].AtMS != 9000 {
		t.Fatalf("harness section %+v", r.Harness)
	}
	var sum, page bytes.Buffer
	if err := WriteSummary(&sum, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"summary": sum.String(), "html": page.String()} {
		for _, want := range []string{"INCONCLUSIVE", "offered_short"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, text)
			}
		}
	}
	// Negative control: the same run without harness events passes.
	res, s = inconclusiveResult(false)
	r = FromResult(RunInfo{Scenario: s}, client.Config{}, res)
	if !r.Pass || r.Verdict != VerdictPass {
		t.Fatalf("pass %v verdict %q errors %v", r.Pass, r.Verdict, r.Errors)
	}
}
