package history

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// streamKey names one sender's stream on one queue.
type streamKey struct {
	QueueKey
	sender string
}

// stream is what the compact recorder keeps of one sender's messages on one
// queue: index sets (one span each while all goes in order) and the
// exceptions, never a record per message.
type stream struct {
	sent, failed, acked, handedBack, delivered spans
	// extra counts surplus deliveries per duplicated index.
	extra map[uint64]int
	// high is the highest first-delivered index; reordered counts first
	// deliveries below it (judged in the order they were recorded, which is
	// time order for one receiver's consumer).
	high         uint64
	reordered    int
	reorderedIDs []seqID
}

// seqID is an example id with the order it was recorded in, so a queue's
// reorder examples from several senders list in recording order.
type seqID struct {
	seq uint64
	id  string
}

// compactStore judges message records as they arrive (see
// [NewCompactRecorder]).
type compactStore struct {
	mu      sync.Mutex
	streams map[streamKey]*stream
	// other holds message records whose id is not sender/channel/index (a
	// payload the harness could not parse): few, judged the old way.
	other []Record
	// ended is each client's first failed or closed state.
	ended map[int]time.Time
	seq   uint64 // deliveries added
}

func newCompactStore() *compactStore {
	return &compactStore{streams: map[streamKey]*stream{}, ended: map[int]time.Time{}}
}

// isMessageKind reports whether k is a record the message checker reads.
func isMessageKind(k RecordKind) bool {
	switch k {
	case RecSend, RecSendFailed, RecAck, RecHandedBack, RecDeliver:
		return true
	}
	return false
}

// standardID reports whether id is sender + "/" + channel + "/" + index, the
// harness's message id, without allocating.
func standardID(id, sender, channel string, index uint64) bool {
	rest, ok := strings.CutPrefix(id, sender)
	if !ok || len(rest) == 0 || rest[0] != '/' {
		return false
	}
	rest, ok = strings.CutPrefix(rest[1:], channel)
	if !ok || len(rest) < 2 || rest[0] != '/' {
		return false
	}
	n, err := strconv.ParseUint(rest[1:], 10, 64)
	return err == nil && n == index && index > 0 && rest[1] != '0'
}

// add judges one record. State records only note terminal states; the
// caller keeps them for the timing checker. now stamps a record kept in
// other without a time.
func (c *compactStore) add(r Record, now func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Kind == RecState {
		if r.Client >= 0 && (r.To == stateFailed || r.To == stateClosed) {
			if t, ok := c.ended[r.Client]; !ok || r.Time.Before(t) {
				c.ended[r.Client] = r.Time
			}
		}
		return
	}
	if !standardID(r.ID, r.Sender, r.Channel, r.Index) {
		if r.Time.IsZero() {
			r.Time = now()
		}
		c.other = append(c.other, r)
		return
	}
	k := streamKey{QueueKey{r.Dir, r.Channel, r.Receiver}, r.Sender}
	s := c.streams[k]
	if s == nil {
		s = &stream{}
		c.streams[k] = s
	}
	switch r.Kind {
	case RecSend:
		s.sent.add(r.Index)
	case RecSendFailed:
		s.failed.add(r.Index)
	case RecAck:
		s.acked.add(r.Index)
	case RecHandedBack:
		s.handedBack.add(r.Index)
	case RecDeliver:
		c.seq++
		if !s.delivered.add(r.Index) {
			if s.extra == nil {
				s.extra = map[uint64]int{}
			}
			s.extra[r.Index]++
			return
		}
		if r.Index < s.high {
			s.reordered++
			if len(s.reorderedIDs) < maxExampleIDs {
				s.reorderedIDs = append(s.reorderedIDs, seqID{c.seq, r.ID})
			}
			return
		}
		s.high = r.Index
	}
}

// exampleLimit is how many failing ids per verdict the compact checker
// formats to pick the examples: up to it, the examples are exactly those
// CheckMessages lists (the first ids in string order); past it, the first
// in (sender, index) order.
const exampleLimit = 4096

