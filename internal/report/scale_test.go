package report

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/internal/scenario"
	"github.com/wschaos/wschaos/internal/slo"
)

// synth builds a result shaped like a real run of n clients over 60 s with
// the given number of 1 s restarts, each followed by every client
// reconnecting after a recovery that varies by client, and msgs messages
// per direction. Client failed (if >= 0) ends failed after the first fault.
func synth(n, msgs, faults, failed int) *harness.Result {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms float64) time.Time { return start.Add(time.Duration(ms * float64(time.Millisecond))) }
	res := &harness.Result{Name: "synth", Start: start, End: at(60000)}
	for f := range faults {
		a := 5000 + float64(f)*50000/float64(max(faults, 1))
		res.Faults = append(res.Faults, harness.FaultEntry{Step: f, Fault: &fault.Restart{}, Start: at(a), End: at(a + 1000)})
	}
	for c := range n {
		ct := harness.ClientTiming{Client: c, FinalState: "connected"}
		cr := harness.ClientResult{Index: c, Attempts: 1, FinalState: "connected"}
		prev := 0.0
		ct.States = append(ct.States, harness.StateSpan{State: "connecting", Start: at(0), End: at(50)})
		prev = 50
		for _, fe := range res.Faults {
			down := MS(fe.Start.Sub(start))
			back := MS(fe.End.Sub(start)) + 100 + float64(c%97)*10
			ct.States = append(ct.States, harness.StateSpan{State: "connected", Start: at(prev), End: at(down)},
				harness.StateSpan{State: "reconnecting", Start: at(down), End: at(back)})
			res.Timing.Recovery = append(res.Timing.Recovery, harness.RecoverySample{Client: c, Step: fe.Step, Fault: fault.Kind("restart"),
				FaultEnd: fe.End, Connected: time.Duration(back-MS(fe.End.Sub(start))) * time.Millisecond,
				Reattached: time.Duration(back-MS(fe.End.Sub(start))+5) * time.Millisecond})
			res.Timing.Backoff = append(res.Timing.Backoff, harness.BackoffObservation{Client: c, At: fe.Start, Attempt: 1,
				Scheduled: 250 * time.Millisecond, Observed: 251 * time.Millisecond}) // in the default envelope
			cr.Attempts++
			cr.Reconnects++
			prev = back
			if c == failed {
				break
			}
		}
		last := "connected"
		if c == failed {
			last, ct.FinalState, cr.FinalState = "failed", "failed", "failed"
		}
		ct.States = append(ct.States, harness.StateSpan{State: last, Start: at(prev), End: at(60000)})
		ct.Uptime = 1 - float64(len(res.Faults))*0.01 - float64(c%97)/1e5
		if c == failed {
			ct.Uptime = 0.1
		}
		res.Timing.Clients = append(res.Timing.Clients, ct)
		res.Clients = append(res.Clients, cr)
	}
	res.Messages.Up = harness.MessageCounts{Sent: msgs, Acked: msgs, Delivered: msgs}
	res.Messages.Down = res.Messages.Up
	res.Messages.Total = harness.MessageCounts{Sent: 2 * msgs, Acked: 2 * msgs, Delivered: 2 * msgs}
	res.Summary.Sent, res.Summary.Delivered = 2*msgs, 2*msgs
	up := harness.ComputeUptime(res)
	res.Summary.Uptime, res.Summary.UptimeTotal = up.Point, up.Total
	return res
}

func reportOf(t *testing.T, res *harness.Result) *Report {
	t.Helper()
	sc := &scenario.Scenario{Name: "synth", Source: "builtin:synth",
		Load: scenario.Load{Clients: len(res.Clients), Channels: 1, Duration: 60 * time.Second}}
	for _, x := range []string{"recovery_p99 < 10s", "uptime >= 99%"} {
		sc.SLOs = append(sc.SLOs, mustSLO(t, x))
	}
	return FromResult(RunInfo{Scenario: sc, Seed: 1}, client.Config{}, res)
}

func mustSLO(t *testing.T, s string) scenario.SLO {
	t.Helper()
	e, err := slo.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return scenario.SLO{Expr: e}
}

