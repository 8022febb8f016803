package main

import (
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/internal/scenario"
	"github.com/wschaos/wschaos/internal/shard"
)

// TestShardConnectTimeoutCountsTheWholeRun: every shard connects against
// one target at once, so a shard's default connect bound is the whole
// run's (4,500 clients of 1 channel: 120s), not its share's; a bound set in
// the scenario is kept.
func TestShardConnectTimeoutCountsTheWholeRun(t *testing.T) {
	for _, c := range []struct {
		set, want time.Duration
	}{{0, harness.DefaultConnectTimeout(4500, 1)}, {45 * time.Second, 45 * time.Second}} {
		s, err := scenario.Builtin("scale")
		if err != nil {
			t.Fatal(err)
		}
		s.Load.ConnectTimeout = c.set
		plan, err := s.Plan(1)
		if err != nil {
			t.Fatal(err)
		}
		f := &shardFlags{startAt: "2026-12-02T07:00:00Z"}
		if _, err := applyShard(f, s, false, &plan, 1, true, shard.Spec{Index: 1, Count: 4}); err != nil {
			t.Fatal(err)
		}
		if plan.Load.Clients != 1125 || plan.ConnectTimeout != c.want {
			t.Errorf("set %v: shard plan has %d clients, connect timeout %v; want 1125 and %v", c.set, plan.Load.Clients, plan.ConnectTimeout, c.want)
		}
	}
	if got := harness.DefaultConnectTimeout(4500, 1); got != 120*time.Second {
		t.Errorf("DefaultConnectTimeout(4500, 1) = %v, want 120s", got)
	}
}
