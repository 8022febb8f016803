package scenario

import (
	"time"
)

// Short returns a copy of s scaled down for CI: the run length and every
// timeline instant and duration multiplied by ShortSpec.TimeScale, the
// client count replaced by ShortSpec.Clients. Client settings and SLO
// thresholds stay as written: recovery is judged by the same bar.
func (s *Scenario) Short() *Scenario {
	c := *s
	f := s.ShortSpec.TimeScale
	if f <= 0 || f > 1 {
		f = DefaultTimeScale
	}
	scale := func(d time.Duration) time.Duration {
		return (time.Duration(float64(d) * f)).Round(time.Millisecond)
	}
	c.Load.Duration = scale(s.Load.Duration)
	if s.ShortSpec.Clients > 0 {
		c.Load.Clients = s.ShortSpec.Clients
	}
	c.Timeline = make([]Step, len(s.Timeline))
	for i, st := range s.Timeline {
		st.At = scale(st.At)
		if st.Duration > 0 {
			st.Duration = max(scale(st.Duration), time.Millisecond)
		}
		if st.End() > c.Load.Duration { // rounding must not push a fault past the end
			st.Duration = c.Load.Duration - st.At
		}
		c.Timeline[i] = st
	}
	c.SLOs = append([]SLO(nil), s.SLOs...)
	return &c
}

// Total is the run's planned length.
func (s *Scenario) Total() time.Duration { return s.Load.Duration }
