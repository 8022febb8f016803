package harness

import (
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/wschaos/wschaos/harness/fault"
)

// UptimeBlocks is the default number of time blocks [ComputeUptime] cuts the
// measured window into for its confidence interval.
const UptimeBlocks = 30

// UptimeConfidence is the two-sided confidence level of the uptime interval.
const UptimeConfidence = 0.95

// UptimeMethod names the interval method in reports.
const UptimeMethod = "batch means over time blocks (ratio estimator, Student t)"

// UptimeFigures is uptime counted in connected client-seconds over all
// clients, with a confidence interval and a projection for short runs.
//
// Point is connected client-seconds over client-seconds, injected outage
// windows left out of both (the `uptime` SLO metric, equal to the mean of
// the clients' own uptimes since every client spans the same window).
// Total is the same with outages counted (`uptime_total`).
//
// Lower and Upper bound Point at [UptimeConfidence]. Client-seconds are not
// independent samples: one restart takes every client down in the same
// second, and a client that is down now is likely down a second later, so a
// binomial interval (Wilson, Clopper-Pearson) over client-seconds would be
// far too narrow. Instead the window is cut into equal time blocks, each
// pooling every client; a block much longer than an outage's reach (a blip
// and its recovery) makes block totals close to independent, which is what
// batch means needs. The interval is the ratio estimator's: R = Σy/Σx over
// blocks (y connected client-seconds, x client-seconds), standard error
// sqrt(Σ(y−Rx)²/(B−1)/B)/x̄, and Student t with B−1 degrees of freedom. A
// run that saw no downtime at all has a zero-width interval: nothing varied,
// so the data bounds nothing beyond the point; Recoveries says how much was
// exercised.
//
// Projected is 1 − FaultRate × MeanRecovery: disruptions per client-second
// (recovery samples over all client-seconds) times the mean time from a
// fault's end to connected and re-attached. It extrapolates a short run's
// recovery behaviour and is labelled a projection wherever it is shown: it
// counts recovery tails only, not time inside a fault.
type UptimeFigures struct {
	Clients int `json:"clients"`
	// ClientSeconds and ConnectedClientSeconds exclude outage windows.
	ClientSeconds          float64 `json:"client_seconds"`
	ConnectedClientSeconds float64 `json:"connected_client_seconds"`
	Point                  float64 `json:"point"`
	Lower                  float64 `json:"lower"`
	Upper                  float64 `json:"upper"`
	Confidence             float64 `json:"confidence"`
	// Blocks is how many blocks held measured time; BlockSeconds their
	// nominal length.
	Blocks       int     `json:"blocks"`
	BlockSeconds float64 `json:"block_seconds"`
	Method       string  `json:"method"`
	// Total, TotalLower and TotalUpper count outage windows too.
	Total      float64 `json:"total"`
	TotalLower float64 `json:"total_lower"`
	TotalUpper float64 `json:"total_upper"`

	Recoveries   int           `json:"recoveries"`
	FaultRate    float64       `json:"fault_rate"`
	MeanRecovery time.Duration `json:"mean_recovery"`
	Projected    float64       `json:"projected"`
}

// ComputeUptime returns res's uptime figures with [UptimeBlocks] blocks.
func ComputeUptime(res *Result) UptimeFigures { return ComputeUptimeBlocks(res, UptimeBlocks) }

// ComputeUptimeBlocks is [ComputeUptime] with a chosen block count. Blocks
// are at least a second long, so a short run gets fewer. Figures that cannot
// be measured (no clients, an empty window, fewer than two blocks for an
// interval) are NaN, which encoding/json refuses: the report turns them
// into nulls.
func ComputeUptimeBlocks(res *Result, blocks int) UptimeFigures {
	nan := math.NaN()
	u := UptimeFigures{Clients: len(res.Timing.Clients), Confidence: UptimeConfidence, Method: UptimeMethod,
		Point: nan, Lower: nan, Upper: nan, Total: nan, TotalLower: nan, TotalUpper: nan, Projected: nan, FaultRate: nan}
	span := res.End.Sub(res.Start)
	if u.Clients == 0 || span <= 0 {
		return u
	}
	blocks = max(1, min(blocks, int(span/time.Second)))
	u.BlockSeconds = span.Seconds() / float64(blocks)
	excl := uptimeBlocks(res, blocks, outageIntervals(res))
	all := uptimeBlocks(res, blocks, nil)
	u.Point, u.Lower, u.Upper, u.Blocks = excl.interval()
	u.Total, u.TotalLower, u.TotalUpper, _ = all.interval()
	u.ClientSeconds, u.ConnectedClientSeconds = excl.sums()

	var rec time.Duration
	for _, s := range res.Timing.Recovery {
		rec += s.Reattached
	}
	u.Recoveries = len(res.Timing.Recovery)
	clientSeconds := float64(u.Clients) * span.Seconds()
	u.FaultRate = float64(u.Recoveries) / clientSeconds
	if u.Recoveries > 0 {
		u.MeanRecovery = rec / time.Duration(u.Recoveries)
	}
	u.Projected = math.Max(0, 1-u.FaultRate*u.MeanRecovery.Seconds())
	return u
}

