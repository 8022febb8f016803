package report

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/stats"
)

// Limits that keep a report readable and its size bounded by faults and
// exceptions, not by clients or messages.
const (
	// CompactAbove is the client count past which a report is compact: the
	// HTML shows clients as a stacked area of state counts instead of a row
	// each, and the JSON lists only the worst clients. 48 rows is about
	// what one screen of the timeline shows legibly.
	CompactAbove = 48
	// WorstClients is how many clients a compact report lists individually
	// (failed clients beyond them too, up to MaxFailedClients).
	WorstClients = 20
	// MaxFailedClients caps the failed clients a compact report lists.
	MaxFailedClients = 200
	// MaxRecoverySamples caps a compact report's recovery samples (the
	// slowest are kept; the histogram and per-fault bands use them all).
	MaxRecoverySamples = 100
	// MaxInRangeObservations caps the in-range backoff delays a compact
	// report keeps (every out-of-range one is kept, up to MaxExceptions).
	MaxInRangeObservations = 200
	// MaxExceptions caps out-of-range backoff delays kept.
	MaxExceptions = 1000
	// StateBuckets is the resolution of the state-count series.
	StateBuckets = 200
)

// compactAbove is CompactAbove; tests lower or raise it.
var compactAbove = CompactAbove

// Scale holds the population-wide views of a run, fixed in size whatever
// the client count, and says what a compact report left out of its lists.
type Scale struct {
	// Compact is true when the run had more than Threshold clients: then
	// clients, recovery.samples and backoff.observations hold only the
	// worst entries and the Omitted counts say how many were left out.
	Compact   bool `json:"compact"`
	Threshold int  `json:"threshold"`
	// Clients is the number of clients in the run; FinalStates counts them
	// by final state; Attempts is their dials.
	Clients     int            `json:"clients"`
	FinalStates map[string]int `json:"final_states"`
	Attempts    int            `json:"attempts"`

	OmittedClients             int `json:"omitted_clients"`
	OmittedRecoverySamples     int `json:"omitted_recovery_samples"`
	OmittedBackoffObservations int `json:"omitted_backoff_observations"`

	// States is the mean number of clients in each state per time bucket.
	States []StateBucket `json:"states"`
	// RecoveryByFault summarises recovery per fault step, in time order.
	RecoveryByFault []FaultRecovery `json:"recovery_by_fault"`
	// RecoveryHistogram bins every recovery sample's re-attach time.
	RecoveryHistogram []HistogramBin `json:"recovery_histogram"`
}

// StateBucket is the time-weighted mean count of clients per state over
// [StartMS, EndMS).
type StateBucket struct {
	StartMS      float64 `json:"start_ms"`
	EndMS        float64 `json:"end_ms"`
	Connecting   float64 `json:"connecting"`
	Connected    float64 `json:"connected"`
	Reconnecting float64 `json:"reconnecting"`
	Failed       float64 `json:"failed"`
	Closed       float64 `json:"closed"`
}

// FaultRecovery is the recovery percentiles of the clients one fault
// disrupted.
type FaultRecovery struct {
	Step       int     `json:"step"`
	Fault      string  `json:"fault"`
	FaultEndMS float64 `json:"fault_end_ms"`
	Count      int     `json:"count"`
	P50MS      float64 `json:"p50_ms"`
	P90MS      float64 `json:"p90_ms"`
	P99MS      float64 `json:"p99_ms"`
	MaxMS      float64 `json:"max_ms"`
}

// HistogramBin counts recovery samples in [LoMS, HiMS).
type HistogramBin struct {
	LoMS  float64 `json:"lo_ms"`
	HiMS  float64 `json:"hi_ms"`
	Count int     `json:"count"`
}

// buildScale fills r.Scale from res and, for a compact report, trims r's
// per-client lists to the worst entries.
func buildScale(r *Report, res *harness.Result) {
	sc := Scale{Threshold: compactAbove, Clients: len(res.Clients), FinalStates: map[string]int{}}
	for _, c := range res.Clients {
		sc.FinalStates[c.FinalState]++
		sc.Attempts += c.Attempts
	}
	sc.States = stateBuckets(res, StateBuckets)
	sc.RecoveryByFault = recoveryByFault(res)
	sc.RecoveryHistogram = histogram(r.Recovery.Samples)
	sc.Compact = len(res.Clients) > compactAbove
	if sc.Compact {
		n := len(r.Clients)
		r.Clients = worstClients(r.Clients)
		sc.OmittedClients = n - len(r.Clients)
		n = len(r.Recovery.Samples)
		r.Recovery.Samples = slowestSamples(r.Recovery.Samples, MaxRecoverySamples)
		sc.OmittedRecoverySamples = n - len(r.Recovery.Samples)
		n = len(r.Backoff.Observations)
		r.Backoff.Observations = keepObservations(r.Backoff.Observations)
		sc.OmittedBackoffObservations = n - len(r.Backoff.Observations)
	}
	r.Scale = sc
}

