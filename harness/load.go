package harness

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness/history"
)

// serverName is the sender/receiver name of the server side.
const serverName = "server"

// channelName names client's k-th channel in run runID. The run id keeps
// runs apart on one target server: without it two runs would attach the
// same channels and count each other's messages as duplicated or
// unexpected.
func channelName(runID string, client, k int) string {
	return fmt.Sprintf("%s.c%d.%d", runID, client, k)
}

// newRunID returns a short random id for a run's channel names.
func newRunID() string { return fmt.Sprintf("%08x", rand.Uint32()) }

// appendPayload encodes sender and index in front of padding up to size
// bytes, into dst's storage (Publish copies it).
func appendPayload(dst []byte, sender string, index uint64, size int) []byte {
	b := append(dst[:0], sender...)
	b = append(b, '|')
	b = strconv.AppendUint(b, index, 10)
	b = append(b, '|')
	for len(b) < size {
		b = append(b, 'x')
	}
	return b
}

// parsePayload reverses appendPayload; ok is false for anything else
// (which the checker then sees as an unexpected message with a raw id).
// senders interns the sender names seen (nil: none), so a consumer's
// deliveries allocate no sender string.
func parsePayload(data []byte, senders map[string]string) (sender string, index uint64, ok bool) {
	i := bytes.IndexByte(data, '|')
	if i < 0 {
		return "", 0, false
	}
	j := bytes.IndexByte(data[i+1:], '|')
	if j < 0 {
		return "", 0, false
	}
	index, ok = parseIndex(data[i+1 : i+1+j])
	if !ok {
		return "", 0, false
	}
	name := data[:i]
	if s, hit := senders[string(name)]; hit {
		return s, index, true
	}
	sender = string(name)
	if senders != nil && len(senders) < maxInterned {
		senders[sender] = sender
	}
	return sender, index, true
}

// maxInterned bounds a consumer's interned sender names (a channel has a
// handful of senders; anything else is not worth keeping).
const maxInterned = 64

// parseIndex is strconv.ParseUint(b, 10, 64) without the string.
func parseIndex(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false // overflows
		}
		n = n*10 + d
	}
	return n, true
}

func messageID(sender, channel string, index uint64) string {
	return sender + "/" + channel + "/" + strconv.FormatUint(index, 10)
}

// counters track expected and seen deliveries, and accepted and settled
// (acked or handed back) publications, for progress and the drain.
type counters struct {
	sent      atomic.Int64
	delivered atomic.Int64
	published atomic.Int64
	settled   atomic.Int64
}

// route is one queue a publication travels: a direction and the member that
// must receive it.
type route struct {
	dir Direction
	to  *member
}

// pub is one publication with what the checker must hear about it.
type pub struct {
	p       *client.Publication
	id      string
	channel string
	index   uint64
	sender  string
	routes  []route
}

// member is one session taking part in the load: a client or the agent.
type member struct {
	index    int // client index, -1 for the agent
	name     string
	sess     *client.Session
	channels []string
	next     map[string]uint64 // next publish index per channel (publisher goroutine only)
	endState string            // state when the drain ended (before Close)
	rnd      rand.Source       // the client's jitter source (nil: unseeded)

	// scratch holds the payload being published (the publishing batch only).
	scratch []byte

	mu   sync.Mutex
	pubs []pub // unsettled publications, oldest first
	info ClientResult
	// owedIndex holds, per stream, the messages sent to m that neither
	// arrived nor were handed back; owedTotal counts them: what the drain
	// waits for while m's session lives (load_owed.go).
	owedIndex map[owedKey]*owedStream
	owedTotal int
	owedOn    map[string][]*owedStream // owedIndex's streams by channel
	// readSeen is m's delivery count when the pacer last saw it change,
	// at readSeenAt (holdFor).
	readSeen   int
	readSeenAt time.Time
	// harness holds the agent's own disruptions (agent only).
	harness []HarnessEvent
	// owedRead counts the deliveries read that m was owed (agent_behind
	// compares it before and after the drain ended).
	owedRead int
}

