package faultserver

import "github.com/wschaos/wschaos/protocol"

// attachStart returns the serial after which an attach is streamed, and
// whether the history no longer reaches it (attached.continuity_lost).
//
// After 0 means "from my last deliver_ack" for a session already attached
// (a resumed one) and "from now on" for a session new to the channel. A v3
// attach names the epoch its After belongs to: if the channel was freed and
// created again since (another epoch, serials restarted at 1), After means
// nothing here, so everything retained is replayed, and continuity is lost
// only if the new incarnation's history no longer starts at serial 1.
func attachStart(ch *channel, sub *subscription, m protocol.Attach) (start uint64, lost bool) {
	if m.Epoch != 0 && m.Epoch != ch.epoch {
		start = ch.oldest() - 1
		return start, start > 0
	}
	start = m.After
	if start == 0 {
		if sub != nil {
			start = sub.delivered
		} else {
			start = ch.head
		}
	}
	return start, !ch.reaches(start)
}
