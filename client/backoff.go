package client

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// JitterMode selects how Backoff randomises a delay.
type JitterMode int

// Jitter modes. The zero value is JitterProportional.
const (
	// JitterProportional spreads the capped delay d uniformly over
	// [d*(1-Fraction), d*(1+Fraction)). Default, with Fraction 0.25.
	JitterProportional JitterMode = iota
	// JitterNone returns the capped exponential delay unchanged.
	JitterNone
	// JitterFull draws uniformly from [0, d) ("full jitter").
	JitterFull
	// JitterEqual draws uniformly from [d/2, d) ("equal jitter").
	JitterEqual
	// JitterDecorrelated draws uniformly from [Base, min(Cap, prev*Multiplier)),
	// where prev is the previous delay (Base when there is none). AWS's
	// formulation uses a fixed factor of 3; here Multiplier plays that role.
	JitterDecorrelated
	// JitterPhased keeps a herd of clients flat after an outage: a
	// phase-randomised, nearly periodic schedule at the cap. Below the cap it
	// draws like JitterFull, uniformly from [0, d). The first delay at the
	// cap (the first attempt n with d(n) == Cap) is drawn uniformly from
	// [0, Cap): a random phase. Every later delay is drawn from
	// [Cap*7/8, Cap), nearly the period Cap.
	//
	// Why: when a server comes back, each client's next dial is the residual
	// of its current delay. With delays drawn independently from [0, W) (full
	// jitter at the cap W) the long gaps are the likely ones to straddle the
	// return, so the residual is length-biased, with density 2(1-t/W)/W:
	// twice as many clients come back in the first moments as on average.
	// With a constant period P and a uniform phase the residual is uniform
	// on [0, P): the same number of clients every moment, all within P. The
	// 1/8 spread keeps two clients that fail at the same instant from staying
	// in lockstep for ever, at a cost of at most 1/(1-1/16) = 1.07 in
	// peak/mean. Measured with 5,000 real clients in docs/SCALE.md
	// ("Reconnect storm").
	//
	// The flat residual holds once every client has reached the cap: a
	// client reaches it within the sum of the full-jitter delays before it
	// (at most Base+d(1)+...+d(k) for the last d(k) < Cap, under 2*Cap+Base
	// for Multiplier 2), so an outage shorter than that sees JitterFull's
	// herd. A group that fails at the same instant mid-streak (all dials cut
	// at once) spreads apart only slowly, by about Cap/28*sqrt(k) after k
	// delays; a new streak (a connection that lasted MinUptime) redraws the
	// phase.
	JitterPhased
)

// phasedSpread is the fraction of Cap over which JitterPhased spreads the
// delays after the first one at the cap: [Cap*(1-phasedSpread), Cap).
const phasedSpread = 1.0 / 8

// String returns the mode's name (see MarshalText).
func (j JitterMode) String() string {
	if s, err := nameOf("JitterMode", jitterNames, int(j)); err == nil {
		return s
	}
	return fmt.Sprintf("JitterMode(%d)", int(j))
}

// Backoff computes reconnect delays. It is a value with no hidden state: the
// delay for a given attempt depends only on its arguments, so a test with a
// seeded *rand.Rand replays an exact schedule. The zero value is the default:
// Base 250ms, Multiplier 2, Cap 10s, JitterProportional with Fraction 0.25.
//
// The un-jittered delay for attempt n (1-based) is d(n) = min(Cap, Base*Multiplier^(n-1)).
// The cap is applied first and the jitter second, so once the cap is reached
// the delays stay spread (over [Cap*(1-f), Cap*(1+f)) for proportional
// jitter) instead of bunching at Cap. Proportional jitter may therefore exceed
// Cap by up to Fraction; every other mode stays within Cap.
//
// Worked table for the defaults (Base 250ms, Multiplier 2, Cap 10s):
//
//	attempt  d(n)     proportional ±25%   full        equal
//	1        250ms    [187.5ms, 312.5ms)  [0, 250ms)  [125ms, 250ms)
//	2        500ms    [375ms, 625ms)      [0, 500ms)  [250ms, 500ms)
//	3        1s       [750ms, 1.25s)      [0, 1s)     [500ms, 1s)
//	4        2s       [1.5s, 2.5s)        [0, 2s)     [1s, 2s)
//	5        4s       [3s, 5s)            [0, 4s)     [2s, 4s)
//	6        8s       [6s, 10s)           [0, 8s)     [4s, 8s)
//	7+       10s      [7.5s, 12.5s)       [0, 10s)    [5s, 10s)
//
// Decorrelated with the defaults: attempt 1 draws from [250ms, 500ms), and
// each later attempt from [250ms, min(10s, 2*previous)). Phased with the
// defaults draws like full jitter for attempts 1-6, from [0, 10s) at attempt
// 7 (the phase) and from [8.75s, 10s) at attempts 8 and later.
type Backoff struct {
	Base       time.Duration // first delay; 0 means 250ms
	Cap        time.Duration // bound on the un-jittered delay; 0 means 10s
	Multiplier float64       // growth per attempt; 0 means 2; must be >= 1
	Jitter     JitterMode    // default JitterProportional
	Fraction   float64       // proportional spread f in (0, 1]; 0 means 0.25
}