// check is CheckMessages over the streams keep accepts (nil: all).
func (c *compactStore) check(end time.Time, keep func(sender, receiver string) bool) MessageReport {
	c.mu.Lock()
	defer c.mu.Unlock()
	queues := map[QueueKey]*QueueReport{}
	get := func(k QueueKey) *QueueReport {
		q := queues[k]
		if q == nil {
			q = &QueueReport{QueueKey: k}
			queues[k] = q
		}
		return q
	}
	type examples struct {
		lost, abandoned, dup, unexpected []string
		reordered                        []seqID
	}
	ex := map[QueueKey]*examples{}
	keys := make([]streamKey, 0, len(c.streams))
	for k := range c.streams {
		if keep == nil || keep(k.sender, k.Receiver) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b streamKey) int {
		if d := compareKeys(a.QueueKey, b.QueueKey); d != 0 {
			return d
		}
		return strings.Compare(a.sender, b.sender)
	})
	for _, k := range keys {
		s := c.streams[k]
		q := get(k.QueueKey)
		e := ex[k.QueueKey]
		if e == nil {
			e = &examples{}
			ex[k.QueueKey] = e
		}
		id := func(i uint64) string { return k.sender + "/" + k.Channel + "/" + strconv.FormatUint(i, 10) }
		collect := func(dst *[]string, set spans) {
			set.each(func(i uint64) bool {
				*dst = append(*dst, id(i))
				return len(*dst) < exampleLimit
			})
		}
		m := &q.MessageCounts
		m.Sent += s.sent.count()
		m.SendFailed += s.failed.count()
		m.Acked += combine(func(in []bool) bool { return in[0] && in[1] }, s.sent, s.acked).count()
		m.HandedBack += combine(func(in []bool) bool { return in[0] && in[1] }, s.sent, s.handedBack).count()
		m.Delivered += combine(func(in []bool) bool { return in[0] && in[1] }, s.sent, s.delivered).count()
		m.HandedBackDelivered += combine(func(in []bool) bool { return in[0] && in[1] && in[2] }, s.sent, s.delivered, s.handedBack).count()
		// Sent, never delivered, not handed back: abandoned or lost.
		missing := combine(func(in []bool) bool { return in[0] && !in[1] && !in[2] }, s.sent, s.delivered, s.handedBack)
		var abandoned spans
		if t, ok := c.endedAt(k.Receiver, end); ok && !t.IsZero() {
			abandoned = combine(func(in []bool) bool { return in[0] && in[1] }, missing.above(s.delivered.max()), s.acked)
		}
		lost := combine(func(in []bool) bool { return in[0] && !in[1] }, missing, abandoned)
		m.Abandoned += abandoned.count()
		m.Lost += lost.count()
		collect(&e.abandoned, abandoned)
		collect(&e.lost, lost)
		surplus := combine(func(in []bool) bool { return in[0] && !in[1] }, s.delivered, s.sent)
		m.Recovered += combine(func(in []bool) bool { return in[0] && in[1] }, surplus, s.failed).count()
		unexpected := combine(func(in []bool) bool { return in[0] && !in[1] }, surplus, s.failed)
		m.Unexpected += unexpected.count()
		collect(&e.unexpected, unexpected)
		dups := make([]uint64, 0, len(s.extra))
		for i, n := range s.extra {
			m.Duplicated++
			m.ExtraDeliveries += n
			dups = append(dups, i)
		}
		slices.Sort(dups)
		for _, i := range dups {
			if len(e.dup) < exampleLimit {
				e.dup = append(e.dup, id(i))
			}
		}
		m.Reordered += s.reordered
		e.reordered = append(e.reordered, s.reorderedIDs...)
	}
	for k, e := range ex {
		q := queues[k]
		q.LostIDs, q.AbandonedIDs = firstSorted(e.lost), firstSorted(e.abandoned)
		q.DuplicatedIDs, q.UnexpectedIDs = firstSorted(e.dup), firstSorted(e.unexpected)
		slices.SortFunc(e.reordered, func(a, b seqID) int { return cmp.Compare(a.seq, b.seq) })
		for _, x := range e.reordered {
			q.ReorderedIDs = appendExample(q.ReorderedIDs, x.id)
		}
	}
	// Records with ids of another shape: the old checker, merged per queue.
	var other []Record
	for _, r := range c.other {
		if keep == nil || keep(r.Sender, r.Receiver) {
			other = append(other, r)
		}
	}
	if len(other) > 0 {
		recs := other
		for i, t := range c.ended {
			recs = append(recs, Record{Time: t, Kind: RecState, Client: i, To: stateClosed})
		}
		slices.SortStableFunc(recs, func(a, b Record) int { return a.Time.Compare(b.Time) })
		for _, o := range CheckMessages(recs, end).Queues {
			q := get(o.QueueKey)
			q.MessageCounts.add(o.MessageCounts)
			q.LostIDs = mergeExamples(q.LostIDs, o.LostIDs)
			q.AbandonedIDs = mergeExamples(q.AbandonedIDs, o.AbandonedIDs)
			q.DuplicatedIDs = mergeExamples(q.DuplicatedIDs, o.DuplicatedIDs)
			q.ReorderedIDs = mergeExamples(q.ReorderedIDs, o.ReorderedIDs)
			q.UnexpectedIDs = mergeExamples(q.UnexpectedIDs, o.UnexpectedIDs)
		}
	}
	return assemble(queues)
}

// endedAt is the first terminal state of the client named receiver at or
// before end (end zero: none counts), as CheckMessages judges it.
func (c *compactStore) endedAt(receiver string, end time.Time) (time.Time, bool) {
	if end.IsZero() {
		return time.Time{}, false
	}
	idx, ok := clientIndex(receiver)
	if !ok {
		return time.Time{}, false
	}
	t, ok := c.ended[idx]
	if !ok || t.After(end) {
		return time.Time{}, false
	}
	return t, true
}

// clientIndex reverses ClientName.
func clientIndex(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "client-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}

func firstSorted(ids []string) []string {
	slices.Sort(ids)
	if len(ids) > maxExampleIDs {
		ids = ids[:maxExampleIDs]
	}
	return slices.Clip(ids)
}

func mergeExamples(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	return firstSorted(append(slices.Clone(a), b...))
}

// assemble sums queues into the report's totals, directions and channels.
func assemble(queues map[QueueKey]*QueueReport) MessageReport {
	var rep MessageReport
	byChannel := map[QueueKey]*ChannelCounts{}
	for k, q := range queues {
		rep.Queues = append(rep.Queues, *q)
		rep.Total.add(q.MessageCounts)
		if k.Dir == Up {
			rep.Up.add(q.MessageCounts)
		} else {
			rep.Down.add(q.MessageCounts)
		}
		ck := QueueKey{Dir: k.Dir, Channel: k.Channel}
		if byChannel[ck] == nil {
			byChannel[ck] = &ChannelCounts{Dir: k.Dir, Channel: k.Channel}
		}
		byChannel[ck].add(q.MessageCounts)
	}
	slices.SortFunc(rep.Queues, func(a, b QueueReport) int { return compareKeys(a.QueueKey, b.QueueKey) })
	for _, c := range byChannel {
		rep.ByChannel = append(rep.ByChannel, *c)
	}
	slices.SortFunc(rep.ByChannel, func(a, b ChannelCounts) int {
		return compareKeys(QueueKey{Dir: a.Dir, Channel: a.Channel}, QueueKey{Dir: b.Dir, Channel: b.Channel})
	})
	return rep
}