func jsonSize(t *testing.T, r *Report) int {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// TestJSONSizeGrowsWithFaultsNotClientsOrMessages: a compact report of
// 1,000 clients is within 10 % of one of 100; 10x the messages changes
// only the digits of the counts; 10x the faults grows it.
func TestJSONSizeGrowsWithFaultsNotClientsOrMessages(t *testing.T) {
	small := jsonSize(t, reportOf(t, synth(100, 10_000, 2, -1)))
	big := jsonSize(t, reportOf(t, synth(1000, 10_000, 2, -1)))
	if ratio := float64(big) / float64(small); ratio > 1.1 {
		t.Errorf("JSON of 1000 clients is %d bytes, %.2fx that of 100 (%d); want within 1.1x", big, ratio, small)
	}
	more := jsonSize(t, reportOf(t, synth(100, 100_000, 2, -1)))
	if d := more - small; d < 0 || d > 64 {
		t.Errorf("10x the messages grew the JSON by %d bytes (%d to %d); want at most 64 (digits of the counts)", d, small, more)
	}
	faulty := jsonSize(t, reportOf(t, synth(100, 10_000, 20, -1)))
	if faulty < small+2000 {
		t.Errorf("10x the faults: %d bytes against %d; the fault log and per-fault recovery must grow with faults", faulty, small)
	}
	t.Logf("JSON bytes: 100 clients %d, 1000 clients %d, 10x messages %d, 10x faults %d", small, big, more, faulty)
}

// TestJSONSizeControl is the negative control: with compaction off, the
// same measurement sees the JSON grow with the clients.
func TestJSONSizeControl(t *testing.T) {
	defer func(v int) { compactAbove = v }(compactAbove)
	compactAbove = math.MaxInt
	small := jsonSize(t, reportOf(t, synth(100, 10_000, 2, -1)))
	big := jsonSize(t, reportOf(t, synth(1000, 10_000, 2, -1)))
	if ratio := float64(big) / float64(small); ratio < 5 {
		t.Fatalf("uncompacted JSON grew only %.2fx for 10x the clients; the size test could not fail", ratio)
	}
}

func TestCompactKeepsWorstAndCounts(t *testing.T) {
	const n = 500
	r := reportOf(t, synth(n, 1000, 2, 7))
	sc := r.Scale
	if !sc.Compact || sc.Threshold != CompactAbove || sc.Clients != n {
		t.Fatalf("scale = compact %v threshold %d clients %d", sc.Compact, sc.Threshold, sc.Clients)
	}
	if len(r.Clients) != WorstClients || sc.OmittedClients != n-WorstClients {
		t.Errorf("%d clients listed, %d omitted; want %d and %d", len(r.Clients), sc.OmittedClients, WorstClients, n-WorstClients)
	}
	found := false
	for _, c := range r.Clients {
		found = found || c.ID == 7
	}
	if !found {
		t.Error("the failed client 7 is not among the listed worst")
	}
	if sc.FinalStates["failed"] != 1 || sc.FinalStates["connected"] != n-1 {
		t.Errorf("final states %v; want 1 failed, %d connected", sc.FinalStates, n-1)
	}
	// 2 faults x 500 clients, minus the failed client's second: 999 samples.
	if r.Recovery.Count != 0 && r.Recovery.Count != 999 { // Count comes from the summary, unset here
		t.Errorf("recovery count %d", r.Recovery.Count)
	}
	if len(r.Recovery.Samples) != MaxRecoverySamples || sc.OmittedRecoverySamples != 999-MaxRecoverySamples {
		t.Errorf("%d samples kept, %d omitted; want %d and %d", len(r.Recovery.Samples), sc.OmittedRecoverySamples, MaxRecoverySamples, 999-MaxRecoverySamples)
	}
	hist := 0
	for _, b := range sc.RecoveryHistogram {
		hist += b.Count
	}
	if hist != 999 {
		t.Errorf("histogram holds %d samples; want all 999", hist)
	}
	if len(sc.RecoveryByFault) != 2 || sc.RecoveryByFault[0].Count != 500 || sc.RecoveryByFault[1].Count != 499 {
		t.Errorf("recovery by fault = %+v; want 500 then 499 samples", sc.RecoveryByFault)
	}
	if len(r.Backoff.Observations) != MaxInRangeObservations || sc.OmittedBackoffObservations != 999-MaxInRangeObservations {
		t.Errorf("%d observations kept, %d omitted", len(r.Backoff.Observations), sc.OmittedBackoffObservations)
	}
}

func TestCompactKeepsEveryException(t *testing.T) {
	res := synth(300, 1000, 1, -1)
	for i := range res.Timing.Backoff {
		if i%10 == 0 {
			res.Timing.Backoff[i].Observed = 10 * time.Second // far past the default envelope
		}
	}
	r := reportOf(t, res)
	bad := 0
	for _, o := range r.Backoff.Observations {
		if !o.InRange {
			bad++
		}
	}
	if bad != 30 {
		t.Errorf("kept %d out-of-range delays; want all 30", bad)
	}
}

func TestStateBucketsCountEveryClient(t *testing.T) {
	const n = 200
	r := reportOf(t, synth(n, 10, 1, -1))
	bs := r.Scale.States
	if len(bs) != StateBuckets {
		t.Fatalf("%d buckets; want %d", len(bs), StateBuckets)
	}
	for _, b := range bs {
		sum := b.Connected + b.Connecting + b.Reconnecting + b.Failed + b.Closed
		if math.Abs(sum-n) > 1e-6 {
			t.Fatalf("bucket at %v ms counts %v clients; want %d", b.StartMS, sum, n)
		}
	}
	// The restart is 5 s to 6 s: every client is down in the bucket 5.1 s to 5.4 s.
	if b := bs[int(5100/(60000.0/StateBuckets))]; b.Connected != 0 || b.Reconnecting != n {
		t.Errorf("bucket inside the restart: %+v; want 0 connected, %d reconnecting", b, n)
	}
	if b := bs[StateBuckets-1]; b.Connected != n {
		t.Errorf("last bucket: %v connected; want %d", b.Connected, n)
	}
}

// TestHTMLCompact: past the threshold the page draws the state area and the
// percentile bands, lists the worst clients, and stays the same size
// whatever the client count; below it, it does not.
func TestHTMLCompact(t *testing.T) {
	html := func(n int) string {
		var buf bytes.Buffer
		if err := WriteHTML(&buf, reportOf(t, synth(n, 100, 3, 3))); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	big, bigger, few := html(200), html(2000), html(CompactAbove)
	for _, want := range []string{"Clients by state over time", "Recovery percentiles per fault", "Worst clients (20 of 200)",
		"showing the 20 worst of 200 clients", "95% interval"} {
		if !strings.Contains(big, want) {
			t.Errorf("compact HTML lacks %q", want)
		}
	}
	if strings.Contains(few, "Clients by state over time") || !strings.Contains(few, fmt.Sprintf("client %d", CompactAbove-1)) {
		t.Errorf("a run of %d clients must get one row per client, not the compact view", CompactAbove)
	}
	if ratio := float64(len(bigger)) / float64(len(big)); ratio > 1.1 {
		t.Errorf("HTML of 2000 clients is %.2fx that of 200; want within 1.1x", ratio)
	}
}

// TestSummaryCompact: the terminal summary counts every client, not only
// the listed worst, and prints the uptime interval and the projection.
func TestSummaryCompact(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSummary(&buf, reportOf(t, synth(500, 1000, 2, 7))); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"clients    500: 499 connected, 1 failed; 1499 dial attempts", "95% interval", "projected", "a projection",
		"backoff: 999 delays observed"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

// TestSLOGatedOnLowerBound: in a report, "uptime >= X" names the bound it
// was judged on and its value; a threshold between the bound and the point
// fails (the negative control), one below the bound passes.
func TestSLOGatedOnLowerBound(t *testing.T) {
	res := synth(100, 10, 2, -1)
	up := harness.ComputeUptime(res)
	if !(up.Lower < up.Point) {
		t.Fatalf("synthetic run has no interval: %+v", up)
	}
	mid := (up.Lower + up.Point) / 2
	sc := &scenario.Scenario{Name: "g", Load: scenario.Load{Clients: 100, Channels: 1, Duration: time.Minute}}
	for _, x := range []string{fmt.Sprintf("uptime >= %v", mid), fmt.Sprintf("uptime >= %v", up.Lower-0.001)} {
		sc.SLOs = append(sc.SLOs, mustSLO(t, x))
	}
	r := FromResult(RunInfo{Scenario: sc}, client.Config{}, res)
	a, b := r.SLOs[0], r.SLOs[1]
	if a.Pass || a.GatedOn != "uptime_lower" || a.Compared == nil || *a.Compared != up.Lower || *a.Observed != up.Point {
		t.Errorf("threshold between bound and point: %+v; want a failure gated on uptime_lower", a)
	}
	if !b.Pass || b.GatedOn != "uptime_lower" {
		t.Errorf("threshold below the bound: %+v; want a pass", b)
	}
}
