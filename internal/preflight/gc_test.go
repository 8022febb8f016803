package preflight

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func noEnv(string) (string, bool) { return "", false }

// TestPlanGC: a soft limit of GCHeadroom x the live estimate from
// GCMinClients clients (exact bytes, per layout), none below it, and none
// whenever GOGC or GOMEMLIMIT is set, whatever the plan.
func TestPlanGC(t *testing.T) {
	n := uint64(4500) // not a constant: the products are truncated like the policy's
	big := Compute(Layout{Clients: 4500, EmbeddedToxiproxy: true, LocalServer: true})
	p := PlanGC(big, noEnv)
	if want := int64(GCHeadroom * float64(MemBase+n*LivePerClient)); p.MemoryLimit != want {
		t.Fatalf("embedded 4500: limit %d, want %d", p.MemoryLimit, want)
	}
	if !strings.Contains(p.Reason, "1202 MiB") {
		t.Fatalf("reason %q does not name the limit", p.Reason)
	}
	ext := PlanGC(Compute(Layout{Clients: 4500, LocalServer: true}), noEnv)
	if want := int64(GCHeadroom * float64(MemBase+n*LivePerClientExternal)); ext.MemoryLimit != want {
		t.Fatalf("external 4500: limit %d, want %d", ext.MemoryLimit, want)
	}
	if p := PlanGC(Compute(Layout{Clients: GCMinClients - 1, EmbeddedToxiproxy: true}), noEnv); p.MemoryLimit != 0 {
		t.Fatalf("%d clients: limit %d, want none", GCMinClients-1, p.MemoryLimit)
	}
	if p := PlanGC(Compute(Layout{Clients: GCMinClients, EmbeddedToxiproxy: true}), noEnv); p.MemoryLimit == 0 {
		t.Fatalf("%d clients: no limit", GCMinClients)
	}
	for _, v := range []string{"GOGC", "GOMEMLIMIT"} {
		env := func(k string) (string, bool) { return "off", k == v }
		if p := PlanGC(big, env); p.MemoryLimit != 0 || !strings.Contains(p.Reason, v) {
			t.Fatalf("%s set: %+v, want no limit and the variable named", v, p)
		}
	}
}

// TestGCPolicyApply sets the limit and restores the previous one; a zero
// policy changes nothing.
func TestGCPolicyApply(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	restore := GCPolicy{MemoryLimit: 3 << 30}.Apply()
	if got := debug.SetMemoryLimit(-1); got != 3<<30 {
		restore()
		t.Fatalf("limit %d after Apply, want %d", got, int64(3<<30))
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Fatalf("limit %d after restore, want %d", got, prev)
	}
	GCPolicy{}.Apply()()
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Fatalf("a zero policy changed the limit to %d", got)
	}
}

// TestGCPolicyFollowsTheLiveSet: a limit set below the live set (1 MiB; the
// test binary alone holds more) is raised to GCMinHeadroom x the measured
// live set within a bounded wait, so the collector does not run back to
// back; restore puts the previous limit back. Negative control: without the
// watcher the limit stays at 1 MiB and the wait times out.
func TestGCPolicyFollowsTheLiveSet(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	keep := make([]byte, 8<<20) // 8 MiB live
	restore := GCPolicy{MemoryLimit: 1 << 20}.Apply()
	runtime.GC()
	deadline := time.Now().Add(5 * time.Second)
	var got int64
	for time.Now().Before(deadline) {
		if got = debug.SetMemoryLimit(-1); got >= int64(GCMinHeadroom*float64(8<<20)) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	restore()
	runtime.KeepAlive(keep)
	if got < int64(GCMinHeadroom*float64(8<<20)) {
		t.Fatalf("limit %d with 8 MiB live, want at least %d", got, int64(GCMinHeadroom*float64(8<<20)))
	}
	if l := debug.SetMemoryLimit(-1); l != prev {
		t.Fatalf("limit %d after restore, want %d", l, prev)
	}
}
