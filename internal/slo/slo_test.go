package slo

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	cases := []struct {
		in        string
		metric    string
		op        Op
		threshold float64
	}{
		{"recovery_p99 < 30s", "recovery_p99", Less, 30},
		{"recovery_p50<=250ms", "recovery_p50", LessEqual, 0.25},
		{"  uptime >= 99.9%  ", "uptime", GreaterEqual, 0.999},
		{"uptime_total > 0.5", "uptime_total", Greater, 0.5},
		{"lost == 0", "lost", Equal, 0},
		{"duplicated == 0", "duplicated", Equal, 0},
		{"failed_clients == 0", "failed_clients", Equal, 0},
		{"failed_ratio == 100%", "failed_ratio", Equal, 1},
		{"handed_back != 0", "handed_back", NotEqual, 0},
		{"recovery_max < 0", "recovery_max", Less, 0},
	}
	for _, c := range cases {
		e, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if e.Metric.Name != c.metric || e.Op != c.op || e.Threshold != c.threshold {
			t.Errorf("Parse(%q) = %s %s %v; want %s %s %v", c.in, e.Metric.Name, e.Op, e.Threshold, c.metric, c.op, c.threshold)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		in, want string
		offset   int
	}{
		{"", "empty expression", 0},
		{"bogus < 1", `unknown metric "bogus"`, 0},
		{"< 1", "want a metric name", 0},
		{"lost 0", "want an operator", 5},
		{"lost ==", "want a value", 7},
		{"lost == -1", "non-negative integer", 8},
		{"lost == 1.5", "non-negative integer", 8},
		{"recovery_p99 < 30", "want a duration", 15},
		{"recovery_p99 < -3s", "cannot be negative", 15},
		{"uptime >= 120%", "outside 0%..100%", 10},
		{"uptime >= abc", "ratio metric", 10},
		{"lost == 0 and more", "unexpected text", 8},
		{"lost => 0", "want an operator", 5},
	}
	for _, c := range cases {
		_, err := Parse(c.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v; want *SyntaxError", c.in, err)
			continue
		}
		if !strings.Contains(se.Msg, c.want) || se.Offset != c.offset {
			t.Errorf("Parse(%q) = %q at %d; want %q at %d", c.in, se.Msg, se.Offset, c.want, c.offset)
		}
	}
}

func TestEval(t *testing.T) {
	obs := Observed{"recovery_p99": 1.2, "uptime": 0.999, "lost": 0, "duplicated": 3}
	cases := []struct {
		expr     string
		pass     bool
		measured bool
	}{
		{"recovery_p99 < 30s", true, true},
		{"recovery_p99 < 1s", false, true},
		{"recovery_p99 <= 1200ms", true, true},
		{"recovery_p99 > 1200ms", false, true},
		{"uptime >= 99.9%", true, true}, // float noise must not fail this
		{"uptime > 99.9%", false, true},
		{"uptime == 0.999", true, true},
		{"lost == 0", true, true},
		{"duplicated == 0", false, true}, // negative control: a real failure
		{"duplicated != 0", true, true},
		{"duplicated >= 3", true, true},
		{"recovery_max < 30s", false, false}, // unmeasured fails
		// An impossible SLO must fail whatever was observed.
		{"recovery_p99 < 0s", false, true},
	}
	for _, c := range cases {
		e, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		r := e.Eval(obs)
		if r.Pass != c.pass || r.Measured != c.measured {
			t.Errorf("%q: pass=%v measured=%v; want %v %v", c.expr, r.Pass, r.Measured, c.pass, c.measured)
		}
	}
}

func TestEvalAll(t *testing.T) {
	a, _ := Parse("lost == 0")
	b, _ := Parse("uptime >= 99%")
	res, ok := EvalAll([]Expr{a, b}, Observed{"lost": 0, "uptime": 0.5})
	if ok || len(res) != 2 || !res[0].Pass || res[1].Pass {
		t.Fatalf("EvalAll = %+v, %v; want first pass, second fail, overall fail", res, ok)
	}
	res, ok = EvalAll([]Expr{a}, Observed{"lost": 0})
	if !ok || !res[0].Pass {
		t.Fatalf("EvalAll = %+v, %v; want pass", res, ok)
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		k    Kind
		v    float64
		want string
	}{
		{Duration, 1.2345, "1.235s"},
		{Duration, 0.25, "250ms"},
		{Ratio, 0.999, "99.9%"},
		{Count, 12, "12"},
	}
	for _, c := range cases {
		if got := FormatValue(c.k, c.v); got != c.want {
			t.Errorf("FormatValue(%v, %v) = %q; want %q", c.k, c.v, got, c.want)
		}
	}
	e, _ := Parse("uptime>=99.9%")
	if e.String() != "uptime >= 99.9%" {
		t.Errorf("String() = %q", e.String())
	}
}

func TestCatalogue(t *testing.T) {
	names := MetricNames()
	if len(names) != len(catalogue) {
		t.Fatalf("duplicate metric names: %d names for %d entries", len(names), len(catalogue))
	}
	for _, m := range catalogue {
		if m.Doc == "" || m.Kind.String() == "unknown" {
			t.Errorf("metric %s lacks doc or kind", m.Name)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"recovery_p99 < 30s", "uptime >= 99.9%", "lost == 0", "x", "lost==", "uptime>=1e309%", "recovery_max<=9223372036s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			return
		}
		// A parsed expression must re-parse to the same meaning.
		e2, err := Parse(e.String())
		if err != nil || e2.Metric != e.Metric || e2.Op != e.Op || e2.Threshold != e.Threshold {
			t.Fatalf("round trip of %q via %q: %+v, %v", s, e.String(), e2, err)
		}
	})
}
