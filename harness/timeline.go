package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/harness/history"
)

// Step places one fault in time: applied At after the run starts and undone
// Duration later. Instant faults (drop, close, forget_sessions) take no
// Duration. A network toxic or lossy mode with Duration 0 stays until the
// run ends; reject with Count > 0 may also take 0 (it lifts itself).
type Step struct {
	At       Duration `json:"at"`
	Duration Duration `json:"duration,omitempty"`
	// Fault is any registered kind's value (fault.Latency{...}) or the
	// flat [Fault].
	Fault fault.Fault `json:"fault"`
}

// End is when the step is undone (its start for instant faults).
func (s Step) End() time.Duration { return s.At.D() + s.Duration.D() }

// Timeline is a list of steps. Steps may overlap; order does not matter.
type Timeline []Step

// Validate checks every step.
func (t Timeline) Validate() error {
	for i, s := range t {
		if s.Fault == nil {
			return fmt.Errorf("harness: timeline step %d: %w: no fault", i, ErrInvalidFault)
		}
		if err := s.Fault.Validate(); err != nil {
			return fmt.Errorf("harness: timeline step %d: %w", i, err)
		}
		switch {
		case s.At < 0 || s.Duration < 0:
			return fmt.Errorf("harness: timeline step %d (%s): %w: negative time", i, s.Fault.Name(), ErrInvalidFault)
		case s.Fault.Tags().Has(fault.Instant) && s.Duration != 0:
			return fmt.Errorf("harness: timeline step %d: %w: %s is instant and takes no duration", i, ErrInvalidFault, s.Fault.Name())
		case s.Duration == 0 && s.Fault.NeedsDuration():
			return fmt.Errorf("harness: timeline step %d: %w: %s needs a duration", i, ErrInvalidFault, s.Fault.Name())
		}
	}
	return nil
}

// End is when the last step ends.
func (t Timeline) End() time.Duration {
	var end time.Duration
	for _, s := range t {
		end = max(end, s.End())
	}
	return end
}

// HasServerFaults reports whether any step needs a local fault server.
func (t Timeline) HasServerFaults() bool {
	return slices.ContainsFunc(t, func(s Step) bool { return s.Fault.Tags().Has(fault.Server) })
}

// FaultEntry is one applied fault in the fault log: an alias of
// [history.FaultEntry], where the timing checker reads it.
type FaultEntry = history.FaultEntry

// FaultLog records applied faults; safe for concurrent use.
type FaultLog struct {
	mu      sync.Mutex
	entries []FaultEntry
}

func (l *FaultLog) start(e FaultEntry) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, e)
	return len(l.entries) - 1
}

func (l *FaultLog) finish(i int, end time.Time, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries[i].End = end
	if err != nil {
		l.entries[i].Err = joinMsg(l.entries[i].Err, err.Error())
	}
}

// Entries returns a copy of the log in application order.
func (l *FaultLog) Entries() []FaultEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

// Active returns the faults in force now (applied, not yet undone).
func (l *FaultLog) Active() []fault.Fault {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []fault.Fault
	for _, e := range l.entries {
		if e.End.IsZero() {
			out = append(out, e.Fault)
		}
	}
	return out
}

func joinMsg(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// timelineAction is one apply or undo at an offset from the start.
type timelineAction struct {
	at   time.Duration
	step int
	undo bool
}

// undoTimeout bounds each undo. Undos run on a context detached from the
// timeline's: a timeline ending with the load must still lift the faults it
// applied, including one whose undo began at that very moment.
const undoTimeout = 10 * time.Second

// RunTimeline applies t's faults on s at their offsets from start and undoes
// them when their duration ends. It returns when every fault has been
// applied and undone, or when ctx ends; then it undoes what is still active
// before returning. Each undo has undoTimeout of its own, whether or not
// ctx ended. Faults whose duration is 0
// (toxics and lossy mode) are undone when ctx ends or, at the latest, when
// RunTimeline returns. Each apply and undo lands in log; the returned error
// joins every failure.
func (s *Stack) RunTimeline(ctx context.Context, start time.Time, t Timeline, log *FaultLog) error {
	if err := t.Validate(); err != nil {
		return err
	}
	var actions []timelineAction
	for i, st := range t {
		actions = append(actions, timelineAction{at: st.At.D(), step: i})
		if !st.Fault.Tags().Has(fault.Instant) && st.Duration > 0 {
			actions = append(actions, timelineAction{at: st.End(), step: i, undo: true})
		}
	}
	slices.SortStableFunc(actions, func(a, b timelineAction) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		// At equal offsets undo before apply, so back-to-back steps of the
		// same kind do not overlap.
		if a.undo != b.undo {
			if a.undo {
				return -1
			}
			return 1
		}
		return 0
	})

	type active struct {
		entry int
		undo  UndoFunc
	}
	live := map[int]active{}
	var errs []error
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for _, a := range actions {
		timer.Reset(time.Until(start.Add(a.at)))
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
		if ctx.Err() != nil {
			break
		}
		step := t[a.step]
		if a.undo {
			act, ok := live[a.step]
			if !ok {
				continue
			}
			delete(live, a.step)
			if err := undoStep(ctx, act.undo, log, act.entry); err != nil {
				errs = append(errs, fmt.Errorf("harness: undo step %d (%s): %w", a.step, step.Fault, err))
			}
			continue
		}
		undo, toxics, err := s.apply(ctx, step.Fault, step.Duration.D())
		now := time.Now()
		e := FaultEntry{Step: a.step, Fault: step.Fault, Start: now, Toxics: toxics}
		if err != nil {
			e.Err = err.Error()
			e.End = now
			errs = append(errs, fmt.Errorf("harness: apply step %d (%s): %w", a.step, step.Fault, err))
			log.start(e)
			continue
		}
		if step.Fault.Tags().Has(fault.Instant) || undo == nil {
			e.End = now
			log.start(e)
			continue
		}
		live[a.step] = active{entry: log.start(e), undo: undo}
	}
	// Faults without a duration stay until ctx ends.
	if len(live) > 0 {
		<-ctx.Done()
	}
	// Undo what is left, in reverse order of application.
	steps := make([]int, 0, len(live))
	for i := range live {
		steps = append(steps, i)
	}
	slices.SortFunc(steps, func(a, b int) int { return live[b].entry - live[a].entry })
	for _, i := range steps {
		if err := undoStep(ctx, live[i].undo, log, live[i].entry); err != nil {
			errs = append(errs, fmt.Errorf("harness: undo step %d (%s): %w", i, t[i].Fault, err))
		}
	}
	return errors.Join(errs...)
}

// undoStep runs undo within undoTimeout, detached from ctx's cancellation,
// and closes the fault's log entry.
func undoStep(ctx context.Context, undo UndoFunc, log *FaultLog, entry int) error {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	err := undo(uctx)
	log.finish(entry, time.Now(), err)
	return err
}
