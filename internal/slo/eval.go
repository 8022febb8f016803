package slo

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Observed maps metric names to measured values in each metric's unit
// (seconds, fraction, count).
type Observed map[string]float64

// Result is the outcome of one expression against observed values.
type Result struct {
	Expr Expr
	// Observed is the measured value; meaningful only when Measured is true.
	Observed float64
	// Measured is false when the run produced no value for the metric (or
	// for the bound it is gated on); such an SLO fails, since an unmeasured
	// objective cannot be said to hold.
	Measured bool
	Pass     bool
	// Bound names the metric the threshold was compared with when it is
	// not the point value: the lower or upper confidence bound of an
	// estimated metric (see [Bounds]); "" otherwise.
	Bound string
	// Compared is the value compared with the threshold: Observed, or the
	// bound's value.
	Compared float64
}

// Bounds lists the metrics estimated with a confidence interval, each with
// the metrics holding its lower and upper 95 % bounds. An expression on such
// a metric is judged on the bound that makes it hardest to pass: > and >=
// compare the lower bound, < and <= the upper bound, == and != the point. So
// "uptime >= 99.9%" holds only if the data supports it at 95 %, and
// "uptime < 50%" only if the uptime is credibly below half. When the
// observed values carry no entry for the bound at all (a caller that only
// measured the point), the point is compared.
var Bounds = map[string][2]string{
	"uptime":       {"uptime_lower", "uptime_upper"},
	"uptime_total": {"uptime_total_lower", "uptime_total_upper"},
}

// ratioEpsilon absorbs float noise in ratios (99.9% is not exact in binary).
const ratioEpsilon = 1e-9

// Eval compares the observed value of e's metric, or its confidence bound
// (see [Bounds]), with its threshold.
func (e Expr) Eval(obs Observed) Result {
	v, ok := obs[e.Metric.Name]
	r := Result{Expr: e, Observed: v, Measured: ok, Compared: v}
	if !ok || math.IsNaN(v) {
		r.Measured = false
		return r
	}
	if b, ok := Bounds[e.Metric.Name]; ok {
		name := ""
		switch e.Op {
		case Greater, GreaterEqual:
			name = b[0]
		case Less, LessEqual:
			name = b[1]
		}
		if bv, ok := obs[name]; ok && name != "" {
			r.Bound, r.Compared = name, bv
			if math.IsNaN(bv) {
				r.Measured = false
				return r
			}
		}
	}
	r.Pass = compare(r.Compared, e.Op, e.Threshold, e.Metric.Kind)
	return r
}

func compare(a float64, op Op, b float64, k Kind) bool {
	eps := 0.0
	switch k {
	case Ratio:
		eps = ratioEpsilon
	case Duration:
		eps = 1e-9 // a nanosecond
	}
	eq := math.Abs(a-b) <= eps
	switch op {
	case Less:
		return a < b && !eq
	case LessEqual:
		return a < b || eq
	case Greater:
		return a > b && !eq
	case GreaterEqual:
		return a > b || eq
	case Equal:
		return eq
	case NotEqual:
		return !eq
	}
	return false
}

// EvalAll evaluates every expression and reports whether all passed.
func EvalAll(exprs []Expr, obs Observed) ([]Result, bool) {
	out := make([]Result, len(exprs))
	all := true
	for i, e := range exprs {
		out[i] = e.Eval(obs)
		all = all && out[i].Pass
	}
	return out, all
}

// FormatValue renders v in the unit of kind k, the way thresholds are written.
func FormatValue(k Kind, v float64) string {
	switch k {
	case Duration:
		return time.Duration(v * float64(time.Second)).Round(time.Millisecond).String()
	case Ratio:
		return strconv.FormatFloat(v*100, 'f', -1, 64) + "%"
	case Count:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return fmt.Sprint(v)
}

// ObservedText renders the result's observed value, or "not measured".
func (r Result) ObservedText() string {
	if !r.Measured {
		return "not measured"
	}
	text := FormatValue(r.Expr.Metric.Kind, r.Observed)
	if r.Expr.Metric.Kind == Ratio {
		text = strconv.FormatFloat(r.Observed*100, 'f', 3, 64) + "%"
	}
	if r.Bound != "" {
		side := "lower"
		if r.Bound == Bounds[r.Expr.Metric.Name][1] {
			side = "upper"
		}
		text += fmt.Sprintf(" (95%% %s bound %s)", side, strconv.FormatFloat(r.Compared*100, 'f', 3, 64)+"%")
	}
	return text
}
