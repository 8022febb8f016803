package history

import "unsafe"

// Footprint estimates the bytes r holds for what it recorded: its kept
// records (with their strings) and, for a compact recorder, the index spans,
// duplicate counts and example ids of every stream. It counts capacity, not
// length, so it is what the recorder pins, and excludes map overhead beyond
// a per-entry estimate. Benchmarks divide it by the messages checked.
func (r *Recorder) Footprint() int {
	r.mu.Lock()
	n := recordsBytes(r.recs)
	c := r.compact
	r.mu.Unlock()
	if c == nil {
		return n
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	const mapEntry = 48 // a Swiss-table slot plus control byte, rounded up
	n += recordsBytes(c.other) + len(c.ended)*(mapEntry+int(unsafe.Sizeof(c.ended[0])))
	spanSize := int(unsafe.Sizeof(span{}))
	for k, s := range c.streams {
		n += mapEntry + int(unsafe.Sizeof(k)) + int(unsafe.Sizeof(*s))
		for _, set := range []spans{s.sent, s.failed, s.acked, s.handedBack, s.delivered} {
			n += cap(set) * spanSize
		}
		n += len(s.extra) * (mapEntry + 16)
		for _, x := range s.reorderedIDs {
			n += int(unsafe.Sizeof(x)) + len(x.id)
		}
	}
	return n
}

func recordsBytes(recs []Record) int {
	n := cap(recs) * int(unsafe.Sizeof(Record{}))
	for i := range recs {
		r := &recs[i]
		n += len(r.Channel) + len(r.ID) + len(r.Sender) + len(r.Receiver) + len(r.From) + len(r.To) + len(r.Session) + len(r.Err)
	}
	return n
}
