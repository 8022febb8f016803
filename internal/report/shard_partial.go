package report

import (
	"math"
	"time"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/internal/shard"
)

// ShardRun is what a shard knows about its run besides the harness result.
type ShardRun struct {
	RunID    string
	Scenario shard.ScenarioRef
	Meta     shard.Meta
	Seed     uint64
	Spec     shard.Spec
	Clients  shard.Range
	// Start is the coordinated start (the shard's own start when none).
	Start time.Time
	// Up and Down are the plan's per-client and per-channel rates (msg/s),
	// Channels its channels per client, Duration its load length: they give
	// the nominal message count.
	Up, Down float64
	Channels int
	Duration time.Duration
}

// serverFaultEvents are the event kinds a partial keeps in full; every
// other kind (one per connection, attach, message) is only counted.
var serverFaultEvents = map[faultserver.EventKind]bool{
	faultserver.EventFault: true, faultserver.EventRestartDown: true, faultserver.EventRestartUp: true,
	faultserver.EventForget: true,
}

// PartialFromResult turns one shard's harness result into the [shard.Partial]
// it writes: counters and sketches, no per-message data. Uptime is kept as
// time sums (each client's uptime times the measured window) so that shards
// merge as the client-weighted mean one process would report.
func PartialFromResult(run ShardRun, res *harness.Result) (*shard.Partial, error) {
	p := shard.NewPartial(run.RunID, run.Scenario, run.Seed, run.Spec, run.Clients, run.Start)
	p.Meta, p.End = run.Meta, res.End
	p.Up, p.Down = shardCounts(res.Messages.Up), shardCounts(res.Messages.Down)
	s := res.Summary
	p.Recoveries, p.Unrecovered = int64(s.Recoveries), int64(s.Unrecovered)
	p.FailedClients, p.ConnectedClients = int64(s.FailedClients), int64(s.ConnectedClients)
	p.Reconnects, p.Attempts = int64(s.Reconnects), int64(s.Attempts)
	p.ContinuityLost, p.BackoffViolations = int64(s.ContinuityLost), int64(s.BackoffViolations)
	window := res.End.Sub(res.Start)
	n := time.Duration(len(res.Clients))
	p.ObservedTime, p.ObservedTotal = n*window, n*window
	p.ConnectedTime = time.Duration(math.Round(s.Uptime * float64(p.ObservedTime)))
	p.ConnectedTotal = time.Duration(math.Round(s.UptimeTotal * float64(p.ObservedTotal)))
	p.Offered = int64(s.Sent)
	// An up publication is sent twice (to the agent, and back down to its
	// client); a down one once.
	clients := float64(run.Clients.Len())
	p.Nominal = int64(math.Round(run.Duration.Seconds() * (2*clients*max(run.Up, 0) + clients*float64(run.Channels)*max(run.Down, 0))))
	p.HarnessErrors = append(p.HarnessErrors, res.Errors...)
	p.Harness = partialHarness(res)
	for _, x := range res.Timing.Recovery {
		if err := p.Recovery.Add(x.Reattached); err != nil {
			return nil, err
		}
	}
	for _, f := range res.Faults {
		end := f.End
		if end.IsZero() {
			end = res.End
		}
		p.Faults = append(p.Faults, shard.FaultRecord{Step: f.Step, Kind: f.Fault.Name(), Description: f.Fault.String(),
			Network: f.Fault.Tags().Has(fault.Network), Start: f.Start.Sub(res.Start), End: end.Sub(res.Start), Error: f.Err})
	}
	for _, e := range res.ServerEvents {
		if p.ServerEventCounts == nil {
			p.ServerEventCounts = map[string]int64{}
		}
		p.ServerEventCounts[string(e.Kind)]++
		if serverFaultEvents[e.Kind] {
			p.ServerEvents = append(p.ServerEvents, shard.ServerEvent{ID: e.ID, Time: e.Time, Kind: string(e.Kind), Fault: e.Fault, Detail: e.Detail})
		}
	}
	return p, p.Validate()
}

func shardCounts(c harness.MessageCounts) shard.Counters {
	return shard.Counters{Sent: int64(c.Sent), Acked: int64(c.Acked), Delivered: int64(c.Delivered), Lost: int64(c.Lost),
		Duplicated: int64(c.Duplicated), Reordered: int64(c.Reordered), Unexpected: int64(c.Unexpected),
		Abandoned: int64(c.Abandoned), HandedBack: int64(c.HandedBack)}
}

// partialHarness is the shard's harness side: inconclusive, its events,
// the offered load and the counts judged apart.
func partialHarness(res *harness.Result) *shard.Harness {
	load := func(l harness.OfferedLoad) shard.OfferedLoad {
		return shard.OfferedLoad{Nominal: int64(l.Nominal), Offered: int64(l.Offered), HeldBack: int64(l.HeldBack), Skipped: int64(l.Skipped)}
	}
	h := &shard.Harness{Inconclusive: res.Harness.Inconclusive, Events: []shard.HarnessEvent{},
		Up: load(res.Offered.Up), Down: load(res.Offered.Down)}
	for _, e := range res.Harness.Events {
		var at time.Duration
		if !e.Time.IsZero() {
			at = e.Time.Sub(res.Start)
		}
		h.Events = append(h.Events, shard.HarnessEvent{At: at, Kind: string(e.Kind), Detail: e.Detail, Count: int64(e.Count), Expected: e.Expected})
	}
	if u := res.Harness.Unverified; u != nil {
		c := shardCounts(*u)
		h.Unverified = &c
	}
	return h
}