// owedCount is how many deliveries m still waits for; 0 once its session
// ended (failed or closed), since an ended session receives nothing more.
func (m *member) owedCount() int {
	if m == nil || m.sess == nil {
		return 0
	}
	select {
	case <-m.sess.Done():
		return 0
	default:
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.owedTotal
}

// sessionConfig returns cfg with the recorder's hooks installed for client
// index idx (-1: the agent, whose events are not recorded).
func sessionConfig(base client.Config, window int, idx int, rec *Recorder, m *member) client.SessionConfig {
	cfg := base
	cfg.OnEvent = func(ev client.Event) { onEvent(rec, idx, m, ev) }
	cfg.Rand = m.rnd // never base.Rand: a source must not be shared between clients
	cfg.Dialer = history.RecordingDialer(base.Dialer, func() {
		if idx >= 0 {
			rec.Add(Record{Kind: RecDial, Client: idx})
		}
	})
	return client.SessionConfig{Client: cfg, ClientID: m.name, Window: window}
}

// clientRand returns the jitter source of load client idx (-1: the agent) in
// a run seeded with seed: a PCG seeded from (seed, idx) through splitmix64,
// so each client draws its own stream and one seed replays every client's
// backoff schedule. Seed 0 means unseeded: nil, and each client seeds itself
// from the runtime.
func clientRand(seed uint64, idx int) rand.Source {
	if seed == 0 {
		return nil
	}
	k := splitmix64(seed + uint64(idx+1)*0x9e3779b97f4a7c15)
	return rand.NewPCG(k, splitmix64(k))
}

// splitmix64 is Vigna's 64-bit mixer: nearby inputs give unrelated outputs.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// onEvent turns client events into records and per-client counts.
func onEvent(rec *Recorder, idx int, m *member, ev client.Event) {
	r := Record{Time: ev.Time, Client: idx, Channel: ev.Channel, Serial: ev.Serial}
	m.mu.Lock()
	if idx < 0 {
		m.agentEvent(ev)
	}
	switch ev.Kind {
	case client.EventStateChanged:
		r = history.StateRecord(idx, ev)
		if ev.Err != nil && (ev.To == client.StateFailed) {
			m.info.Err = ev.Err.Error()
		}
	case client.EventAttached:
		r.Kind = RecAttach
	case client.EventResumed:
		r.Kind = RecResumed
		m.info.Resumes++
	case client.EventResynced:
		r.Kind, r.Err = RecResync, ev.Reason
		m.info.Resyncs++
	case client.EventSessionStarted:
		r.Kind, r.Session = RecResync, ev.Reason
		m.info.Sessions = append(m.info.Sessions, ev.Reason)
		m.mu.Unlock()
		return // the session id is kept on the client; no record needed
	case client.EventContinuityLost:
		r.Kind = RecContinuityLost
		if ev.Err != nil {
			r.Err = ev.Err.Error()
		}
		m.info.ContinuityLost++
	default:
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()
	if idx >= 0 {
		rec.Add(r)
	}
}

// recordDelivery records one delivery m's subscription gave (a consumerPool
// calls it for each, in order per subscription). senders interns the
// subscription's sender names; only the one worker draining it uses it.
func recordDelivery(rec *Recorder, cnt *counters, m *member, d client.Delivery, senders map[string]string) {
	if m.index < 0 && testHooks.agentDelivery != nil {
		testHooks.agentDelivery()
	}
	sender, index, ok := parsePayload(d.Data, senders)
	id := messageID(sender, d.Channel, index)
	if !ok {
		id = "raw:" + string(d.Data)
	}
	r := Record{Kind: RecDeliver, Client: m.index, Channel: d.Channel, ID: id, Sender: sender, Index: index, Serial: d.Serial}
	switch {
	case m.index >= 0:
		r.Dir, r.Receiver = Down, m.name
	case sender == serverName:
		return // the agent hears its own downstream messages too
	default:
		r.Dir, r.Receiver = Up, serverName
	}
	rec.Add(r)
	cnt.delivered.Add(1)
	m.mu.Lock()
	m.info.Delivered++
	if ok && m.settledLocked(d.Channel, sender, index) {
		m.owedRead++
	}
	m.mu.Unlock()
}

// publish sends one message from m on channel ch and records it on every
// queue it must arrive at.
func publish(ctx context.Context, rec *Recorder, cnt *counters, m *member, ch string, routes []route, size int) {
	m.next[ch]++
	index := m.next[ch]
	id := messageID(m.name, ch, index)
	for _, rt := range routes {
		rt.to.expect(ch, m.name, index)
	}
	m.scratch = appendPayload(m.scratch, m.name, index, size)
	p, err := m.sess.Publish(ctx, ch, m.scratch)
	kind := RecSend
	if err != nil {
		kind = RecSendFailed
	}
	now := time.Now()
	for _, rt := range routes {
		rec.Add(Record{Time: now, Kind: kind, Client: m.index, Dir: rt.dir, Channel: ch, ID: id,
			Sender: m.name, Receiver: rt.to.name, Index: index})
	}
	if err != nil {
		for _, rt := range routes {
			rt.to.settled(ch, m.name, index)
		}
		return
	}
	cnt.sent.Add(int64(len(routes)))
	cnt.published.Add(1)
	m.addPub(pub{p: p, id: id, channel: ch, index: index, sender: m.name, routes: routes})
}

// testHooks let this package's tests play a broken harness: an agent
// starved of CPU, or one whose connection the test drops. Set before Run,
// cleared after; nil in every real run.
var testHooks struct {
	// agentDelivery runs before the agent records each delivery.
	agentDelivery func()
	// fullRecorder makes Run keep a record per observation (the old
	// recorder), for benchmarks against the compact one.
	fullRecorder bool
	// duringRun runs in its own goroutine while the load runs, until ctx ends.
	duringRun func(ctx context.Context, s *Stack, agent *client.Session)
	// noLagHold stops the pacer holding back publications for lagging
	// receivers (tests of what happens when they fall behind).
	noLagHold bool
	// settled runs once every session ended and every ack and hand-back is
	// recorded, before the check (benchmarks read the recorder's footprint).
	settled func(rec *Recorder)
}
