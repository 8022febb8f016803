package preflight

import (
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The garbage collector's policy for big plans, applied by `wschaos run
// --memory-limit auto` (off by default: on a 2-core machine its extra
// collections during a 4,500-client reconnect storm pushed recovery p99 from
// 5.5 s to 13-18 s; docs/SCALE.md, "GC policy"). With GOGC=100 the heap may
// grow to twice what is live (plus the goroutine stacks) before a cycle, and
// a restart's reconnect storm allocates every connection's buffers again at
// once, so a 4,500-client all-embedded run peaked at about twice its live
// set. A soft memory limit just above the live set caps that headroom: the
// collector runs more often instead, only when memory nears the limit.
// Measured (docs/SCALE.md, "GC policy"): at 4,500 clients the live set,
// fully connected, is about 205 KiB per client embedded (128 KiB of it
// Toxiproxy's copy buffers, about 55 KiB goroutine stacks) and about 93 KiB
// with an external toxiproxy-server.
const (
	// GCMinClients is the plan size from which the run sets a soft memory
	// limit; smaller plans keep the runtime's defaults (their memory is small
	// and their CPU matters more).
	GCMinClients = 1000
	// LivePerClient is a connected client's live memory (heap and
	// goroutine stacks) in this process with the embedded Toxiproxy.
	LivePerClient = 205 << 10
	// LivePerClientExternal is the same with Toxiproxy elsewhere: its links'
	// buffers and goroutines leave the process.
	LivePerClientExternal = 96 << 10
	// GCHeadroom is the limit over the estimated live set: the slack that
	// lets garbage accumulate between cycles (a limit at the live set itself
	// would make the collector run back to back).
	GCHeadroom = 1.3
	// GCMinHeadroom is the least the limit keeps over the live set measured
	// while the run goes (heap live at the last GC plus goroutine stacks):
	// when the live set outgrows the estimate (queues backing up on a
	// loaded machine), the limit grows with it, so the collector never runs
	// back to back; memory grows instead of CPU.
	GCMinHeadroom = 1.25
	// gcWatchEvery is how often Apply's watcher reads the live set.
	gcWatchEvery = 100 * time.Millisecond
)

// GCPolicy is the garbage collector setting a run applies.
type GCPolicy struct {
	// MemoryLimit is the soft memory limit in bytes (runtime/debug
	// SetMemoryLimit); 0 leaves the runtime's setting alone.
	MemoryLimit int64
	// Reason says why, in a few words, for the run's header line.
	Reason string
}

// PlanGC returns the policy for need: a soft memory limit of GCHeadroom x the
// estimated live set (Apply raises it to GCMinHeadroom x the measured one
// should that be more) for a plan of at least GCMinClients clients, and none
// when the user set GOGC or GOMEMLIMIT (their choice stands) or the plan is
// smaller. getenv is os.LookupEnv.
func PlanGC(need Need, getenv func(string) (string, bool)) GCPolicy {
	for _, v := range []string{"GOMEMLIMIT", "GOGC"} {
		if _, ok := getenv(v); ok {
			return GCPolicy{Reason: v + " set: the runtime's settings are left alone"}
		}
	}
	l := need.Layout
	if l.Clients < GCMinClients {
		return GCPolicy{Reason: fmt.Sprintf("under %d clients: default GC", GCMinClients)}
	}
	per := uint64(LivePerClientExternal)
	if l.EmbeddedToxiproxy {
		per = LivePerClient
	}
	limit := int64(GCHeadroom * float64(MemBase+uint64(l.Clients)*per))
	return GCPolicy{MemoryLimit: limit,
		Reason: fmt.Sprintf("soft memory limit %s (%d clients, %s; set GOMEMLIMIT or GOGC to choose)", mib(uint64(limit)), l.Clients, l)}
}

// Apply sets p's limit, if any, and until restore keeps it at least
// GCMinHeadroom x the live set measured every 100 ms (never below
// p.MemoryLimit); restore stops that and puts the previous limit back.
func (p GCPolicy) Apply() (restore func()) {
	if p.MemoryLimit <= 0 {
		return func() {}
	}
	prev := debug.SetMemoryLimit(p.MemoryLimit)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(gcWatchEvery)
		defer t.Stop()
		cur := p.MemoryLimit
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if want := max(p.MemoryLimit, int64(GCMinHeadroom*float64(liveSet()))); want != cur {
				debug.SetMemoryLimit(want)
				cur = want
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		debug.SetMemoryLimit(prev)
	}
}

// liveSet is the heap live at the last GC plus the goroutine stacks, in bytes.
func liveSet() uint64 {
	s := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/memory/classes/os-stacks:bytes"},
	}
	metrics.Read(s)
	var n uint64
	for _, x := range s {
		if x.Value.Kind() == metrics.KindUint64 {
			n += x.Value.Uint64()
		}
	}
	return n
}
