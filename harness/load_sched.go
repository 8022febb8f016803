package harness

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wschaos/wschaos/client"
)

// schedTick is the pacer's period. Every tick hands each stream the
// publications that fell due since the last one, so one goroutine paces
// thousands of streams at any rate (a ticker per publisher managed about 950
// ticks/s on a loaded 2-core machine, far short of 4,500 clients' 1/s each
// plus the agent's 4,500/s).
const schedTick = 10 * time.Millisecond

// catchUp bounds how far a stream that fell behind (the pacer or its
// publish goroutine late) catches up in one batch, in seconds of its rate:
// beyond it the credits are dropped and counted as skipped, so a stall never
// turns into a burst the scenario did not ask for.
const catchUp = 0.25

// minCatchUp is the smallest catch-up batch, so a 1/s stream late by a tick
// or two is not counted short.
const minCatchUp = 4

// stream is one member's paced publications: rate per second, spread over
// chans round-robin.
type stream struct {
	m      *member
	dir    Direction
	chans  []string
	routes func(string) []route
	rate   float64
	size   int
	// send publishes one message on ch (nil: publish through m's session).
	send func(ctx context.Context, ch string)

	due    int64 // publications due by the last tick (pacer goroutine only)
	issued int64 // credits handed to batches or dropped (pacer goroutine only)
	rr     int   // round-robin position (the running batch only)
	busy   atomic.Bool
	// blocked is set by a batch whose Publish waited longer than a tick:
	// the session's window was full, which is the system pushing back.
	blocked atomic.Bool
}

// OfferedLoad is what the pacer offered in one direction against the
// nominal load (rate x run time, per publisher).
type OfferedLoad struct {
	// Nominal publications the plan's rates asked for.
	Nominal int `json:"nominal"`
	// Offered publications handed to Publish (accepted or refused).
	Offered int `json:"offered"`
	// HeldBack publications not offered because the publisher's window was
	// full (its session had too much unacked), or because a connected
	// receiver of the channel was more than half the server's history
	// behind (see lagging): the system pushing back, counted as offered in
	// Ratio.
	HeldBack int `json:"held_back"`
	// Skipped publications the harness failed to offer on time (its pacer
	// or publishers starved): the harness's shortfall.
	Skipped int `json:"skipped"`
	// Ratio is (Offered + HeldBack) / Nominal, 1 when nothing was due.
	Ratio float64 `json:"ratio"`
}

// Offered is the offered load per direction: Up is the clients' publications,
// Down the agent's.
type Offered struct {
	Up   OfferedLoad `json:"up"`
	Down OfferedLoad `json:"down"`
}

// Ratio is the offered ratio over both directions.
func (o Offered) Ratio() float64 {
	return OfferedLoad{Nominal: o.Up.Nominal + o.Down.Nominal, Offered: o.Up.Offered + o.Down.Offered,
		HeldBack: o.Up.HeldBack + o.Down.HeldBack}.ratio()
}

func (l OfferedLoad) ratio() float64 { return ratio(l.Offered+l.HeldBack, l.Nominal) }

func ratio(n, d int) float64 {
	if d == 0 {
		return 1
	}
	return float64(n) / float64(d)
}

type dirCount struct{ offered, heldBack, skipped atomic.Int64 }

// pacer publishes every stream's due publications from one goroutine per
// tick; each stream's batch runs in a goroutine started on demand, so an
// idle client holds no publisher goroutine and a publisher blocked on its
// window stalls only itself.
type pacer struct {
	rec     *Recorder
	cnt     *counters
	streams []*stream
	counts  map[Direction]*dirCount
	batches sync.WaitGroup
	start   time.Time
}

func newPacer(rec *Recorder, cnt *counters) *pacer {
	return &pacer{rec: rec, cnt: cnt, counts: map[Direction]*dirCount{Up: {}, Down: {}}}
}

// add registers a stream; call before run.
func (p *pacer) add(s *stream) {
	if s.rate > 0 && len(s.chans) > 0 {
		p.streams = append(p.streams, s)
	}
}

