package slo

import (
	"math"
	"strings"
	"testing"
)

// TestEvalGatesOnBound: uptime >= X compares the lower bound, uptime <= X
// the upper, == the point. The negative control is a point above the
// threshold with a lower bound below it, which must fail.
func TestEvalGatesOnBound(t *testing.T) {
	obs := Observed{"uptime": 0.9995, "uptime_lower": 0.9985, "uptime_upper": 0.9999}
	cases := []struct {
		expr  string
		pass  bool
		bound string
	}{
		{"uptime >= 99.9%", false, "uptime_lower"}, // point passes, evidence does not
		{"uptime >= 99.8%", true, "uptime_lower"},
		{"uptime > 99.85%", false, "uptime_lower"},
		{"uptime <= 99.99%", true, "uptime_upper"},
		{"uptime < 99.99%", false, "uptime_upper"},
		{"uptime < 99.999%", true, "uptime_upper"},
		{"uptime == 99.95%", true, ""},
		{"uptime_lower >= 99.8%", true, ""},
	}
	for _, c := range cases {
		e, err := Parse(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		r := e.Eval(obs)
		if r.Pass != c.pass || r.Bound != c.bound || !r.Measured {
			t.Errorf("%q: pass=%v bound=%q measured=%v; want %v %q true", c.expr, r.Pass, r.Bound, r.Measured, c.pass, c.bound)
		}
	}
	e, _ := Parse("uptime >= 99.9%")
	if got := e.Eval(obs).ObservedText(); got != "99.950% (95% lower bound 99.850%)" {
		t.Errorf("ObservedText = %q", got)
	}
}

func TestEvalBoundFallbackAndUnmeasured(t *testing.T) {
	e, _ := Parse("uptime >= 99.9%")
	// No bound in the observations: the point is compared.
	if r := e.Eval(Observed{"uptime": 0.9995}); !r.Pass || r.Bound != "" || strings.Contains(r.ObservedText(), "bound") {
		t.Errorf("point only: %+v %q", r, r.ObservedText())
	}
	// A bound that could not be computed fails the SLO as unmeasured.
	r := e.Eval(Observed{"uptime": 0.9995, "uptime_lower": math.NaN()})
	if r.Pass || r.Measured {
		t.Errorf("NaN bound: pass=%v measured=%v; want a failed, unmeasured SLO", r.Pass, r.Measured)
	}
}

func TestBoundsNameCatalogueMetrics(t *testing.T) {
	for m, b := range Bounds {
		for _, n := range []string{m, b[0], b[1]} {
			if x, ok := Lookup(n); !ok || x.Kind != Ratio {
				t.Errorf("Bounds entry %s names %s, not a ratio metric of the catalogue", m, n)
			}
		}
	}
}
