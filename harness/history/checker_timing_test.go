package history

import (
	"github.com/wschaos/wschaos/harness/fault"
	"math"
	"testing"
	"time"
)

// timingHistory is a hand-made history on a millisecond scale from t0.
type timingHistory struct {
	t0   time.Time
	recs []Record
}

func (h *timingHistory) at(ms int) time.Time { return h.t0.Add(time.Duration(ms) * time.Millisecond) }

func (h *timingHistory) state(ms, client int, from, to string, attempt int, delay time.Duration) {
	h.recs = append(h.recs, Record{Time: h.at(ms), Kind: RecState, Client: client, From: from, To: to,
		Attempt: attempt, Delay: delay})
}

func (h *timingHistory) attach(ms, client int, ch string) {
	h.recs = append(h.recs, Record{Time: h.at(ms), Kind: RecAttach, Client: client, Channel: ch})
}

func (h *timingHistory) dial(ms, client int) {
	h.recs = append(h.recs, Record{Time: h.at(ms), Kind: RecDial, Client: client})
}

// A client connected and attached before the run, knocked out by a proxy
// outage from 1000ms to 2000ms, back at 2300ms and re-attached at 2350ms.
func outageHistory() (*timingHistory, TimingInput) {
	h := &timingHistory{t0: time.Unix(1_700_000_000, 0)}
	h.dial(-100, 0)
	h.state(-90, 0, "connecting", "connected", 1, 0)
	h.attach(-80, 0, "a")
	h.attach(-70, 0, "b")
	h.state(1000, 0, "connected", "reconnecting", 0, 400*time.Millisecond)
	h.dial(1405, 0)
	h.state(1405, 0, "reconnecting", "connecting", 1, 0)
	h.state(1406, 0, "connecting", "reconnecting", 1, 800*time.Millisecond)
	h.dial(2210, 0)
	h.state(2210, 0, "reconnecting", "connecting", 2, 0)
	h.state(2300, 0, "connecting", "connected", 2, 0)
	h.attach(2320, 0, "a")
	h.attach(2350, 0, "b")
	in := TimingInput{
		Start: h.at(0), End: h.at(4000), Clients: 1, Channels: 2,
		Faults: []FaultEntry{{Step: 0, Fault: fault.ProxyDown{}, Start: h.at(1000), End: h.at(2000)}},
	}
	return h, in
}

func TestCheckTimingRecoveryUptimeBackoff(t *testing.T) {
	h, in := outageHistory()
	rep := CheckTiming(in, h.recs)
	if len(rep.Recovery) != 1 {
		t.Fatalf("recovery samples = %+v, want 1", rep.Recovery)
	}
	s := rep.Recovery[0]
	if s.Connected != 300*time.Millisecond || s.Reattached != 350*time.Millisecond {
		t.Fatalf("recovery = connected %v reattached %v, want 300ms and 350ms", s.Connected, s.Reattached)
	}
	if rep.Unrecovered != 0 {
		t.Fatalf("unrecovered = %d", rep.Unrecovered)
	}
	// Connected 0-1000 and 2300-4000: 2700ms of 4000ms; outside the outage
	// (3000ms): 1000 + 1700 = 2700ms.
	if math.Abs(rep.Uptime-0.675) > 1e-9 || math.Abs(rep.UptimeExclOutages-0.9) > 1e-9 {
		t.Fatalf("uptime = %v / %v, want 0.675 / 0.9", rep.Uptime, rep.UptimeExclOutages)
	}
	ct := rep.Clients[0]
	if ct.Disconnects != 1 || ct.Dials != 3 || ct.FinalState != "connected" {
		t.Fatalf("client timing = %+v", ct)
	}
	if len(rep.Backoff) != 2 {
		t.Fatalf("backoff observations = %+v", rep.Backoff)
	}
	b0, b1 := rep.Backoff[0], rep.Backoff[1]
	if b0.Scheduled != 400*time.Millisecond || b0.Observed != 405*time.Millisecond || b0.Prev != 0 {
		t.Fatalf("first observation = %+v", b0)
	}
	if b1.Scheduled != 800*time.Millisecond || b1.Observed != 804*time.Millisecond || b1.Prev != 400*time.Millisecond {
		t.Fatalf("second observation = %+v", b1)
	}
}

