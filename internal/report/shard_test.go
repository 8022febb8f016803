package report

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/history"
	"github.com/wschaos/wschaos/harness/stats"
	"github.com/wschaos/wschaos/internal/shard"
)

// shardResults splits one seeded set of recovery samples over n fake
// shard results (the checker's output, as harness.Run returns it) and
// returns the samples too, for the exact computation.
func shardResults(n, perShard int, seed uint64) ([]*harness.Result, []time.Duration) {
	rng := rand.New(rand.NewPCG(seed, seed^0xabcdef))
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var all []time.Duration
	out := make([]*harness.Result, n)
	for i := range n {
		res := &harness.Result{Start: start, End: start.Add(10 * time.Second)}
		for range perShard {
			// Long-tailed, like recovery times: lognormal around 300ms.
			d := time.Duration(math.Exp(rng.NormFloat64()*0.8) * float64(300*time.Millisecond))
			res.Timing.Recovery = append(res.Timing.Recovery, history.RecoverySample{Reattached: d})
			all = append(all, d)
		}
		res.Summary.Recoveries = perShard
		res.Messages.Up = harness.MessageCounts{Sent: 100 * (i + 1), Acked: 100 * (i + 1), Delivered: 100*(i+1) - i, Lost: i}
		out[i] = res
	}
	return out, all
}

func mergedFrom(t *testing.T, results []*harness.Result, total int) *Report {
	t.Helper()
	n := len(results)
	sc := shard.ScenarioRef{Name: "s", Hash: shard.ScenarioHash([]byte("s"))}
	var inputs []shard.Input
	for i, res := range results {
		spec := shard.Spec{Index: i, Count: n}
		rng, _ := spec.Clients(total)
		p, err := PartialFromResult(ShardRun{RunID: "r1", Scenario: sc, Seed: 1, Spec: spec, Clients: rng, Start: res.Start,
			Meta: shard.Meta{SLOs: []string{"recovery_p99 < 1s", "lost == 0"}}}, res)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer // through the wire format, as merge reads it
		if err := shard.Encode(&buf, p); err != nil {
			t.Fatal(err)
		}
		back, err := shard.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, shard.Input{Source: "s" + string(rune('0'+i)), Partial: back})
	}
	m, err := shard.Merge(inputs)
	if err != nil {
		t.Fatal(err)
	}
	r, err := FromMerged(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// exactQuantile is what one process reports for the same samples: the
// harness's own computation (harness/stats, gonum's empirical quantile).
func exactQuantile(all []time.Duration, q float64) time.Duration {
	if q == 1 {
		return slices.Max(all)
	}
	return stats.Quantile(all, q)
}

// TestMergedQuantilesMatchExact: the merged report's recovery quantiles,
// from n shards' sketches through the JSON wire format, are within the
// sketch's stated relative error of the exact quantiles over every shard's
// samples (one process's computation); the counts are exact sums.
func TestMergedQuantilesMatchExact(t *testing.T) {
	for _, n := range []int{1, 2, 4, 7} {
		results, all := shardResults(n, 500, uint64(n))
		r := mergedFrom(t, results, 4*n)
		slices.Sort(all)
		if n == 1 { // sparse tail: p99 of 96 samples, where the rank matters
			results, all = shardResults(1, 96, 11)
			r = mergedFrom(t, results, 4)
			slices.Sort(all)
		}
		for _, c := range []struct {
			q  float64
			ms float64
		}{{0.5, r.Recovery.P50MS}, {0.9, r.Recovery.P90MS}, {0.99, r.Recovery.P99MS}, {1, r.Recovery.MaxMS}} {
			exact := MS(exactQuantile(all, c.q))
			if rel := math.Abs(c.ms-exact) / exact; rel > shard.RelativeAccuracy {
				t.Errorf("n=%d q=%v: merged %.3fms exact %.3fms: relative error %.4f > %v", n, c.q, c.ms, exact, rel, shard.RelativeAccuracy)
			}
		}
		if want := len(all); r.Recovery.Count != want {
			t.Errorf("n=%d: %d recoveries, want %d", n, r.Recovery.Count, want)
		}
		wantSent, wantLost := 0, 0
		for i := range n {
			wantSent += 100 * (i + 1)
			wantLost += i
		}
		if r.Messages.Up.Sent != wantSent || r.Messages.Up.Lost != wantLost {
			t.Errorf("n=%d: up sent %d lost %d, want %d %d", n, r.Messages.Up.Sent, r.Messages.Up.Lost, wantSent, wantLost)
		}
		// One SLO evaluation over all shards: "lost == 0" fails exactly
		// when some shard lost something (every n > 1 here).
		if r.Pass != (wantLost == 0 && r.Recovery.P99MS < 1000) {
			t.Errorf("n=%d: pass %v with %d lost, p99 %.0fms", n, r.Pass, wantLost, r.Recovery.P99MS)
		}
		if len(r.Shards.Shards) != n || r.Shards.Shards[n-1].Up.Lost != n-1 {
			t.Errorf("n=%d: per-shard breakdown %+v", n, r.Shards.Shards)
		}
	}
}

// TestMergedQuantileCheckCatches is the negative control of the comparison
// above: quantiles merged from only part of the shards are off by more
// than the stated error, so the test would see a merge that dropped one.
func TestMergedQuantileCheckCatches(t *testing.T) {
	results, all := shardResults(4, 500, 99)
	for i := range 500 { // shard 3's samples are all slow
		results[3].Timing.Recovery[i].Reattached *= 10
		all[3*500+i] *= 10
	}
	r := mergedFrom(t, results[:3], 12) // shard 3 left out (a 3-shard run)
	slices.Sort(all)
	exact := MS(exactQuantile(all, 0.99))
	if rel := math.Abs(r.Recovery.P99MS-exact) / exact; rel <= shard.RelativeAccuracy {
		t.Fatalf("p99 of 3 of 4 shards %.1fms within %v of the exact %.1fms: the check could not catch a lost shard", r.Recovery.P99MS, rel, exact)
	}
}

// TestMergedHTMLAndSummaryShowShards: the HTML and the terminal summary
// carry the per-shard breakdown.
func TestMergedHTMLAndSummaryShowShards(t *testing.T) {
	results, _ := shardResults(2, 10, 5)
	r := mergedFrom(t, results, 8)
	var html, sum bytes.Buffer
	if err := WriteHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), "<h2>Shards</h2>") || !strings.Contains(html.String(), "run r1 · 2 shards") {
		t.Errorf("HTML has no shard section")
	}
	if err := WriteShardSummary(&sum, r); err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(sum.String(), "\n"); rows != 5 { // blank, title, header, 2 shards
		t.Errorf("summary has %d lines, want 5:\n%s", rows, sum.String())
	}
	if !strings.Contains(sum.String(), "shards of run r1") {
		t.Errorf("summary: %q", sum.String())
	}
	var junit bytes.Buffer
	if err := WriteMergedJUnit(&junit, r); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`name="shard 0/2"`, `name="shard 1/2"`, `name="run_id" value="r1"`, `tests="4"`} {
		if !strings.Contains(junit.String(), w) {
			t.Errorf("JUnit lacks %s:\n%s", w, junit.String())
		}
	}
	// A plain run's report has no shard section.
	r.Shards = nil
	html.Reset()
	if err := WriteHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html.String(), "<h2>Shards</h2>") {
		t.Errorf("unsharded report shows a shard section")
	}
}