// Defaults of Backoff, applied to zero fields.
const (
	DefaultBackoffBase       = 250 * time.Millisecond
	DefaultBackoffCap        = 10 * time.Second
	DefaultBackoffMultiplier = 2.0
	DefaultJitterFraction    = 0.25
)

// WithDefaults returns b with every zero field set to its documented
// default: the backoff a client configured with b actually uses. Tools that
// model the client's delays (the harness's KS checks, reports) start here.
func (b Backoff) WithDefaults() Backoff {
	if b.Base == 0 {
		b.Base = DefaultBackoffBase
	}
	if b.Cap == 0 {
		b.Cap = DefaultBackoffCap
	}
	if b.Multiplier == 0 {
		b.Multiplier = DefaultBackoffMultiplier
	}
	if b.Fraction == 0 {
		b.Fraction = DefaultJitterFraction
	}
	return b
}

func (b Backoff) validate() error {
	b = b.WithDefaults()
	switch {
	case b.Base < 0:
		return fmt.Errorf("client: invalid Backoff.Base %s: must not be negative", b.Base)
	case b.Cap < b.Base:
		return fmt.Errorf("client: invalid Backoff.Cap %s: must be >= Base %s", b.Cap, b.Base)
	case math.IsNaN(b.Multiplier) || math.IsInf(b.Multiplier, 0) || b.Multiplier < 1:
		return fmt.Errorf("client: invalid Backoff.Multiplier %v: must be >= 1", b.Multiplier)
	case math.IsNaN(b.Fraction) || b.Fraction < 0 || b.Fraction > 1:
		return fmt.Errorf("client: invalid Backoff.Fraction %v: must be in (0, 1]", b.Fraction)
	case b.Jitter < JitterProportional || b.Jitter > JitterPhased:
		return fmt.Errorf("client: invalid Backoff.Jitter %d", int(b.Jitter))
	}
	return nil
}

// Max returns the largest delay Delay can return for any attempt: Cap, or
// Cap*(1+Fraction) for proportional jitter.
func (b Backoff) Max() time.Duration {
	b = b.WithDefaults()
	if b.Jitter == JitterProportional {
		return time.Duration(float64(b.Cap) * (1 + b.Fraction))
	}
	return b.Cap
}

// Delay returns the delay before the next dial after attempt consecutive
// failures (attempt < 1 is treated as 1). prev is the previous delay, used
// only by JitterDecorrelated (0 means none). rnd supplies the randomness; nil
// means no jitter (the un-jittered delay, or the upper bound for decorrelated).
// Delay draws exactly one rnd.Float64 per call when jitter applies.
func (b Backoff) Delay(attempt int, prev time.Duration, rnd *rand.Rand) time.Duration {
	b = b.WithDefaults()
	if attempt < 1 {
		attempt = 1
	}
	capF := float64(b.Cap)
	d := float64(b.Base) * math.Pow(b.Multiplier, float64(attempt-1))
	if math.IsNaN(d) || d > capF {
		d = capF // also catches +Inf from a huge attempt count
	}
	r := 0.5
	if rnd != nil && b.Jitter != JitterNone {
		r = rnd.Float64()
	}
	switch b.Jitter {
	case JitterNone:
	case JitterFull:
		if rnd == nil {
			break
		}
		d *= r
	case JitterEqual:
		if rnd == nil {
			break
		}
		d = d/2 + r*d/2
	case JitterPhased:
		if rnd == nil {
			break
		}
		switch {
		case d < capF: // below the cap: full jitter
			d *= r
		case attempt == 1 || float64(b.Base)*math.Pow(b.Multiplier, float64(attempt-2)) < capF:
			d *= r // the first delay at the cap: a uniform phase
		default:
			d *= 1 - phasedSpread + phasedSpread*r
		}
	case JitterDecorrelated:
		if prev <= 0 {
			prev = b.Base
		}
		hi := math.Min(capF, float64(prev)*b.Multiplier)
		lo := float64(b.Base)
		if hi < lo {
			hi = lo
		}
		if rnd == nil {
			d = hi
			break
		}
		d = lo + r*(hi-lo)
	default: // JitterProportional
		if rnd == nil {
			break
		}
		d *= 1 + b.Fraction*(2*r-1)
	}
	return time.Duration(d)
}