// run paces every stream until ctx ends, then waits for running batches.
func (p *pacer) run(ctx context.Context) {
	p.start = time.Now()
	t := time.NewTicker(schedTick)
	defer t.Stop()
	defer p.batches.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			p.tick(ctx, now.Sub(p.start))
		}
	}
}

// tick hands each idle stream what fell due by elapsed.
func (p *pacer) tick(ctx context.Context, elapsed time.Duration) {
	for _, s := range p.streams {
		s.due = int64(s.rate * elapsed.Seconds())
		n := s.due - s.issued
		if n <= 0 || !s.busy.CompareAndSwap(false, true) {
			continue // nothing due, or its last batch still runs: credit accrues
		}
		limit := max(minCatchUp, int64(math.Ceil(s.rate*catchUp)))
		if n > limit {
			c := p.counts[s.dir]
			if s.blocked.Swap(false) {
				c.heldBack.Add(n - limit)
			} else {
				c.skipped.Add(n - limit)
			}
			s.issued += n - limit
			n = limit
		}
		s.issued += n
		p.batches.Go(func() { p.batch(ctx, s, int(n)) })
	}
}

// batch publishes n messages of s in order, then frees s. A publication
// whose channel has a lagging receiver is held back instead (see lagging).
func (p *pacer) batch(ctx context.Context, s *stream, n int) {
	defer s.busy.Store(false)
	c := p.counts[s.dir]
	hold, now := s.holdBound(), time.Now()
	for range n {
		ch := s.chans[s.rr%len(s.chans)]
		s.rr++
		if hold > 0 && lagging(s.routes(ch), ch, hold, now) {
			c.heldBack.Add(1)
			continue
		}
		t0 := time.Now()
		if s.send != nil {
			s.send(ctx, ch)
		} else {
			publish(ctx, p.rec, p.cnt, s.m, ch, s.routes(ch), s.size)
		}
		if time.Since(t0) > schedTick {
			s.blocked.Store(true)
		}
		c.offered.Add(1)
	}
}

// offered totals the streams once run returned. Credits still due at the
// end count as held back when their stream's last batch was blocked on its
// window, as skipped otherwise.
func (p *pacer) offered() Offered {
	var nominal = map[Direction]int{}
	for _, s := range p.streams {
		nominal[s.dir] += int(s.due)
		if rest := s.due - s.issued; rest > 0 {
			if s.blocked.Load() {
				p.counts[s.dir].heldBack.Add(rest)
			} else {
				p.counts[s.dir].skipped.Add(rest)
			}
			s.issued = s.due
		}
	}
	load := func(d Direction) OfferedLoad {
		c := p.counts[d]
		l := OfferedLoad{Nominal: nominal[d], Offered: int(c.offered.Load()), HeldBack: int(c.heldBack.Load()), Skipped: int(c.skipped.Load())}
		l.Ratio = l.ratio()
		return l
	}
	return Offered{Up: load(Up), Down: load(Down)}
}

// holdBound is how far behind a channel's connected receiver may fall
// before s holds back its publications there: half the history the server
// announced to s's session (protocol v2 limits), 0 (never) when unknown
// or when the stream publishes some other way.
func (s *stream) holdBound() int {
	if s.send != nil || s.m == nil || s.m.sess == nil || testHooks.noLagHold {
		return 0
	}
	return s.m.sess.Limits().History / 2
}

// lagging reports whether a connected receiver among routes, still
// reading, has heard of none of the last more-than-hold messages published
// on ch. Such a receiver reads slower than the channel is published to;
// publishing on would push its position out of the server's history, and
// the server would skip the messages it missed (continuity lost): the
// overload would turn into losses the harness itself caused, and a run
// that overloaded its own agent inconclusive. Holding back keeps the load
// at what the receivers take, and says so (held_back). A receiver that is
// not connected (a fault took it down), or read nothing for stuckAfter (a
// stall, a half-open link), is not waited for: what the fault does to it
// is the run's to observe.
func lagging(routes []route, ch string, hold int, now time.Time) bool {
	for _, rt := range routes {
		if rt.to.sess != nil && rt.to.sess.Client().State() == client.StateConnected && rt.to.holdFor(ch, hold, now) {
			return true
		}
	}
	return false
}