// upBlockSums holds per block the client-seconds counted (x) and connected (y).
type upBlockSums struct{ x, y []float64 }

func (b upBlockSums) sums() (x, y float64) {
	for i := range b.x {
		x += b.x[i]
		y += b.y[i]
	}
	return x, y
}

// interval is the ratio estimator over the blocks holding measured time,
// with its t interval; lo and hi are NaN with fewer than two such blocks.
func (b upBlockSums) interval() (r, lo, hi float64, n int) {
	x, y := b.sums()
	if x <= 0 {
		return math.NaN(), math.NaN(), math.NaN(), 0
	}
	r = y / x
	var ss float64
	for i := range b.x {
		if b.x[i] <= 0 {
			continue
		}
		n++
		e := b.y[i] - r*b.x[i]
		ss += e * e
	}
	if n < 2 {
		return r, math.NaN(), math.NaN(), n
	}
	xbar := x / float64(n)
	se := math.Sqrt(ss/float64(n-1)/float64(n)) / xbar
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(1 - (1-UptimeConfidence)/2)
	return r, math.Max(0, r-t*se), math.Min(1, r+t*se), n
}

// upSpan is a half-open interval in seconds from the run's start.
type upSpan struct{ a, b float64 }

// outageIntervals are the injected outage windows, merged, in seconds from
// res.Start (a fault never undone lasts to the end).
func outageIntervals(res *Result) []upSpan {
	total := res.End.Sub(res.Start).Seconds()
	var out []upSpan
	for _, f := range res.Faults {
		if f.Fault == nil || !f.Fault.Tags().Has(fault.Outage) {
			continue
		}
		a := f.Start.Sub(res.Start).Seconds()
		b := total
		if !f.End.IsZero() {
			b = f.End.Sub(res.Start).Seconds()
		}
		a, b = math.Max(a, 0), math.Min(b, total)
		if a < b {
			out = append(out, upSpan{a, b})
		}
	}
	slices.SortFunc(out, func(p, q upSpan) int { return upCmp(p.a, q.a) })
	var merged []upSpan
	for _, s := range out {
		if n := len(merged); n > 0 && s.a <= merged[n-1].b {
			merged[n-1].b = math.Max(merged[n-1].b, s.b)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

func upCmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// uptimeBlocks sums, per block, the client-seconds outside the excluded
// spans and the connected client-seconds among them.
func uptimeBlocks(res *Result, blocks int, excluded []upSpan) upBlockSums {
	total := res.End.Sub(res.Start).Seconds()
	width := total / float64(blocks)
	b := upBlockSums{x: make([]float64, blocks), y: make([]float64, blocks)}
	counted := upComplement(excluded, total)
	clients := float64(len(res.Timing.Clients))
	for _, c := range counted {
		upAddSpread(b.x, width, c, clients)
	}
	for _, ct := range res.Timing.Clients {
		for _, st := range ct.States {
			if st.State != "connected" {
				continue
			}
			s := upSpan{math.Max(st.Start.Sub(res.Start).Seconds(), 0), math.Min(st.End.Sub(res.Start).Seconds(), total)}
			for _, c := range counted {
				if iv := (upSpan{math.Max(s.a, c.a), math.Min(s.b, c.b)}); iv.a < iv.b {
					upAddSpread(b.y, width, iv, 1)
				}
			}
		}
	}
	return b
}

// upComplement is [0, total) minus the sorted, merged spans ex.
func upComplement(ex []upSpan, total float64) []upSpan {
	var out []upSpan
	at := 0.0
	for _, e := range ex {
		if e.a > at {
			out = append(out, upSpan{at, e.a})
		}
		at = math.Max(at, e.b)
	}
	if at < total {
		out = append(out, upSpan{at, total})
	}
	return out
}

// upAddSpread adds weight × the length of s falling in each block to acc.
func upAddSpread(acc []float64, width float64, s upSpan, weight float64) {
	first := max(0, min(len(acc)-1, int(s.a/width)))
	for i := first; i < len(acc); i++ {
		lo, hi := float64(i)*width, float64(i+1)*width
		if i == len(acc)-1 {
			hi = math.Inf(1) // float rounding must not drop the tail
		}
		if lo >= s.b {
			break
		}
		if d := math.Min(hi, s.b) - math.Max(lo, s.a); d > 0 {
			acc[i] += weight * d
		}
	}
}