// Negative control: the client never re-attaches channel b, so it never
// recovers and its uptime counts only the first second.
func TestCheckTimingUnrecovered(t *testing.T) {
	h, in := outageHistory()
	h.recs = h.recs[:len(h.recs)-1] // drop the re-attach of b
	rep := CheckTiming(in, h.recs)
	if len(rep.Recovery) != 0 || rep.Unrecovered != 1 || !rep.Clients[0].Unrecovered {
		t.Fatalf("recovery = %+v, unrecovered = %d; want none and 1", rep.Recovery, rep.Unrecovered)
	}
}

// A fault that never disturbed the client gives no sample; a disconnection
// long after the fault (beyond Grace) is not attributed to it.
func TestCheckTimingUndisturbed(t *testing.T) {
	h := &timingHistory{t0: time.Unix(1_700_000_000, 0)}
	h.state(-10, 0, "connecting", "connected", 1, 0)
	h.state(3500, 0, "connected", "reconnecting", 0, 10*time.Millisecond)
	h.state(3510, 0, "reconnecting", "connecting", 1, 0)
	h.state(3520, 0, "connecting", "connected", 1, 0)
	in := TimingInput{Start: h.at(0), End: h.at(4000), Clients: 1, Grace: time.Second,
		Faults: []FaultEntry{{Fault: fault.Latency{Latency: fault.Duration(time.Millisecond)}, Start: h.at(100), End: h.at(500)}}}
	rep := CheckTiming(in, h.recs)
	if len(rep.Recovery) != 0 || rep.Unrecovered != 0 {
		t.Fatalf("recovery = %+v, unrecovered %d", rep.Recovery, rep.Unrecovered)
	}
	if math.Abs(rep.UptimeExclOutages-rep.Uptime) > 1e-12 || math.Abs(rep.Uptime-3980.0/4000) > 1e-9 {
		t.Fatalf("uptime = %v / %v", rep.Uptime, rep.UptimeExclOutages)
	}
}

// An instant fault (drop): recovery is measured from the moment it applied.
func TestCheckTimingInstantFault(t *testing.T) {
	h := &timingHistory{t0: time.Unix(1_700_000_000, 0)}
	h.state(-10, 0, "connecting", "connected", 1, 0)
	h.state(1002, 0, "connected", "reconnecting", 0, 50*time.Millisecond)
	h.state(1053, 0, "reconnecting", "connecting", 1, 0)
	h.state(1060, 0, "connecting", "connected", 1, 0)
	in := TimingInput{Start: h.at(0), End: h.at(2000), Clients: 1,
		Faults: []FaultEntry{{Fault: fault.Drop{}, Start: h.at(1000), End: h.at(1000)}}}
	rep := CheckTiming(in, h.recs)
	if len(rep.Recovery) != 1 || rep.Recovery[0].Connected != 60*time.Millisecond {
		t.Fatalf("recovery = %+v, want one sample of 60ms", rep.Recovery)
	}
}

// Overlapping faults: one disruption is one sample, attributed to the fault
// that started last before it (the outage), not also to the latency window.
func TestCheckTimingOverlappingFaultsCountOnce(t *testing.T) {
	h, in := outageHistory()
	in.Faults = append([]FaultEntry{{Step: 1, Fault: fault.Latency{Latency: fault.Duration(time.Millisecond)},
		Start: h.at(200), End: h.at(2500)}}, in.Faults...)
	rep := CheckTiming(in, h.recs)
	if len(rep.Recovery) != 1 || rep.Recovery[0].Fault != "proxy_down" || rep.Recovery[0].Reattached != 350*time.Millisecond {
		t.Fatalf("recovery = %+v, want one proxy_down sample of 350ms", rep.Recovery)
	}
}
