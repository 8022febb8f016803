package history

import (
	"time"

	"github.com/wschaos/wschaos/harness/fault"
)

// FaultEntry is one applied fault in a run's fault log; [CheckTiming]
// attributes disruptions to these.
type FaultEntry struct {
	Step  int         `json:"step"`
	Fault fault.Fault `json:"fault"`
	// Start and End are when the fault was applied and undone (End equals
	// Start for instant faults; zero if it was never undone).
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
	// Toxics names the Toxiproxy toxics added for it.
	Toxics []string `json:"toxics,omitempty"`
	Err    string   `json:"err,omitempty"`
}

// Active reports whether the fault was in force at t.
func (e FaultEntry) Active(t time.Time) bool {
	return !t.Before(e.Start) && (e.End.IsZero() || t.Before(e.End) || (t.Equal(e.End) && e.End.Equal(e.Start)))
}
