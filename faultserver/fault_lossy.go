package faultserver

import (
	"context"
	"fmt"
)

// LossySpec configures lossy mode, the negative control: a deliberately
// broken server whose losses a correct checker must report. Counting starts
// when SetLossy is called; with DropEvery = 3 the 3rd, 6th, 9th ... accepted
// publish is lost, exactly.
type LossySpec struct {
	// DropEvery > 0 acks every DropEvery-th new publish, then drops it: it
	// gets no serial, is not stored and is not fanned out. Invisible to the
	// client's serial checks; only end-to-end accounting catches it.
	DropEvery int `json:"drop_every,omitempty"`
	// SkipEvery > 0 stores every SkipEvery-th message (serial assigned,
	// kept in history) but skips its live fan-out, so subscribers see a gap.
	SkipEvery int `json:"skip_every,omitempty"`
	// Channel, when set, limits lossy mode to that channel.
	Channel string `json:"channel,omitempty"`
	// Limit > 0 caps the total of messages lost (dropped plus skipped).
	Limit int `json:"limit,omitempty"`
}

// lossyState counts toward the next loss. Guarded by Server.mu.
type lossyState struct {
	spec          LossySpec
	published     int // new publishes seen (on the channel, if set)
	stored        int // messages stored (not dropped)
	dropped, lost int
}

func (l *lossyState) applies(channel string) bool {
	return (l.spec.Channel == "" || l.spec.Channel == channel) &&
		(l.spec.Limit == 0 || l.lost < l.spec.Limit)
}

// dropLocked reports whether this new publish is to be acked and dropped.
func (l *lossyState) dropLocked(channel string) bool {
	if l.spec.DropEvery == 0 || !l.applies(channel) {
		return false
	}
	l.published++
	if l.published%l.spec.DropEvery != 0 {
		return false
	}
	l.dropped++
	l.lost++
	return true
}

// skipLocked reports whether this stored message skips its fan-out.
func (l *lossyState) skipLocked(channel string) bool {
	if l.spec.SkipEvery == 0 || !l.applies(channel) {
		return false
	}
	l.stored++
	if l.stored%l.spec.SkipEvery != 0 {
		return false
	}
	l.lost++
	return true
}

// Validate checks spec with the rules SetLossy enforces.
func (spec LossySpec) Validate() error {
	if spec.DropEvery < 0 || spec.SkipEvery < 0 || spec.Limit < 0 {
		return &SpecError{"lossy", "drop_every, skip_every and limit must not be negative"}
	}
	return nil
}

// SetLossy turns lossy mode on (or off, with the zero LossySpec), resetting
// its counters.
func (s *Server) SetLossy(spec LossySpec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	s.faults.lossy = lossyState{spec: spec}
	s.mu.Unlock()
	s.emit(Event{Kind: EventFault, Fault: "lossy", Channel: spec.Channel,
		Detail: fmt.Sprintf("drop_every=%d skip_every=%d limit=%d", spec.DropEvery, spec.SkipEvery, spec.Limit)})
	return nil
}

var lossyFault = faultKind{
	name: "lossy",
	apply: func(_ context.Context, s *Server, body []byte) (any, error) {
		var spec LossySpec
		if err := decodeStrict(body, &spec); err != nil {
			return nil, err
		}
		return nil, s.SetLossy(spec)
	},
	clear: func(s *Server) {
		s.mu.Lock()
		s.faults.lossy = lossyState{}
		s.mu.Unlock()
	},
	status: func(s *Server) any {
		s.mu.Lock()
		defer s.mu.Unlock()
		l := s.faults.lossy
		if l.spec.DropEvery == 0 && l.spec.SkipEvery == 0 {
			return nil
		}
		return map[string]any{"spec": l.spec, "lost": l.lost}
	},
}
