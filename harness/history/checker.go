package history

import (
	"cmp"
	"slices"
	"time"

	"github.com/wschaos/wschaos/client"
)

// MessageCounts are the checker's verdicts for one queue or a total. The
// semantics follow Jepsen's total-queue checker, with duplicates counted as
// failures, and with one distinction Jepsen lacks: a message is lost only if
// the system took responsibility for it and it vanished silently; a message
// a client loudly gave up on is abandoned, not lost. Every sent id is exactly
// one of delivered, handed back, abandoned or lost (in that precedence):
//
//   - Sent: distinct ids a sender accepted (RecSend).
//   - Acked: sent ids the server acknowledged (RecAck): it took
//     responsibility for them.
//   - Delivered: distinct sent ids that arrived at least once.
//   - HandedBack: sent ids the client returned undelivered as failed, when
//     it failed or closed (RecHandedBack): not lost, the caller was told.
//     HandedBackDelivered counts those that arrived anyway.
//   - Abandoned: sent ids the server acked for a receiver that then ended
//     (a failed or closed state before the end of the measured window) and
//     that come after the last message it delivered from the same sender:
//     the receiver said loudly, by ending, that it takes no more. Upstream
//     the receiver is the server, which never ends, so nothing upstream is
//     abandoned.
//   - Lost: every other sent id that never arrived. Upstream: acked and never
//     delivered, or unacked and neither delivered nor handed back.
//     Downstream: never delivered to a receiver still live, or unacked and
//     not handed back, or a hole below the receiver's last delivery.
//   - Duplicated: ids that arrived more than once (each counts once);
//     ExtraDeliveries is the number of surplus deliveries.
//   - Reordered: first deliveries whose index is below one already delivered
//     from the same sender on the same queue.
//   - Unexpected: ids that arrived but were never attempted on that queue.
//   - Recovered: ids whose send failed (RecSendFailed) but which arrived.
type MessageCounts struct {
	Sent                int `json:"sent"`
	SendFailed          int `json:"send_failed"`
	Acked               int `json:"acked"`
	Delivered           int `json:"delivered"`
	Lost                int `json:"lost"`
	HandedBack          int `json:"handed_back"`
	HandedBackDelivered int `json:"handed_back_delivered"`
	Abandoned           int `json:"abandoned"`
	Duplicated          int `json:"duplicated"`
	ExtraDeliveries     int `json:"extra_deliveries"`
	Reordered           int `json:"reordered"`
	Unexpected          int `json:"unexpected"`
	Recovered           int `json:"recovered"`
}

// OK reports whether nothing was lost, duplicated, reordered or unexpected.
// Handed back and abandoned messages are not failures: the caller was told.
func (c MessageCounts) OK() bool {
	return c.Lost == 0 && c.Duplicated == 0 && c.Reordered == 0 && c.Unexpected == 0
}

func (c *MessageCounts) add(o MessageCounts) {
	c.Sent += o.Sent
	c.SendFailed += o.SendFailed
	c.Acked += o.Acked
	c.Delivered += o.Delivered
	c.Lost += o.Lost
	c.HandedBack += o.HandedBack
	c.HandedBackDelivered += o.HandedBackDelivered
	c.Abandoned += o.Abandoned
	c.Duplicated += o.Duplicated
	c.ExtraDeliveries += o.ExtraDeliveries
	c.Reordered += o.Reordered
	c.Unexpected += o.Unexpected
	c.Recovered += o.Recovered
}

// QueueKey names a queue: one direction, one channel, one receiver.
type QueueKey struct {
	Dir      Direction `json:"dir"`
	Channel  string    `json:"channel"`
	Receiver string    `json:"receiver"`
}

// maxExampleIDs bounds the example ids a QueueReport lists per verdict.
const maxExampleIDs = 10

// QueueReport is the verdict for one queue, with up to 10 example ids of
// each failure so a report can point at them.
type QueueReport struct {
	QueueKey
	MessageCounts
	LostIDs       []string `json:"lost_ids,omitempty"`
	AbandonedIDs  []string `json:"abandoned_ids,omitempty"`
	DuplicatedIDs []string `json:"duplicated_ids,omitempty"`
	ReorderedIDs  []string `json:"reordered_ids,omitempty"`
	UnexpectedIDs []string `json:"unexpected_ids,omitempty"`
}

// MessageReport is the checker's output for messages.
type MessageReport struct {
	// Total sums every queue; Up and Down sum one direction each.
	Total MessageCounts `json:"total"`
	Up    MessageCounts `json:"up"`
	Down  MessageCounts `json:"down"`
	// ByChannel sums each (direction, channel) over its receivers.
	ByChannel []ChannelCounts `json:"by_channel"`
	// Queues holds every queue, sorted by direction, channel, receiver.
	Queues []QueueReport `json:"queues"`
}

// ChannelCounts are the counts of one direction of one channel.
type ChannelCounts struct {
	Dir     Direction `json:"dir"`
	Channel string    `json:"channel"`
	MessageCounts
}

// OK reports whether every queue passed.
func (r MessageReport) OK() bool { return r.Total.OK() }

