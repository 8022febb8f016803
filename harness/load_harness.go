package harness

import (
	"fmt"
	"slices"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness/fault"
)

// HarnessEventKind names what went wrong on the harness's own side.
type HarnessEventKind string

// Harness event kinds.
const (
	// HarnessAgentDisconnected: the agent's connection left the connected
	// state.
	HarnessAgentDisconnected HarnessEventKind = "agent_disconnected"
	// HarnessAgentResynced: the agent's resume failed and it started a new
	// session; what it missed meanwhile it cannot vouch for.
	HarnessAgentResynced HarnessEventKind = "agent_resynced"
	// HarnessAgentContinuityLost: the server told the agent messages of one
	// of its channels are lost (not replayable, or skipped). The system's
	// admitted loss, not the harness's failure: always Expected, counted in
	// continuity_lost, its messages judged (lost) as usual.
	HarnessAgentContinuityLost HarnessEventKind = "agent_continuity_lost"
	// HarnessAgentSlowConsumer: the server dropped the agent's connection as
	// a slow consumer (the agent did not read fast enough).
	HarnessAgentSlowConsumer HarnessEventKind = "agent_slow_consumer"
	// HarnessAgentFellBehind: the server skipped messages of one of the
	// agent's channels because the agent read slower than the channel was
	// published to, so its position fell out of the channel's history
	// (faultserver.EventFellBehind; Detail names the channel, Count the
	// messages skipped). The agent then hears continuity_lost for them, but
	// the loss is the harness's observer failing to keep up, not the
	// system's: the run is inconclusive and the agent's queues are judged
	// apart, unless a fault-server fault was in force (it can slow the
	// agent like any client).
	HarnessAgentFellBehind HarnessEventKind = "agent_fell_behind"
	// HarnessAgentBehind: when the drain ended, the agent was still owed
	// deliveries and had deliveries it had received but not yet read
	// (Count): it fell behind the load. What never reached it is not
	// counted here: that may be the system's loss.
	HarnessAgentBehind HarnessEventKind = "agent_behind"
	// HarnessOfferedShort: the pacer offered less than the nominal load in a
	// direction (Count publications skipped), beyond OfferedShortfall.
	HarnessOfferedShort HarnessEventKind = "offered_short"
)

// OfferedShortfall is the share of the nominal load the harness may skip in
// a direction before the run is inconclusive (offered ratio below 99%).
const OfferedShortfall = 0.01

// offeredShortFloor is the fewest skipped publications that count as a
// shortfall, so a few-second run on a loaded machine is not inconclusive
// for a couple of late ticks.
const offeredShortFloor = 10

// expectedGrace is how long after a server fault ends an agent disruption
// is still put down to it: the agent bypasses the proxy, so only
// fault-server actions (restart, drop, close, forget...) touch it.
const expectedGrace = 2 * time.Second

// expectedLead is how long before a fault's logged start an agent
// disruption is still put down to it: the log stamps a fault once applied,
// and applying one (a drop waits for the dropped connections' cleanup)
// takes time during which the agent already sees it.
const expectedLead = time.Second

// agentAttaches bounds the agents' attaches in flight while connecting.
const agentAttaches = 64

// agentChannels is how many channels one agent session attaches: half the
// fault server's default MaxChannels, so a target announcing a smaller cap
// has room too. A variable so tests can run several agents on a small load.
var agentChannels = 512

// HarnessEvent is one failure on the harness's own side.
type HarnessEvent struct {
	Time   time.Time        `json:"time"`
	Kind   HarnessEventKind `json:"kind"`
	Detail string           `json:"detail,omitempty"`
	Count  int              `json:"count,omitempty"`
	// Expected is true for an agent disruption during (or just after) an
	// injected fault-server fault, which hits the agent like any client,
	// and for agent_continuity_lost, the server's admitted loss: it is
	// reported, but does not make the run inconclusive.
	Expected bool `json:"expected,omitempty"`
}

// HarnessReport is the harness's own side of a run, reported apart from the
// system's verdict.
type HarnessReport struct {
	Events []HarnessEvent `json:"events,omitempty"`
	// Inconclusive is true when an unexpected harness event occurred: the
	// run says nothing about the system, pass or fail.
	Inconclusive bool `json:"inconclusive"`
	// Unverified, when set, counts the messages the agent published or had
	// to receive, judged apart because the agent itself failed (or lost its
	// session): they are neither in the message verdict nor in Lost.
	Unverified *MessageCounts `json:"unverified,omitempty"`
}

