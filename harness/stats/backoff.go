package stats

import (
	"math"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/wschaos/wschaos/client"
)

// DelayDist is the distribution of one reconnect delay, written from the
// client.Backoff documentation (not its code), so a test compares the
// implementation against an independent oracle. Every jitter mode draws
// uniformly from [Lo, Hi); JitterNone is the point mass Lo == Hi.
type DelayDist struct {
	Lo, Hi time.Duration
}

// BackoffDist returns the distribution of the delay chosen after attempt
// consecutive failures, given the previous delay prev (read only by
// decorrelated jitter; 0 means none). Zero fields of b take the client's
// documented defaults.
func BackoffDist(b client.Backoff, attempt int, prev time.Duration) DelayDist {
	b = b.WithDefaults()
	if attempt < 1 {
		attempt = 1
	}
	d := float64(b.Base) * math.Pow(b.Multiplier, float64(attempt-1))
	if math.IsNaN(d) || d > float64(b.Cap) {
		d = float64(b.Cap)
	}
	dd := time.Duration(d)
	switch b.Jitter {
	case client.JitterNone:
		return DelayDist{dd, dd}
	case client.JitterFull:
		return DelayDist{0, dd}
	case client.JitterEqual:
		return DelayDist{dd / 2, dd}
	case client.JitterPhased:
		switch {
		case dd < b.Cap:
			return DelayDist{0, dd}
		case attempt == 1 || float64(b.Base)*math.Pow(b.Multiplier, float64(attempt-2)) < float64(b.Cap):
			return DelayDist{0, b.Cap} // the first delay at the cap: the phase
		default:
			return DelayDist{b.Cap - b.Cap/8, b.Cap}
		}
	case client.JitterDecorrelated:
		if prev <= 0 {
			prev = b.Base
		}
		hi := time.Duration(math.Min(float64(b.Cap), float64(prev)*b.Multiplier))
		return DelayDist{b.Base, max(hi, b.Base)}
	default: // proportional
		return DelayDist{time.Duration(d * (1 - b.Fraction)), time.Duration(d * (1 + b.Fraction))}
	}
}

// CDF is P(delay <= x).
func (d DelayDist) CDF(x time.Duration) float64 {
	if d.Hi <= d.Lo {
		if x < d.Lo {
			return 0
		}
		return 1
	}
	return distuv.Uniform{Min: float64(d.Lo), Max: float64(d.Hi)}.CDF(float64(x))
}

// Contains reports whether x lies in [Lo-slack, Hi+slack].
func (d DelayDist) Contains(x, slack time.Duration) bool {
	return x >= d.Lo-slack && x <= d.Hi+slack
}

// PIT returns the probability integral transform of x, CDF(x). If x was
// drawn from d, PIT is uniform on [0, 1]: mixing delays of different attempts
// into one KS test against the uniform CDF is then valid.
func (d DelayDist) PIT(x time.Duration) float64 { return d.CDF(x) }

// UniformCDF is the CDF of the uniform distribution on [0, 1].
func UniformCDF(u float64) float64 { return distuv.Uniform{Min: 0, Max: 1}.CDF(u) }
