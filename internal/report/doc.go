// Package report defines the stable JSON report of a `wschaos run` and
// renders it four ways: JSON (the schema documented in docs/REPORT.md,
// versioned by [SchemaVersion]), JUnit XML (one test case per SLO), a
// self-contained HTML page with inline SVG charts, and a terminal summary.
//
// Entry points:
//   - [Report] is the schema; build one, then call [Report.Finish].
//   - [WriteJSON], [WriteJUnit], [WriteHTML] and [WriteSummary] render it.
//
// The package knows nothing of the harness: cmd/wschaos converts a harness
// result into a Report, so the schema changes only when this package does.
package report