// Verdict names a run's outcome as the CLI reports it.
type Verdict string

// Verdicts.
const (
	VerdictPass         Verdict = "pass"
	VerdictFail         Verdict = "fail"
	VerdictInconclusive Verdict = "inconclusive"
)

// Inconclusive reports whether the harness failed during the run, so its
// verdict on the system cannot stand.
func (r *Result) Inconclusive() bool { return r != nil && r.Harness.Inconclusive }

// agentEvent notes a client event of the agent as a harness event. Caller
// holds m.mu.
func (m *member) agentEvent(ev client.Event) {
	var he HarnessEvent
	switch ev.Kind {
	case client.EventStateChanged:
		if ev.From != client.StateConnected || ev.To == client.StateClosed {
			return // closed: the harness closing it at the end
		}
		he = HarnessEvent{Kind: HarnessAgentDisconnected, Detail: "to " + ev.To.String()}
		if ev.Err != nil {
			he.Detail += ": " + ev.Err.Error()
		}
	case client.EventResynced:
		he = HarnessEvent{Kind: HarnessAgentResynced, Detail: ev.Reason}
	case client.EventContinuityLost:
		he = HarnessEvent{Kind: HarnessAgentContinuityLost, Detail: ev.Channel}
	default:
		return
	}
	he.Time = ev.Time
	if he.Time.IsZero() {
		he.Time = time.Now()
	}
	m.harness = append(m.harness, he)
}

// harnessCheck gathers the harness events of a finished run and, when the
// agent's queues cannot be trusted, judges them apart from the verdict.
func (r *runner) harnessCheck(res *Result, events []faultserver.Event) MessageReport {
	var evs []HarnessEvent
	sessions := map[string]bool{}
	for _, a := range r.agents {
		a.mu.Lock()
		for _, e := range a.harness {
			if !e.Time.After(res.End) { // later: the harness closing everything
				evs = append(evs, e)
			}
		}
		for _, s := range a.info.Sessions {
			sessions[s] = true
		}
		a.mu.Unlock()
	}
	slices.SortStableFunc(evs, func(a, b HarnessEvent) int { return a.Time.Compare(b.Time) })
	for _, e := range events {
		if !sessions[e.Session] || e.Time.After(res.End) {
			continue
		}
		switch e.Kind {
		case faultserver.EventSlowConsumer:
			evs = append(evs, HarnessEvent{Time: e.Time, Kind: HarnessAgentSlowConsumer, Detail: e.Detail})
		case faultserver.EventFellBehind:
			evs = append(evs, HarnessEvent{Time: e.Time, Kind: HarnessAgentFellBehind, Count: e.Count,
				Detail: fmt.Sprintf("%s: serials %d..%d skipped (head %d)", e.Channel, e.After+1, e.Oldest-1, e.Serial)})
		}
	}
	if n := r.agentBehind(); n > 0 {
		evs = append(evs, HarnessEvent{Time: res.End, Kind: HarnessAgentBehind, Count: n,
			Detail: fmt.Sprintf("%d owed deliveries unread by the agent when the drain ended (%d buffered, %d owed)", n, r.agentBacklog, r.agentOwed)})
	}
	for _, d := range []struct {
		dir Direction
		l   OfferedLoad
	}{{Up, res.Offered.Up}, {Down, res.Offered.Down}} {
		if d.l.Skipped >= offeredShortFloor && float64(d.l.Skipped) > OfferedShortfall*float64(d.l.Nominal) {
			evs = append(evs, HarnessEvent{Time: res.End, Kind: HarnessOfferedShort, Count: d.l.Skipped,
				Detail: fmt.Sprintf("%s: offered %d + held back %d of %d nominal", d.dir, d.l.Offered, d.l.HeldBack, d.l.Nominal)})
		}
	}
	split := false
	for i := range evs {
		e := &evs[i]
		switch e.Kind {
		case HarnessAgentDisconnected, HarnessAgentResynced, HarnessAgentFellBehind:
			e.Expected = duringServerFault(e.Time, res.Faults)
		case HarnessAgentContinuityLost:
			// The server admits it lost messages of the channel (a gap on
			// the live stream, history too short for a resume, a channel
			// reset): the system's loss, counted as continuity_lost and the
			// missing messages as lost, as for any client. A failure of
			// the agent's own that led to it is its own event.
			e.Expected = true
		}
		if !e.Expected {
			res.Harness.Inconclusive = true
		}
		// The agent's queues are judged apart when the agent itself failed
		// unexpectedly; an expected resync replays from the channels'
		// history and loses nothing, a continuity loss is the system's,
		// and a shortfall in offered load only means fewer messages were
		// sent, each still judged.
		if e.Kind != HarnessOfferedShort && !e.Expected {
			split = true
		}
	}
	res.Harness.Events = evs
	if !split {
		return r.rec.CheckMessages(res.End)
	}
	// The agent cannot vouch for its queues: judge the messages it sent or
	// had to receive apart, and the rest (clients' echoes) as usual.
	agents := func(sender, receiver string) bool { return sender == serverName || receiver == serverName }
	u := r.rec.CheckMessagesWhere(res.End, agents).Total
	res.Harness.Unverified = &u
	return r.rec.CheckMessagesWhere(res.End, func(s, rc string) bool { return !agents(s, rc) })
}

