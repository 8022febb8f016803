package harness

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness/history"
)

// Run executes plan: it starts a stack, connects the load, plays the
// timeline, drains, closes every client and checks what happened. The error
// is for runs that could not happen (invalid plan, stack or clients failing
// to start, ctx ending); what the run found, good or bad, is in the Result,
// including problems met along the way (Result.Errors).
func Run(ctx context.Context, plan Plan, opts RunOptions) (*Result, error) {
	if err := plan.Validate(); err != nil {
		return nil, err
	}
	plan = plan.withDefaults()
	// The compact recorder judges messages as they arrive; KeepRecords
	// keeps every record as well, for callers that read them.
	rec := history.NewCompactRecorder(opts.KeepRecords)
	if testHooks.fullRecorder {
		rec = history.NewRecorder()
	}
	r := &runner{plan: plan, opts: opts, rec: rec, log: opts.Logger, id: plan.runID()}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r.run(ctx)
}

type runner struct {
	tlErr error // the timeline's error (a stuck Toxiproxy makes the run inconclusive)
	plan  Plan
	opts  RunOptions
	id    string // prefixes the run's channel names
	rec   *Recorder
	cnt   counters
	log   *slog.Logger
	stack *Stack
	agent *member // the first of agents (test hooks drive it)
	// agents share the server side: each attaches at most agentChannels of
	// the run's channels, since a session may attach only so many (the
	// fault server's MaxChannels, 1024 by default); agentOf maps a channel
	// to its agent.
	agents  []*member
	agentOf map[string]*member
	load    []*member
	flog    FaultLog
	pacer   *pacer
	// agentSubs are the agent's subscriptions; agentBacklog is what they
	// held unread when the drain ended (the agent behind), agentOwed what
	// the agent was still owed then.
	agentSubs    []*client.Subscription
	agentBacklog int
	agentOwed    int
	agentRead    int // owed deliveries the agents had read by then
	// settle records each publication's ack or hand-back as it happens.
	settle settlers
	// agentConsumers and consumers record the agents' and the clients'
	// deliveries on a few goroutines each (consume.go); stopConsumers ends
	// them should a subscription outlive closeAll's deadline.
	agentConsumers, consumers *consumerPool
	stopConsumers             context.CancelFunc

	phaseMu sync.Mutex
	phase   Phase
	started time.Time
}

func (r *runner) setPhase(p Phase) {
	r.phaseMu.Lock()
	r.phase = p
	if p == PhaseRun {
		r.started = time.Now()
	}
	r.phaseMu.Unlock()
	r.report()
}

func (r *runner) run(ctx context.Context) (res *Result, err error) {
	stopProgress := r.startProgress()
	defer stopProgress()
	r.setPhase(PhaseSetup)
	stack, err := NewStack(ctx, r.plan.Stack)
	if err != nil {
		return nil, err
	}
	r.stack = stack
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		r.closeAll(cctx)
		if cerr := stack.Close(cctx); cerr != nil && err == nil && res != nil {
			res.Errors = append(res.Errors, cerr.Error())
			noteToxiproxyStuck(res, cerr, time.Now())
		}
	}()

	r.setPhase(PhaseConnect)
	consumeCtx, stopConsumers := context.WithCancel(context.WithoutCancel(ctx))
	r.stopConsumers = stopConsumers
	record := func(m *member, d client.Delivery, senders map[string]string) {
		recordDelivery(r.rec, &r.cnt, m, d, senders)
	}
	// Apart, so a slow agent (a test hook starves it) does not hold up
	// the clients' consumption, nor they the agent's.
	r.agentConsumers = newConsumerPool(consumeCtx, consumeWorkers, record)
	r.consumers = newConsumerPool(consumeCtx, consumeWorkers, record)
	if err := r.connect(ctx); err != nil {
		return nil, err
	}
	if r.opts.BeforeLoad != nil {
		if err := r.opts.BeforeLoad(ctx); err != nil {
			return nil, err
		}
	}
	firstEvent := lastEventID(stack.Server())

	r.setPhase(PhaseRun)
	start := time.Now()
	res = &Result{Name: r.plan.Name, Start: start}
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var tlErr error
	wg.Go(func() { tlErr = stack.RunTimeline(loadCtx, start, r.plan.Timeline, &r.flog) })
	r.startPublishers(loadCtx, &wg)
	select {
	case <-time.After(r.plan.Load.Duration.D()):
	case <-ctx.Done():
	}
	stopLoad()
	wg.Wait()
	if tlErr != nil {
		res.Errors = append(res.Errors, tlErr.Error())
	}
	r.tlErr = tlErr
	if ctx.Err() != nil {
		return nil, fmt.Errorf("harness: run %q interrupted: %w", r.plan.Name, ctx.Err())
	}

	r.setPhase(PhaseDrain)
	r.drain(ctx)
	res.End = time.Now()
	r.noteAgentBacklog()
	for _, m := range r.load {
		m.endState = m.sess.Client().State().String()
	}

	r.setPhase(PhaseCheck)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	r.closeAll(cctx)
	cancel()
	res.ServerEvents = stack.serverEventsSince(firstEvent)
	r.check(res)
	r.setPhase(PhaseDone)
	return res, nil
}