// worstClients keeps the WorstClients with the least uptime (ties: the
// slowest recovery, then the lowest id) and every failed client up to
// MaxFailedClients, in id order.
func worstClients(cs []Client) []Client {
	ranked := slices.Clone(cs)
	slices.SortStableFunc(ranked, func(a, b Client) int {
		return cmp.Or(cmp.Compare(a.Uptime, b.Uptime), cmp.Compare(b.RecoveryMaxMS, a.RecoveryMaxMS), cmp.Compare(a.ID, b.ID))
	})
	var out []Client
	failed := 0
	for i, c := range ranked {
		isFailed := c.FinalState == "failed"
		if isFailed {
			failed++
		}
		if i < WorstClients || (isFailed && failed <= MaxFailedClients) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Client) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// slowestSamples keeps the n slowest samples, in their original order.
func slowestSamples(ss []RecoverySample, n int) []RecoverySample {
	if len(ss) <= n {
		return ss
	}
	idx := make([]int, len(ss))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(ss[b].ReattachedMS, ss[a].ReattachedMS) })
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]RecoverySample, n)
	for i, k := range idx {
		out[i] = ss[k]
	}
	return out
}

// keepObservations keeps every out-of-range delay (up to MaxExceptions)
// and an evenly strided sample of MaxInRangeObservations in-range ones.
func keepObservations(obs []BackoffObservation) []BackoffObservation {
	inRange := 0
	for _, o := range obs {
		if o.InRange {
			inRange++
		}
	}
	stride := max(1, (inRange+MaxInRangeObservations-1)/MaxInRangeObservations)
	var out []BackoffObservation
	seen, bad := 0, 0
	for _, o := range obs {
		switch {
		case !o.InRange:
			if bad < MaxExceptions {
				out = append(out, o)
			}
			bad++
		default:
			if seen%stride == 0 {
				out = append(out, o)
			}
			seen++
		}
	}
	return out
}

// stateBuckets splits the run into n buckets and averages, per bucket, how
// many clients were in each state (client-milliseconds in the state over
// the bucket's length), so a blip shorter than a bucket still shows.
func stateBuckets(res *harness.Result, n int) []StateBucket {
	total := MS(res.End.Sub(res.Start))
	if total <= 0 || len(res.Timing.Clients) == 0 {
		return []StateBucket{}
	}
	width := total / float64(n)
	out := make([]StateBucket, n)
	for i := range out {
		out[i].StartMS, out[i].EndMS = float64(i)*width, float64(i+1)*width
	}
	out[n-1].EndMS = total
	for _, ct := range res.Timing.Clients {
		for _, sp := range ct.States {
			a := math.Max(MS(sp.Start.Sub(res.Start)), 0)
			b := math.Min(MS(sp.End.Sub(res.Start)), total)
			for i := max(0, min(n-1, int(a/width))); i < n && out[i].StartMS < b; i++ {
				if d := math.Min(out[i].EndMS, b) - math.Max(out[i].StartMS, a); d > 0 {
					*stateField(&out[i], sp.State) += d / (out[i].EndMS - out[i].StartMS)
				}
			}
		}
	}
	return out
}

// stateField is the bucket's counter for state s (unknown states count as
// connecting: not yet, or no longer, up).
func stateField(b *StateBucket, s string) *float64 {
	switch s {
	case "connected":
		return &b.Connected
	case "reconnecting":
		return &b.Reconnecting
	case "failed":
		return &b.Failed
	case "closed":
		return &b.Closed
	}
	return &b.Connecting
}

// recoveryByFault groups every recovery sample by fault step.
func recoveryByFault(res *harness.Result) []FaultRecovery {
	type group struct {
		kind string
		end  time.Time
		ds   []time.Duration
	}
	groups := map[int]*group{}
	for _, s := range res.Timing.Recovery {
		g := groups[s.Step]
		if g == nil {
			g = &group{kind: string(s.Fault), end: s.FaultEnd}
			groups[s.Step] = g
		}
		g.ds = append(g.ds, s.Reattached)
	}
	out := []FaultRecovery{}
	for step, g := range groups {
		sum := stats.Summarize(g.ds)
		out = append(out, FaultRecovery{Step: step, Fault: g.kind, FaultEndMS: MS(g.end.Sub(res.Start)), Count: sum.N,
			P50MS: MS(sum.P50), P90MS: MS(sum.P90), P99MS: MS(sum.P99), MaxMS: MS(sum.Max)})
	}
	slices.SortFunc(out, func(a, b FaultRecovery) int {
		return cmp.Or(cmp.Compare(a.FaultEndMS, b.FaultEndMS), cmp.Compare(a.Step, b.Step))
	})
	return out
}

// histogram bins re-attach times into at most about 20 round-width bins.
func histogram(ss []RecoverySample) []HistogramBin {
	if len(ss) == 0 {
		return []HistogramBin{}
	}
	hi := 0.0
	for _, s := range ss {
		hi = math.Max(hi, s.ReattachedMS)
	}
	width := niceStep(math.Max(hi, 1) / 20)
	n := int(math.Floor(hi/width)) + 1
	out := make([]HistogramBin, n)
	for i := range out {
		out[i].LoMS, out[i].HiMS = float64(i)*width, float64(i+1)*width
	}
	for _, s := range ss {
		out[min(int(s.ReattachedMS/width), n-1)].Count++
	}
	return out
}
