package history

import (
	"slices"
	"time"

	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/harness/stats"
)

// TimingInput frames a timing check.
type TimingInput struct {
	// Start and End bound the measured run.
	Start, End time.Time
	// Clients is the number of clients (indexes 0..Clients-1).
	Clients int
	// Channels is how many channels each client must have re-attached to be
	// ready again; 0 means ready as soon as connected.
	Channels int
	// Faults are the applied faults.
	Faults []FaultEntry
	// Grace is how long after a fault ends a disconnection still counts as
	// caused by it (a half-open connection is noticed only after the
	// heartbeat timeout; removing a timeout toxic closes connections just
	// after the fault). Default 2s.
	Grace time.Duration
}

// StateSpan is one interval a client spent in a state.
type StateSpan struct {
	State string    `json:"state"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// RecoverySample is one client's recovery from one fault.
type RecoverySample struct {
	Client int        `json:"client"`
	Step   int        `json:"step"`
	Fault  fault.Kind `json:"fault"`
	// FaultEnd is when the fault was undone (applied, for instant faults).
	FaultEnd time.Time `json:"fault_end"`
	// Connected is FaultEnd to connected again; Reattached is FaultEnd to
	// connected with every channel re-attached. Both are 0 when the client
	// recovered before the fault ended.
	Connected  time.Duration `json:"connected"`
	Reattached time.Duration `json:"reattached"`
}

// BackoffObservation pairs a scheduled reconnect delay (Event.Delay on
// entering reconnecting) with the observed time to the next dial.
type BackoffObservation struct {
	Client int       `json:"client"`
	At     time.Time `json:"at"`
	// Attempt is Event.Attempt (consecutive failures; 0 after a healthy
	// connection was lost). The delay was drawn for max(Attempt, 1).
	Attempt int `json:"attempt"`
	// Prev is the previous delay of the same streak (decorrelated jitter
	// reads it), 0 if none.
	Prev      time.Duration `json:"prev"`
	Scheduled time.Duration `json:"scheduled"`
	// Observed is the time from entering reconnecting to the next dial; -1
	// if no dial followed (the run ended or the client gave up).
	Observed time.Duration `json:"observed"`
	// RetryAfter is true when a server's Retry-After shaped the delay.
	RetryAfter bool `json:"retry_after,omitempty"`
}

// ClientTiming is one client's timing verdict.
type ClientTiming struct {
	Client int `json:"client"`
	// Uptime is connected time over the run; UptimeExclOutages leaves out
	// the windows of injected outages.
	Uptime            float64 `json:"uptime"`
	UptimeExclOutages float64 `json:"uptime_excl_outages"`
	Disconnects       int     `json:"disconnects"`
	Dials             int     `json:"dials"`
	FinalState        string  `json:"final_state"`
	// Unrecovered is true when a fault's disruption had not ended by End.
	Unrecovered bool        `json:"unrecovered,omitempty"`
	States      []StateSpan `json:"states"`
}

// TimingReport is the checker's timing output.
type TimingReport struct {
	Recovery []RecoverySample `json:"recovery"`
	// RecoveryReattached summarises Reattached over every sample;
	// RecoveryConnected summarises Connected.
	RecoveryReattached stats.Summary `json:"recovery_reattached"`
	RecoveryConnected  stats.Summary `json:"recovery_connected"`
	Unrecovered        int           `json:"unrecovered"`
	// Uptime and UptimeExclOutages are means over clients.
	Uptime            float64              `json:"uptime"`
	UptimeExclOutages float64              `json:"uptime_excl_outages"`
	Clients           []ClientTiming       `json:"clients"`
	Backoff           []BackoffObservation `json:"backoff"`
}

// interval is a half-open time interval [a, b).
type interval struct{ a, b time.Time }

// CheckTiming derives state timelines, recovery samples, uptime and backoff
// observations from state, attach and dial records.
func CheckTiming(in TimingInput, recs []Record) TimingReport {
	if in.Grace == 0 {
		in.Grace = 2 * time.Second
	}
	perClient := make([][]Record, in.Clients)
	for _, r := range recs {
		if r.Client >= 0 && r.Client < in.Clients {
			perClient[r.Client] = append(perClient[r.Client], r)
		}
	}
	outages := outageWindows(in)
	var rep TimingReport
	var reattached, connected []time.Duration
	for c, rs := range perClient {
		ct, ready, conn := clientTiming(in, c, rs, outages)
		samples, unrec := recoveries(in, ready, conn)
		ct.Unrecovered = unrec
		for _, s := range samples {
			s.Client = c
			rep.Recovery = append(rep.Recovery, s)
			reattached = append(reattached, s.Reattached)
			connected = append(connected, s.Connected)
		}
		if ct.Unrecovered && ct.FinalState != stateFailed {
			rep.Unrecovered++
		}
		rep.Uptime += ct.Uptime / float64(in.Clients)
		rep.UptimeExclOutages += ct.UptimeExclOutages / float64(in.Clients)
		rep.Clients = append(rep.Clients, ct)
		rep.Backoff = append(rep.Backoff, backoffObservations(c, rs)...)
	}
	rep.RecoveryReattached = stats.Summarize(reattached)
	rep.RecoveryConnected = stats.Summarize(connected)
	return rep
}

// clientTiming builds one client's spans, its ready and connected intervals
// and uptime.
func clientTiming(in TimingInput, c int, rs []Record, outages []interval) (ClientTiming, []interval, []interval) {
	ct := ClientTiming{Client: c, FinalState: stateConnecting}
	var spans []StateSpan
	cur := StateSpan{State: stateConnecting, Start: in.Start}
	for _, r := range rs {
		switch r.Kind {
		case RecDial:
			ct.Dials++
		case RecState:
			if r.From == stateConnected {
				ct.Disconnects++
			}
			if r.Time.After(cur.Start) {
				cur.End = r.Time
				spans = append(spans, cur)
			}
			cur = StateSpan{State: r.To, Start: maxTime(r.Time, in.Start)}
			ct.FinalState = r.To
		}
	}
	cur.End = maxTime(in.End, cur.Start)
	spans = append(spans, cur)
	ct.States = spans

	var conn []interval
	for _, s := range spans {
		if s.State == stateConnected {
			conn = append(conn, clip(interval{s.Start, s.End}, in.Start, in.End))
		}
	}
	ready := readyIntervals(in, rs, spans)
	total := in.End.Sub(in.Start)
	up := sumIntervals(conn)
	if total > 0 {
		ct.Uptime = up.Seconds() / total.Seconds()
	}
	outTotal := sumIntervals(outages)
	upIn := time.Duration(0)
	for _, iv := range conn {
		upIn += overlap(iv, outages)
	}
	if total-outTotal > 0 {
		ct.UptimeExclOutages = (up - upIn).Seconds() / (total - outTotal).Seconds()
	}
	return ct, ready, conn
}

// readyIntervals are the connected intervals from the moment every channel
// was re-attached since the previous disconnection.
func readyIntervals(in TimingInput, rs []Record, spans []StateSpan) []interval {
	var out []interval
	cycleStart := in.Start
	if len(rs) > 0 {
		cycleStart = minTime(rs[0].Time, in.Start)
	}
	for _, s := range spans {
		if s.State != stateConnected {
			continue
		}
		start := s.Start
		if in.Channels > 0 {
			firsts := map[string]time.Time{}
			for _, r := range rs {
				if r.Kind == RecAttach && !r.Time.Before(cycleStart) && r.Time.Before(s.End) {
					if _, ok := firsts[r.Channel]; !ok {
						firsts[r.Channel] = r.Time
					}
				}
			}
			if len(firsts) < in.Channels {
				cycleStart = s.End
				continue // connected but never fully re-attached
			}
			for _, t := range firsts {
				start = maxTime(start, t)
			}
		}
		if start.Before(s.End) {
			out = append(out, interval{start, s.End})
		}
		cycleStart = s.End
	}
	return out
}

// recoveries measures a client's recoveries. Each gap between ready
// intervals that overlaps a fault's window [start, end+Grace] is one
// disruption, attributed to one fault: the latest one to start before the
// gap began (else the first one overlapping it), so overlapping faults do
// not count one disruption twice. Gaps no fault explains are not samples.
// unrecovered is true when a disruption lasted past the end of the run.
func recoveries(in TimingInput, ready, conn []interval) (out []RecoverySample, unrecovered bool) {
	gapStart := in.Start
	bounds := append(slices.Clone(ready), interval{in.End, in.End})
	for i, iv := range bounds {
		gap := interval{gapStart, iv.a}
		gapStart = iv.b
		if !gap.a.Before(gap.b) {
			continue
		}
		e, ok := attribute(in, gap)
		if !ok {
			continue
		}
		if i == len(bounds)-1 {
			unrecovered = true
			continue
		}
		end := e.End
		if end.IsZero() {
			end = in.End
		}
		s := RecoverySample{Step: e.Step, Fault: fault.Kind(e.Fault.Name()), FaultEnd: end, Reattached: max(iv.a.Sub(end), 0)}
		s.Connected = s.Reattached
		for _, c := range conn {
			if !c.a.Before(gap.a) && !c.a.After(iv.a) {
				s.Connected = max(c.a.Sub(end), 0)
				break
			}
		}
		out = append(out, s)
	}
	return out, unrecovered
}

// attribute picks the fault a disruption gap belongs to.
func attribute(in TimingInput, gap interval) (FaultEntry, bool) {
	var best FaultEntry
	found, before := false, false
	for _, e := range in.Faults {
		end := e.End
		if end.IsZero() {
			end = in.End
		}
		if gap.b.Before(e.Start) || gap.a.After(end.Add(in.Grace)) {
			continue
		}
		startedBefore := !e.Start.After(gap.a)
		switch {
		case !found:
		case startedBefore && (!before || e.Start.After(best.Start)):
		case !startedBefore && !before && e.Start.Before(best.Start):
		default:
			continue
		}
		best, found, before = e, true, startedBefore
	}
	return best, found
}

// backoffObservations pairs each reconnecting record with the next dial.
func backoffObservations(c int, rs []Record) []BackoffObservation {
	var out []BackoffObservation
	var last *Record
	for i, r := range rs {
		if r.Kind != RecState || r.To != stateReconnecting {
			continue
		}
		o := BackoffObservation{Client: c, At: r.Time, Attempt: r.Attempt, Scheduled: r.Delay, Observed: -1,
			RetryAfter: r.RetryAfter > 0}
		if last != nil && r.Attempt >= 1 && last.Attempt == r.Attempt-1 {
			o.Prev = last.Delay
		}
		for _, n := range rs[i+1:] {
			if n.Kind == RecDial || (n.Kind == RecState && n.To == stateConnecting) {
				o.Observed = n.Time.Sub(r.Time)
				break
			}
			if n.Kind == RecState {
				break // closed or failed before dialing again
			}
		}
		out = append(out, o)
		last = &rs[i]
	}
	return out
}

func outageWindows(in TimingInput) []interval {
	var ivs []interval
	for _, e := range in.Faults {
		if !e.Fault.Tags().Has(fault.Outage) {
			continue
		}
		end := e.End
		if end.IsZero() {
			end = in.End
		}
		iv := clip(interval{e.Start, end}, in.Start, in.End)
		if iv.a.Before(iv.b) {
			ivs = append(ivs, iv)
		}
	}
	return mergeIntervals(ivs)
}

func mergeIntervals(ivs []interval) []interval {
	slices.SortFunc(ivs, func(x, y interval) int { return x.a.Compare(y.a) })
	var out []interval
	for _, iv := range ivs {
		if n := len(out); n > 0 && !iv.a.After(out[n-1].b) {
			out[n-1].b = maxTime(out[n-1].b, iv.b)
			continue
		}
		out = append(out, iv)
	}
	return out
}

func overlap(iv interval, set []interval) time.Duration {
	var d time.Duration
	for _, o := range set {
		a, b := maxTime(iv.a, o.a), minTime(iv.b, o.b)
		if a.Before(b) {
			d += b.Sub(a)
		}
	}
	return d
}

func sumIntervals(ivs []interval) time.Duration {
	var d time.Duration
	for _, iv := range ivs {
		if iv.a.Before(iv.b) {
			d += iv.b.Sub(iv.a)
		}
	}
	return d
}

func clip(iv interval, lo, hi time.Time) interval {
	iv.a, iv.b = maxTime(iv.a, lo), minTime(iv.b, hi)
	if iv.b.Before(iv.a) {
		iv.b = iv.a
	}
	return iv
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
