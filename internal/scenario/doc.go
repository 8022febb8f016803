// Package scenario reads, validates and lists wschaos scenario files: YAML
// documents that describe a stack, client settings, a load, a timeline of
// faults and the SLOs a run must meet. docs/SCENARIO.md documents the format
// and docs/scenario.schema.json is its JSON Schema.
//
// Entry points:
//   - [Parse] reads one file's bytes strictly; every problem is a
//     [*FieldError] naming the file, line, column and field, and all of them
//     are returned together as [Errors].
//   - [Resolve] resolves a command-line argument: a path, or a built-in name.
//   - [Builtins] and [Builtin] list and read the scenarios embedded from
//     internal/scenario/builtin.
//   - [Scenario.Short] scales a scenario down for CI.
//   - [Scenario.Override] applies the CLI's stack flags, judged by the same
//     rules as the file's stack section; [Scenario.Plan] turns the result
//     into a validated harness.Plan.
//
// Faults are decoded straight into the harness's registered kinds
// (package harness/fault) and validated there, once, with the rules the
// fault server enforces; an error names the attribute's line and column.
package scenario