// connect starts the agent and the clients and waits until every channel is
// attached.
func (r *runner) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeoutCause(ctx, r.plan.ConnectTimeout, errConnectDeadline)
	defer cancel()
	var prog connectProgress // for the error should the deadline pass
	ld := r.plan.Load
	agentCfg := r.plan.Client
	agentCfg.MaxAttempts, agentCfg.MaxElapsed = 0, 0 // the observer must outlive every client
	nAgents := max(1, (ld.Clients*ld.Channels+agentChannels-1)/agentChannels)
	for k := range nAgents {
		agent := &member{index: -1, name: serverName, next: map[string]uint64{}, rnd: clientRand(r.plan.Seed, -1-k)}
		sess, err := client.NewSession(r.stack.DirectSessionURL(), sessionConfig(agentCfg, r.plan.Window, -1, r.rec, agent))
		if err != nil {
			return fmt.Errorf("harness: failed to start the agent session: %w", err)
		}
		agent.sess = sess
		r.phaseMu.Lock() // the progress goroutine reads r.agent(s) and r.load
		r.agents = append(r.agents, agent)
		r.agent = r.agents[0]
		r.phaseMu.Unlock()
	}
	for i := range ld.Clients {
		m := &member{index: i, name: history.ClientName(i), next: map[string]uint64{}, rnd: clientRand(r.plan.Seed, r.plan.ClientOffset+i)}
		m.info.Index = i
		for k := range ld.Channels {
			m.channels = append(m.channels, channelName(r.id, r.plan.ClientOffset+i, k))
		}
		m.info.Channels = m.channels
		s, err := client.NewSession(r.stack.SessionURL(), sessionConfig(r.stack.ThroughProxy(r.plan.Client), r.plan.Window, i, r.rec, m))
		if err != nil {
			return fmt.Errorf("harness: failed to start client %d: %w", i, err)
		}
		m.sess = s
		r.phaseMu.Lock()
		r.load = append(r.load, m)
		r.phaseMu.Unlock()
	}
	// The agents first: they must hear every message. Their channels are
	// attached agentAttaches at a time: one by one, 4,500 round trips on a
	// loaded machine outlasted the connect timeout.
	chans := r.channels()
	r.agentOf = make(map[string]*member, len(chans))
	subs := make([]*client.Subscription, len(chans))
	owner := make([]*member, len(chans))
	sem := make(chan struct{}, agentAttaches)
	var awg sync.WaitGroup
	agentErrs := make(chan error, len(chans))
	for i, ch := range chans {
		a := r.agents[i/agentChannels]
		r.agentOf[ch], owner[i] = a, a
		sem <- struct{}{}
		awg.Go(func() {
			defer func() { <-sem }()
			sub, err := a.sess.Attach(ctx, ch)
			if err != nil {
				agentErrs <- fmt.Errorf("harness: %s failed to attach %s: %w", a.name, ch, err)
				return
			}
			subs[i] = sub
			prog.agentAttached.Add(1)
		})
	}
	awg.Wait()
	close(agentErrs)
	for i, sub := range subs {
		if sub != nil {
			r.agentSubs = append(r.agentSubs, sub)
			r.agentConsumers.add(owner[i], sub)
		}
	}
	if errs := collect(agentErrs); len(errs) > 0 {
		return r.connectFailed(ctx, &prog, "the agents' attaches", errs)
	}
	// Then the clients, concurrently: N*K round trips in sequence would
	// dominate a large run's setup.
	var wg sync.WaitGroup
	errs := make(chan error, len(r.load))
	attach := func(m *member, chans []string) {
		defer wg.Done()
		for _, ch := range chans {
			sub, err := m.sess.Attach(ctx, ch)
			if err != nil {
				errs <- fmt.Errorf("harness: %s failed to attach %s: %w", m.name, ch, err)
				return
			}
			r.consumers.add(m, sub)
		}
		prog.clientsAttached.Add(1)
	}
	for _, m := range r.load {
		wg.Add(1)
		go attach(m, m.channels)
	}
	wg.Wait()
	close(errs)
	return r.connectFailed(ctx, &prog, "the clients' attaches", collect(errs))
}

func collect(ch <-chan error) []error {
	var out []error
	for err := range ch {
		out = append(out, err)
	}
	return out
}

