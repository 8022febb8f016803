package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/internal/shard"
)

// A shard's harness side survives PartialFromResult, Encode, Decode and
// Merge: the merged report is inconclusive when one shard's harness failed,
// with that shard's events, offered loads and unverified counts, and a
// healthy set (negative control) is not.
func TestPartialCarriesHarness(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	sc := shard.ScenarioRef{Name: "h", Hash: shard.ScenarioHash([]byte("h"))}
	merged := func(broken bool) *Report {
		var in []shard.Input
		for i := range 2 {
			res := &harness.Result{Start: start, End: start.Add(5 * time.Second)}
			res.Offered = harness.Offered{Up: harness.OfferedLoad{Nominal: 100, Offered: 80, HeldBack: 10, Skipped: 10},
				Down: harness.OfferedLoad{Nominal: 40, Offered: 40}}
			res.Harness.Events = []harness.HarnessEvent{{Time: start.Add(time.Second), Kind: harness.HarnessAgentDisconnected, Detail: "close", Expected: true}}
			if broken && i == 1 {
				res.Harness.Inconclusive = true
				res.Harness.Events = append(res.Harness.Events, harness.HarnessEvent{Time: start.Add(2 * time.Second), Kind: harness.HarnessAgentSlowConsumer, Detail: "dropped"})
				res.Harness.Unverified = &harness.MessageCounts{Sent: 9, Delivered: 8, Lost: 1}
			}
			spec := shard.Spec{Index: i, Count: 2}
			rng, _ := spec.Clients(4)
			p, err := PartialFromResult(ShardRun{RunID: "rh", Scenario: sc, Seed: 1, Spec: spec, Clients: rng, Start: start,
				Meta: shard.Meta{Clients: 4, SLOs: []string{"lost == 0"}}}, res)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := shard.Encode(&buf, p); err != nil {
				t.Fatal(err)
			}
			back, err := shard.Decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			in = append(in, shard.Input{Source: "s", Partial: back})
		}
		m, err := shard.Merge(in)
		if err != nil {
			t.Fatal(err)
		}
		if (len(m.Inconclusive) == 1 && m.Inconclusive[0] == 1) != broken {
			t.Fatalf("merged inconclusive shards %v (broken %v)", m.Inconclusive, broken)
		}
		r, err := FromMerged(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := merged(true)
	h := r.Harness
	if r.Verdict != VerdictInconclusive || r.Pass || !h.Inconclusive || len(h.Events) != 3 || r.Metrics["harness_events"] != 1 {
		t.Fatalf("verdict %s harness %+v metrics harness_events %v", r.Verdict, h, r.Metrics["harness_events"])
	}
	if e := h.Events[2]; e.Kind != "agent_slow_consumer" || e.AtMS != 2000 || e.Detail != "shard 1: dropped" || e.Expected {
		t.Fatalf("the failed shard's event: %+v", e)
	}
	if h.Unverified == nil || h.Unverified.Sent != 9 || h.Unverified.Lost != 1 || r.Shards.Shards[0].Harness.Unverified != nil {
		t.Fatalf("unverified: merged %+v, shard 0 %+v", h.Unverified, r.Shards.Shards[0].Harness.Unverified)
	}
	// Sums: up (80+10)x2 of 200, down 80 of 80.
	if o := h.Offered; o.Up.Nominal != 200 || o.Up.Skipped != 20 || o.Up.Ratio != 0.9 || r.Metrics["offered_ratio"] != 260.0/280 || r.Metrics["offered_ratio_down"] != 1 {
		t.Fatalf("offered %+v, offered_ratio %v", o, r.Metrics["offered_ratio"])
	}
	if r := merged(false); r.Verdict != VerdictPass || r.Harness.Inconclusive || r.Metrics["harness_events"] != 0 {
		t.Fatalf("healthy shards: verdict %s harness %+v", r.Verdict, r.Harness)
	}
}
