// Package slo parses and evaluates recovery service-level objectives written
// in a small expression syntax modelled on k6 thresholds:
//
//	recovery_p99 < 30s
//	uptime >= 99.9%
//	lost == 0
//
// An expression is METRIC OP VALUE. METRIC names one entry of [Metrics];
// OP is one of <, <=, >, >=, ==, !=; VALUE is a Go duration ("250ms", "30s")
// for duration metrics, a percentage ("99.9%") or a fraction ("0.999") for
// ratio metrics, and a non-negative integer for counts. A value of the wrong
// kind for its metric is a parse error, so a typo fails before a run starts.
//
// Some metrics are estimates with a 95 % confidence interval (see
// [Bounds]): "uptime >= 99.9%" compares the interval's lower bound, so it
// holds only if the data supports it.
//
// Entry points:
//   - [Parse] turns one expression into an [Expr] or a [*SyntaxError].
//   - [Expr.Eval] checks an expression against observed values.
//   - [Lookup] and [Metrics] describe the metric catalogue.
package slo