// channels lists every load client's channels, in client order.
func (r *runner) channels() []string {
	var all []string
	for _, m := range r.load {
		all = append(all, m.channels...)
	}
	return all
}

// startPublishers paces every client's and the agent's publications from
// one pacer (see load_sched.go).
func (r *runner) startPublishers(ctx context.Context, wg *sync.WaitGroup) {
	ld := r.plan.Load
	r.pacer = newPacer(r.rec, &r.cnt)
	for _, a := range r.agents {
		r.settle.start(r.rec, &r.cnt, a)
	}
	down := map[string][]route{} // an agent's publication on a channel goes down to its client
	for _, m := range r.load {
		r.settle.start(r.rec, &r.cnt, m)
		// A client's publication goes up to the server (the channel's
		// agent) and back down to the client itself (it is attached).
		routes := map[string][]route{}
		for _, ch := range m.channels {
			routes[ch] = []route{{Up, r.agentOf[ch]}, {Down, m}}
			down[ch] = []route{{Down, m}}
		}
		r.pacer.add(&stream{m: m, dir: Up, chans: m.channels, routes: func(ch string) []route { return routes[ch] },
			rate: ld.Up, size: ld.MessageSize})
	}
	mine := map[*member][]string{}
	for _, ch := range r.channels() {
		mine[r.agentOf[ch]] = append(mine[r.agentOf[ch]], ch)
	}
	for _, a := range r.agents {
		r.pacer.add(&stream{m: a, dir: Down, chans: mine[a], routes: func(ch string) []route { return down[ch] },
			rate: ld.Down * float64(len(mine[a])), size: ld.MessageSize})
	}
	wg.Go(func() { r.pacer.run(ctx) })
	if h := testHooks.duringRun; h != nil {
		wg.Go(func() { h(ctx, r.stack, r.agent.sess) })
	}
}

// drain waits until every live receiver got what it is owed and every
// publication was acked or handed back, or Drain passes. A receiver that
// failed or closed is owed nothing: waiting for it would only spend Drain.
// Acks are still awaited for its sake, since the checker tells an acked
// message a failed client abandoned from one the server lost.
func (r *runner) drain(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, r.plan.Drain)
	defer cancel()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for r.inFlight() > 0 || r.cnt.settled.Load() < r.cnt.published.Load() {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// inFlight counts the deliveries live receivers are still owed. Callers
// outside the run goroutine hold phaseMu (r.agent and r.load grow in
// connect).
func (r *runner) inFlight() int {
	n := 0
	for _, a := range r.agents {
		n += a.owedCount()
	}
	for _, m := range r.load {
		n += m.owedCount()
	}
	return n
}

// closeAll closes every session (idempotent), then waits until every
// delivery, ack and hand-back is recorded.
func (r *runner) closeAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, m := range append(slices.Clone(r.agents), r.load...) {
		if m == nil || m.sess == nil {
			continue
		}
		wg.Go(func() {
			select {
			case <-m.sess.Done():
				return // already closed
			default:
			}
			if err := m.sess.Close(ctx); err != nil {
				r.log.Warn("close failed", "member", m.name, "err", err)
			}
		})
	}
	wg.Wait()
	// Subscriptions end, after their buffered messages, once their session
	// did: wait so the check sees every delivery, but not past ctx.
	if r.consumers != nil {
		consumed := make(chan struct{})
		go func() { r.agentConsumers.wait(); r.consumers.wait(); close(consumed) }()
		select {
		case <-consumed:
		case <-ctx.Done():
			r.stopConsumers()
			<-consumed
		}
		r.stopConsumers()
	}
	r.settle.finish()
}

func (r *runner) check(res *Result) {
	recs := r.rec.Records()
	res.Faults = r.flog.Entries()
	res.Offered = r.pacer.offered()
	res.Messages = r.harnessCheck(res, res.ServerEvents)
	noteToxiproxyStuck(res, r.tlErr, res.End)
	res.Timing = CheckTiming(TimingInput{
		Start: res.Start, End: res.End, Clients: len(r.load), Channels: r.plan.Load.Channels, Faults: res.Faults,
	}, recs)
	for _, m := range r.load {
		m.mu.Lock()
		info := m.info
		m.mu.Unlock()
		info.FinalState = m.endState
		st := m.sess.Client().Stats()
		info.Attempts, info.Reconnects = int(st.Attempts), int(st.Reconnects)
		res.Clients = append(res.Clients, info)
	}
	summarize(res)
	res.Summary.ContinuityLost += r.agentContinuityLost()
	res.Summary.BackoffViolations = backoffViolations(r.plan.Client.Backoff, res.Timing.Backoff)
	if r.opts.KeepRecords {
		res.Records = recs
	}
}