// agentContinuityLost counts the agents' continuity losses, which the
// summary's continuity_lost counts with the clients'.
func (r *runner) agentContinuityLost() int {
	n := 0
	for _, a := range r.agents {
		a.mu.Lock()
		n += a.info.ContinuityLost
		a.mu.Unlock()
	}
	return n
}

// noteAgentBacklog notes, when the drain ended, what the agents were still
// owed, what they held unread, and how many owed deliveries they had read.
func (r *runner) noteAgentBacklog() {
	for _, a := range r.agents {
		r.agentOwed += a.owedCount()
	}
	for _, sub := range r.agentSubs {
		r.agentBacklog += sub.Buffered()
	}
	r.agentRead = r.agentOwedRead()
}

// agentOwedRead sums the agents' owed deliveries read so far.
func (r *runner) agentOwedRead() int {
	n := 0
	for _, a := range r.agents {
		a.mu.Lock()
		n += a.owedRead
		a.mu.Unlock()
	}
	return n
}

// agentBehind counts the deliveries the agent was owed, had received, and
// had not read when the drain ended: read only after it (the consumers
// drain the buffers before the sessions end), or still buffered when
// closing cut the consumers off. Neither unread deliveries alone (the
// agent hears its own downstream messages too, and owes them nothing) nor
// owed ones alone (a message the server dropped is owed for ever: the
// system's loss) make the agent behind; before, the two together did, so a
// lossy server and a few of the agent's own echoes in its buffer made the
// run inconclusive and its losses unverified.
func (r *runner) agentBehind() int {
	if r.agentOwed == 0 || r.agentBacklog == 0 {
		return 0
	}
	late := r.agentOwedRead() - r.agentRead
	unread := 0
	for _, sub := range r.agentSubs {
		unread += sub.Buffered()
	}
	if unread > 0 && late < r.agentBacklog {
		// Cut off with deliveries unread: which of them were owed is
		// unknown, so the harness cannot vouch for any.
		late = r.agentBacklog
	}
	return min(late, r.agentBacklog)
}

// duringServerFault reports whether t falls in a fault-server fault's
// window (from expectedLead before it to expectedGrace after).
func duringServerFault(t time.Time, faults []FaultEntry) bool {
	for _, f := range faults {
		if !serverFault(f.Fault) {
			continue
		}
		end := f.End
		if end.IsZero() {
			end = t // never undone: in force until the end
		}
		if !t.Before(f.Start.Add(-expectedLead)) && !t.After(end.Add(expectedGrace)) {
			return true
		}
	}
	return false
}

// serverFault reports whether f is a fault-server fault, including one
// another process drives ([DrivenElsewhere] drops the Server tag, since
// nothing is applied here): shard 0's close of every connection hits the
// other shards' agents all the same.
func serverFault(f fault.Fault) bool {
	if e, ok := f.(elsewhere); ok {
		f = e.Fault
	}
	return f != nil && f.Tags().Has(fault.Server)
}
