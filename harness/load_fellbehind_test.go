package harness

import (
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness/history"
)

// The server skipping messages of an agent channel because the agent fell
// out of its history (faultserver.EventFellBehind) is the harness's
// observer failing: the run is inconclusive and the agent's queues are
// judged apart, though the agent's continuity_lost alone is the system's
// (TestHarnessCheckAgentContinuityLostIsLost). Negative controls: the same
// event for a client's session, and for the agent during a fault-server
// fault, leave the run conclusive with the loss counted.
func TestHarnessCheckAgentFellBehindIsInconclusive(t *testing.T) {
	for _, c := range []struct {
		name         string
		session      string
		fault        bool
		inconclusive bool
	}{
		{"agent", "agent-session", false, true},
		{"client", "client-session", false, false},
		{"agent during a server fault", "agent-session", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			rec := history.NewCompactRecorder(false)
			const ch = "run.c0.0"
			for i := uint64(1); i <= 2; i++ {
				id := messageID("client-0", ch, i)
				at := start.Add(time.Duration(i) * 10 * time.Millisecond)
				for _, k := range []history.RecordKind{RecSend, RecAck} {
					rec.Add(Record{Time: at, Kind: k, Client: 0, Dir: Up, Channel: ch, ID: id, Sender: "client-0", Receiver: serverName, Index: i})
				}
				if i == 1 {
					rec.Add(Record{Time: at, Kind: RecDeliver, Client: -1, Dir: Up, Channel: ch, ID: id, Sender: "client-0", Receiver: serverName, Index: i, Serial: i})
				}
			}
			at := start.Add(30 * time.Millisecond)
			agent := &member{index: -1, name: serverName}
			agent.info.Sessions = []string{"agent-session"}
			agent.harness = []HarnessEvent{{Time: at, Kind: HarnessAgentContinuityLost, Detail: ch}}
			r := &runner{rec: rec, agents: []*member{agent}}
			res := &Result{Start: start, End: start.Add(time.Second)}
			if c.fault {
				res.Faults = []FaultEntry{{Fault: Fault{Kind: FaultDrop}, Start: start, End: start.Add(20 * time.Millisecond)}}
			}
			events := []faultserver.Event{{Time: at, Kind: faultserver.EventFellBehind, Session: c.session, Channel: ch, After: 1, Oldest: 3, Serial: 10, Count: 1}}
			msgs := r.harnessCheck(res, events)
			if res.Harness.Inconclusive != c.inconclusive {
				t.Fatalf("inconclusive = %v, want %v: %+v", res.Harness.Inconclusive, c.inconclusive, res.Harness)
			}
			fell := 0
			for _, e := range res.Harness.Events {
				if e.Kind == HarnessAgentFellBehind {
					fell++
					if e.Expected != c.fault || e.Count != 1 || e.Detail != ch+": serials 2..2 skipped (head 10)" {
						t.Fatalf("event %+v", e)
					}
				}
			}
			if want := map[bool]int{true: 1, false: 0}[c.session == "agent-session"]; fell != want {
				t.Fatalf("%d agent_fell_behind events, want %d: %+v", fell, want, res.Harness.Events)
			}
			if !c.inconclusive {
				if res.Harness.Unverified != nil || msgs.Total.Sent != 2 || msgs.Total.Lost != 1 {
					t.Fatalf("conclusive: messages %+v, unverified %+v; want 2 sent, 1 lost", msgs.Total, res.Harness.Unverified)
				}
				return
			}
			u := res.Harness.Unverified
			if u == nil || u.Sent != 2 || u.Delivered != 1 || msgs.Total.Sent != 0 || msgs.Total.Lost != 0 {
				t.Fatalf("messages %+v, unverified %+v: want the agent's 2 sends judged apart, nothing lost", msgs.Total, u)
			}
		})
	}
}

// A run whose agent reads slower than the clients publish, against a server
// keeping 4 messages per channel and 2 of credit, with the pacer's
// hold-back off, falls out of the history: the run is inconclusive, nothing
// counts as lost, the clients' echoes are judged and all arrived. Before,
// the agent's continuity losses were the system's and the run failed with
// them as lost. The negative control is the same plan with an agent that
// keeps up: no agent_fell_behind, a pass.
func TestRunAgentFellBehindIsInconclusive(t *testing.T) {
	testHooks.noLagHold = true
	defer func() { testHooks.noLagHold = false }()
	for _, slow := range []bool{true, false} {
		if slow {
			testHooks.agentDelivery = func() { time.Sleep(100 * time.Millisecond) }
		}
		plan := verdictPlan("fell-behind", nil)
		plan.Stack.Server.HistorySize, plan.Stack.Server.DeliverWindow = 4, 2
		res := runPlan(t, plan)
		testHooks.agentDelivery = nil
		fell := countEvents(res, HarnessAgentFellBehind, false)
		if !slow {
			if fell != 0 || res.Inconclusive() || res.Summary.Lost != 0 {
				t.Fatalf("an agent keeping up: %d agent_fell_behind, inconclusive %v, lost %d", fell, res.Inconclusive(), res.Summary.Lost)
			}
			continue
		}
		if fell == 0 || !res.Inconclusive() {
			t.Fatalf("a slow agent: %d agent_fell_behind, inconclusive %v; events %+v", fell, res.Inconclusive(), res.Harness.Events)
		}
		if res.Messages.Total.Lost != 0 || res.Harness.Unverified == nil || res.Harness.Unverified.Sent == 0 {
			t.Fatalf("lost %d, unverified %+v: the agent's failure counted as the system's", res.Messages.Total.Lost, res.Harness.Unverified)
		}
		if m := res.Messages.Total; m.Sent == 0 || m.Delivered != m.Sent {
			t.Fatalf("client echoes: %+v", m)
		}
	}
}

// The same slow agent with the pacer's hold-back on (the default): the
// clients hold back their publications while the agent is more than half
// the history (2 messages) behind, so it never falls out of it: the run is
// conclusive, nothing lost, nothing judged apart, and what was not offered
// is counted held back (the offered ratio stays whole). The negative
// control is TestRunAgentFellBehindIsInconclusive: hold-back off, the same
// agent falls behind.
func TestRunLaggingAgentIsHeldBack(t *testing.T) {
	testHooks.agentDelivery = func() { time.Sleep(100 * time.Millisecond) }
	defer func() { testHooks.agentDelivery = nil }()
	plan := verdictPlan("held-back", nil)
	plan.Stack.Server.HistorySize, plan.Stack.Server.DeliverWindow = 4, 2
	res := runPlan(t, plan)
	if n := countEvents(res, HarnessAgentFellBehind, false); n != 0 || res.Harness.Unverified != nil {
		t.Fatalf("%d agent_fell_behind, unverified %+v: the hold-back did not hold", n, res.Harness.Unverified)
	}
	if m := res.Messages.Total; res.Summary.Lost != 0 || m.Sent == 0 || m.Delivered != m.Sent || res.Summary.ContinuityLost != 0 {
		t.Fatalf("messages %+v, continuity lost %d", m, res.Summary.ContinuityLost)
	}
	up := res.Offered.Up
	if up.HeldBack == 0 || up.Offered+up.HeldBack+up.Skipped != up.Nominal || up.Skipped != 0 {
		t.Fatalf("offered up %+v: want publications held back, none skipped", up)
	}
}