type queueState struct {
	sent       map[string]bool
	failed     map[string]bool
	acked      map[string]bool
	handedBack map[string]bool
	index      map[string]delivery // sender and index of each sent id
	// ended is when the receiver failed or closed, zero while it was live.
	ended      time.Time
	deliveries map[string]int
	// order of first deliveries: (sender, index, id)
	firsts []delivery
}

type delivery struct {
	sender string
	index  uint64
	id     string
}

// CheckMessages applies the total-queue checker to every queue the records
// mention. Records must be in time order (Recorder.Records returns them so);
// send, send_failed, ack, handed_back, deliver and state records are read.
//
// end is the end of the measured window: a client's failed or closed state
// recorded after it (the harness closing every client once the run is over)
// abandons nothing, so what a live client was still owed then is lost. A
// zero end honours no terminal state at all: nothing is abandoned.
func CheckMessages(recs []Record, end time.Time) MessageReport {
	queues := map[QueueKey]*queueState{}
	get := func(r Record) *queueState {
		k := QueueKey{Dir: r.Dir, Channel: r.Channel, Receiver: r.Receiver}
		q := queues[k]
		if q == nil {
			q = &queueState{sent: map[string]bool{}, failed: map[string]bool{}, acked: map[string]bool{},
				handedBack: map[string]bool{}, index: map[string]delivery{}, deliveries: map[string]int{}}
			queues[k] = q
		}
		return q
	}
	ended := map[string]time.Time{} // receiver name -> first terminal state
	for _, r := range recs {
		switch r.Kind {
		case RecSend:
			q := get(r)
			q.sent[r.ID] = true
			q.index[r.ID] = delivery{sender: r.Sender, index: r.Index, id: r.ID}
		case RecSendFailed:
			get(r).failed[r.ID] = true
		case RecAck:
			get(r).acked[r.ID] = true
		case RecHandedBack:
			get(r).handedBack[r.ID] = true
		case RecDeliver:
			q := get(r)
			q.deliveries[r.ID]++
			if q.deliveries[r.ID] == 1 {
				q.firsts = append(q.firsts, delivery{sender: r.Sender, index: r.Index, id: r.ID})
			}
		case RecState:
			name := ClientName(r.Client)
			if r.Client >= 0 && (r.To == stateFailed || r.To == stateClosed) && !end.IsZero() &&
				!r.Time.After(end) && ended[name].IsZero() {
				ended[name] = r.Time
			}
		}
	}
	for k, q := range queues {
		q.ended = ended[k.Receiver]
	}

	reports := make(map[QueueKey]*QueueReport, len(queues))
	for k, q := range queues {
		qr := checkQueue(k, q)
		reports[k] = &qr
	}
	return assemble(reports)
}

func compareKeys(a, b QueueKey) int {
	return cmp.Or(cmp.Compare(a.Dir, b.Dir), cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Receiver, b.Receiver))
}

func checkQueue(k QueueKey, q *queueState) QueueReport {
	qr := QueueReport{QueueKey: k}
	c := &qr.MessageCounts
	c.Sent = len(q.sent)
	c.SendFailed = len(q.failed)
	// The last index each sender had delivered: delivery is in order, so an
	// ended receiver owed only what comes after it; a hole below it is lost.
	last := map[string]uint64{}
	for _, d := range q.firsts {
		last[d.sender] = max(last[d.sender], d.index)
	}
	for _, id := range sortedKeys(q.sent) {
		if q.acked[id] {
			c.Acked++
		}
		if q.handedBack[id] {
			c.HandedBack++
		}
		m := q.index[id]
		switch {
		case q.deliveries[id] > 0:
			c.Delivered++
			if q.handedBack[id] {
				c.HandedBackDelivered++
			}
		case q.handedBack[id]:
		case !q.ended.IsZero() && q.acked[id] && m.index > last[m.sender]:
			c.Abandoned++
			qr.AbandonedIDs = appendExample(qr.AbandonedIDs, id)
		default:
			c.Lost++
			qr.LostIDs = appendExample(qr.LostIDs, id)
		}
	}
	for _, id := range sortedKeys(q.deliveries) {
		n := q.deliveries[id]
		if n > 1 {
			c.Duplicated++
			c.ExtraDeliveries += n - 1
			qr.DuplicatedIDs = appendExample(qr.DuplicatedIDs, id)
		}
		if !q.sent[id] {
			if q.failed[id] {
				c.Recovered++
			} else {
				c.Unexpected++
				qr.UnexpectedIDs = appendExample(qr.UnexpectedIDs, id)
			}
		}
	}
	// Reordering is judged per sender on first deliveries only, so a
	// duplicate is not also counted as a reorder.
	high := map[string]uint64{}
	for _, d := range q.firsts {
		if d.index < high[d.sender] {
			c.Reordered++
			qr.ReorderedIDs = appendExample(qr.ReorderedIDs, d.id)
			continue
		}
		high[d.sender] = d.index
	}
	return qr
}

func appendExample(ids []string, id string) []string {
	if len(ids) < maxExampleIDs {
		ids = append(ids, id)
	}
	return ids
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Client state names as they appear in state records, taken from the
// client so the two cannot drift apart.
var (
	stateConnected    = client.StateConnected.String()
	stateReconnecting = client.StateReconnecting.String()
	stateConnecting   = client.StateConnecting.String()
	stateFailed       = client.StateFailed.String()
	stateClosed       = client.StateClosed.String()
)
