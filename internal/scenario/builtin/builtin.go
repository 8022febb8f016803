// Package builtin embeds the built-in scenario files that `wschaos run NAME`
// replays. Each NAME.yaml here is one scenario in the format docs/SCENARIO.md
// describes; internal/scenario parses and validates them.
package builtin

import "embed"

// FS holds every built-in scenario file, NAME.yaml at its root.
//
//go:embed *.yaml
var FS embed.FS
