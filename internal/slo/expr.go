package slo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Op is a comparison operator.
type Op string

// Operators an expression may use.
const (
	Less         Op = "<"
	LessEqual    Op = "<="
	Greater      Op = ">"
	GreaterEqual Op = ">="
	Equal        Op = "=="
	NotEqual     Op = "!="
)

// ops lists two-character operators first so "<=" is not read as "<".
var ops = []Op{LessEqual, GreaterEqual, Equal, NotEqual, Less, Greater}

// Expr is one parsed SLO expression.
type Expr struct {
	// Source is the expression as written, trimmed.
	Source string
	// Metric is the metric the expression reads.
	Metric Metric
	// Op compares the observed value (left) with the threshold (right).
	Op Op
	// Threshold is the right-hand side in the metric's unit: seconds for
	// durations, a fraction for ratios, a count for counts.
	Threshold float64
	// ThresholdText is the right-hand side as written.
	ThresholdText string
}

// SyntaxError is returned by [Parse]; Offset is the byte offset in the
// expression where the problem starts.
type SyntaxError struct {
	Expr   string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid SLO %q at column %d: %s", e.Expr, e.Offset+1, e.Msg)
}

// Parse reads one expression such as "recovery_p99 < 30s".
func Parse(s string) (Expr, error) {
	src := strings.TrimSpace(s)
	fail := func(off int, format string, args ...any) (Expr, error) {
		return Expr{}, &SyntaxError{Expr: src, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	if src == "" {
		return fail(0, "empty expression; want METRIC OP VALUE, e.g. lost == 0")
	}
	i := 0
	for i < len(src) && isIdent(src[i], i == 0) {
		i++
	}
	if i == 0 {
		return fail(0, "want a metric name first, one of: %s", strings.Join(MetricNames(), ", "))
	}
	name := src[:i]
	m, ok := Lookup(name)
	if !ok {
		return fail(0, "unknown metric %q; known metrics: %s", name, strings.Join(MetricNames(), ", "))
	}
	i = skipSpace(src, i)
	var op Op
	for _, o := range ops {
		if strings.HasPrefix(src[i:], string(o)) {
			op = o
			break
		}
	}
	if op == "" {
		return fail(i, "want an operator (<, <=, >, >=, ==, !=) after %q", name)
	}
	i = skipSpace(src, i+len(op))
	valStart := i
	text := strings.TrimSpace(src[i:])
	if text == "" {
		return fail(valStart, "want a value after %q", op)
	}
	if strings.ContainsAny(text, " \t") {
		return fail(valStart, "unexpected text after the value: %q", text)
	}
	v, err := parseValue(m, text)
	if err != nil {
		return fail(valStart, "%v", err)
	}
	return Expr{Source: src, Metric: m, Op: op, Threshold: v, ThresholdText: text}, nil
}

func parseValue(m Metric, text string) (float64, error) {
	switch m.Kind {
	case Duration:
		if text == "0" {
			return 0, nil
		}
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, fmt.Errorf("%s is a duration metric: want a duration such as 30s or 250ms, got %q", m.Name, text)
		}
		if d < 0 {
			return 0, fmt.Errorf("%s: a duration threshold cannot be negative", m.Name)
		}
		return d.Seconds(), nil
	case Ratio:
		pct := strings.HasSuffix(text, "%")
		num := strings.TrimSuffix(text, "%")
		if pct && !strings.ContainsAny(num, "eE") {
			// Shift the decimal in the text so 99.9% reads as exactly 0.999.
			num += "e-2"
		} else if pct {
			num = "invalid"
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%s is a ratio metric: want a percentage such as 99.9%% or a fraction such as 0.999, got %q", m.Name, text)
		}
		if f < 0 || f > 1 {
			return 0, fmt.Errorf("%s is a ratio metric: %q is outside 0%%..100%%", m.Name, text)
		}
		return f, nil
	case Count:
		n, err := strconv.ParseUint(text, 10, 53)
		if err != nil {
			return 0, fmt.Errorf("%s is a count metric: want a non-negative integer, got %q", m.Name, text)
		}
		return float64(n), nil
	}
	return 0, fmt.Errorf("metric %s has no kind", m.Name)
}

func isIdent(c byte, first bool) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9')
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// String returns the expression in canonical spacing.
func (e Expr) String() string {
	return fmt.Sprintf("%s %s %s", e.Metric.Name, e.Op, e.ThresholdText)
}
