package report

import (
	"testing"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/internal/slo"
)

// TestObservedCoversCatalogue: the report's metrics hold every metric an SLO
// may name (docs/REPORT.md promises it), each from its own summary field or
// (uptime's bounds, the projection) from the result's uptime figures.
func TestObservedCoversCatalogue(t *testing.T) {
	obs, _ := ObservedResult(&harness.Result{Summary: harness.Summary{Sent: 10, Acked: 9, HandedBack: 1, Abandoned: 3, Lost: 2}})
	for _, name := range slo.MetricNames() {
		if _, ok := obs[name]; !ok {
			t.Errorf("observed lacks metric %s", name)
		}
	}
	if len(obs) != len(slo.MetricNames()) {
		t.Errorf("observed has %d metrics, the catalogue %d", len(obs), len(slo.MetricNames()))
	}
	for name, want := range map[string]float64{"sent": 10, "acked": 9, "handed_back": 1, "abandoned": 3, "lost": 2} {
		if obs[name] != want {
			t.Errorf("%s = %v, want %v", name, obs[name], want)
		}
	}
}
