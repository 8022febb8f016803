package harness

import "time"

// owedKey names one sender's stream on one channel, as one receiver is owed
// it.
type owedKey struct{ channel, sender string }

// owedStream is what a receiver is owed of one sender's stream: every index
// up to issued was expected (a publisher numbers a channel's messages 1, 2,
// 3, ... and expects each on every route before publishing it), and the
// settled ones (delivered or handed back) are every index up to low plus
// those in above. Deliveries in order cost no allocation: the owed count
// is issued - low - len(above), where a map of message ids cost a string
// and two map operations per message and receiver.
type owedStream struct {
	issued, low uint64
	above       map[uint64]struct{}
	// high is the highest index settled: issued - high is how far the
	// receiver is behind the stream's newest message (a lost message does
	// not hold it back, as it holds low).
	high uint64
}

// settle marks index settled; false if it was not owed (never expected, or
// settled before).
func (o *owedStream) settle(index uint64) bool {
	if index <= o.low || index > o.issued {
		return false
	}
	o.high = max(o.high, index)
	if index != o.low+1 {
		if _, ok := o.above[index]; ok {
			return false
		}
		if o.above == nil {
			o.above = map[uint64]struct{}{}
		}
		o.above[index] = struct{}{}
		return true
	}
	o.low++
	for len(o.above) > 0 {
		if _, ok := o.above[o.low+1]; !ok {
			break
		}
		delete(o.above, o.low+1)
		o.low++
	}
	return true
}

// owed is how many expected indices are not settled.
func (o *owedStream) owed() int { return int(o.issued-o.low) - len(o.above) }

// expect notes that index of sender's stream on channel is on its way to m.
// Publishers call it before Publish, so a fast delivery cannot arrive before
// it is expected; a stream's indices are expected in order.
func (m *member) expect(channel, sender string, index uint64) {
	m.mu.Lock()
	if o := m.owedLocked(channel, sender); index > o.issued {
		m.owedTotal += int(index - o.issued)
		o.issued = index
	}
	m.mu.Unlock()
}

// settled notes that m is no longer owed index of sender's stream on
// channel: it arrived, or its publisher handed it back (or failed to send
// it). It reports whether m was owed it. Caller holds m.mu.
func (m *member) settledLocked(channel, sender string, index uint64) bool {
	o := m.owedIndex[owedKey{channel, sender}]
	if o == nil {
		return false
	}
	was := o.owed()
	ok := o.settle(index)
	m.owedTotal -= was - o.owed()
	return ok
}

// settled is settledLocked taking m.mu.
func (m *member) settled(channel, sender string, index uint64) {
	m.mu.Lock()
	m.settledLocked(channel, sender, index)
	m.mu.Unlock()
}

// owedLocked returns (making it) m's owed stream of sender on channel.
// Caller holds m.mu.
func (m *member) owedLocked(channel, sender string) *owedStream {
	k := owedKey{channel, sender}
	o := m.owedIndex[k]
	if o == nil {
		if m.owedIndex == nil {
			m.owedIndex = map[owedKey]*owedStream{}
		}
		o = &owedStream{}
		m.owedIndex[k] = o
		if m.owedOn == nil {
			m.owedOn = map[string][]*owedStream{}
		}
		m.owedOn[channel] = append(m.owedOn[channel], o)
	}
	return o
}

// lagLocked is how many messages published on channel m has not heard of
// yet: per sender, its newest index expected at m less the highest that
// arrived (or was handed back). Caller holds m.mu.
func (m *member) lagLocked(channel string) int {
	n := 0
	for _, o := range m.owedOn[channel] {
		n += int(o.issued - o.high)
	}
	return n
}

// stuckAfter is how long a receiver may read nothing at all before the
// pacer stops holding back for it: it is then stalled or dead (a fault's
// doing, which the run must see), not busy.
const stuckAfter = time.Second

// holdFor reports whether publications on channel should wait for m: m is
// more than hold messages behind on it and still reading (it read
// something within stuckAfter of now, as the pacer's batches see it).
func (m *member) holdFor(channel string, hold int, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lagLocked(channel) <= hold {
		return false
	}
	if m.info.Delivered != m.readSeen || m.readSeenAt.IsZero() {
		m.readSeen, m.readSeenAt = m.info.Delivered, now
	}
	return now.Sub(m.readSeenAt) < stuckAfter
}
