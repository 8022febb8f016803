package harness

import "github.com/wschaos/wschaos/harness/fault"

// Duration is a time.Duration that reads and writes as a Go duration string
// ("1.5s", "250ms") in JSON, YAML and any other text encoding. It is
// [fault.Duration], so faults' attributes and plans share one type.
type Duration = fault.Duration
