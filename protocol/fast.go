package protocol

import (
	"encoding/base64"
	"strconv"
	"sync/atomic"
)

// The hot path: publish, ack, message and deliver_ack frames make up nearly
// every frame of a busy session. They are encoded by appending bytes, and a
// frame in exactly the form the encoder writes (the canonical form) is
// decoded by matching that form. Any other frame, including every valid but
// differently written one (spaces, another key order, escapes), goes through
// the general strict decoder, so the fast path only changes speed: the
// fuzz target FuzzFastPathMatchesJSON checks that Decode agrees with an
// encoding/json reference on every input, and FuzzAppendEncodeMatchesJSON
// that the appended bytes are encoding/json's.
//
// Why hand-written rather than github.com/goccy/go-json: measured in
// BenchmarkCodecEncode/Decode (figures in docs/PROTOCOL.md, "Canonical
// frames"), goccy decodes a publish in ~1.7x the fast path's time with 3
// allocations instead of 2 and without the strict checks (which would still
// cost the key scan), and encodes with 2 allocations where AppendPublish
// needs none; the session layer's allocations-per-message goal needs the
// latter.

// fastEncodable reports whether m at version v has a byte-exact appended
// encoding (the same bytes encoding/json writes).
func fastEncodable(v int, m Message) bool {
	if v < 0 || v > 9 {
		return false
	}
	switch m := m.(type) {
	case Ack:
		return true
	case Publish:
		return plainASCII(m.Channel)
	case ChannelMessage:
		return plainASCII(m.Channel)
	case DeliverAck:
		return plainASCII(m.Channel)
	}
	return false
}

// fastLen is the length appendFast writes; m must be fastEncodable.
func fastLen(v int, m Message) int {
	switch m := m.(type) {
	case Ack:
		return envLen + len(TypeAck) + len(`"seq":`) + uintLen(m.Seq)
	case Publish:
		return publishLen(m)
	case ChannelMessage:
		return messageLen(m)
	case DeliverAck:
		return envLen + len(TypeDeliverAck) + len(`"channel":"","serial":`) + len(m.Channel) + uintLen(m.Serial)
	}
	return 0
}

const envLen = len(`{"v":0,"type":"","body":{}}`)

func publishLen(p Publish) int {
	n := envLen + len(TypePublish) + len(`"seq":,"channel":"","data":`) + uintLen(p.Seq) + len(p.Channel) + dataLen(p.Data)
	if p.PSeq != 0 {
		n += len(`,"pseq":`) + uintLen(p.PSeq)
	}
	return n
}

func messageLen(m ChannelMessage) int {
	return envLen + len(TypeMessage) + len(`"channel":"","serial":,"data":`) + len(m.Channel) + uintLen(m.Serial) + dataLen(m.Data)
}

// fastChannel: a channel Validate accepts and the fast encoder can write.
func fastChannel(ch string) bool {
	return len(ch) >= 1 && len(ch) <= MaxChannelBytes && plainASCII(ch)
}

// AppendPublish appends the frame for p at version v to dst: the same bytes
// as [AppendEncodeVersion], without boxing p in an interface (the
// publisher's hot path allocates nothing when dst has room).
func AppendPublish(dst []byte, v int, p Publish) ([]byte, error) {
	if v < MinVersion || v > Version || p.Seq == 0 || !fastChannel(p.Channel) {
		return AppendEncodeVersion(dst, v, p)
	}
	if v < 2 {
		p.PSeq = 0
	}
	if dst == nil {
		dst = make([]byte, 0, publishLen(p))
	}
	return appendPublish(appendEnvelope(dst, v, TypePublish), p), nil
}

// EncodeMessage is [EncodeVersion] for a channel message, without boxing it:
// one allocation, the frame.
func EncodeMessage(v int, m ChannelMessage) ([]byte, error) {
	if v < MinVersion || v > Version || m.Serial == 0 || !fastChannel(m.Channel) {
		return EncodeVersion(v, m)
	}
	return appendMessage(appendEnvelope(make([]byte, 0, messageLen(m)), v, TypeMessage), m), nil
}

// appendFast appends the frame for m at version v; m must be fastEncodable,
// validated and, at v1, downgraded.
func appendFast(dst []byte, v int, m Message) []byte {
	dst = appendEnvelope(dst, v, m.MessageType())
	switch m := m.(type) {
	case Ack:
		dst = append(dst, `"seq":`...)
		dst = strconv.AppendUint(dst, m.Seq, 10)
		return append(dst, "}}"...)
	case Publish:
		return appendPublish(dst, m)
	case ChannelMessage:
		return appendMessage(dst, m)
	case DeliverAck:
		dst = append(dst, `"channel":"`...)
		dst = append(dst, m.Channel...)
		dst = append(dst, `","serial":`...)
		dst = strconv.AppendUint(dst, m.Serial, 10)
		return append(dst, "}}"...)
	}
	return dst
}

func appendEnvelope(dst []byte, v int, t Type) []byte {
	dst = append(dst, `{"v":`...)
	dst = append(dst, byte('0'+v))
	dst = append(dst, `,"type":"`...)
	dst = append(dst, t...)
	return append(dst, `","body":{`...)
}

func appendPublish(dst []byte, m Publish) []byte {
	dst = append(dst, `"seq":`...)
	dst = strconv.AppendUint(dst, m.Seq, 10)
	dst = append(dst, `,"channel":"`...)
	dst = append(dst, m.Channel...)
	dst = append(dst, `","data":`...)
	dst = appendData(dst, m.Data)
	if m.PSeq != 0 {
		dst = append(dst, `,"pseq":`...)
		dst = strconv.AppendUint(dst, m.PSeq, 10)
	}
	return append(dst, "}}"...)
}

func appendMessage(dst []byte, m ChannelMessage) []byte {
	dst = append(dst, `"channel":"`...)
	dst = append(dst, m.Channel...)
	dst = append(dst, `","serial":`...)
	dst = strconv.AppendUint(dst, m.Serial, 10)
	dst = append(dst, `,"data":`...)
	dst = appendData(dst, m.Data)
	return append(dst, "}}"...)
}

// plainASCII: printable ASCII that encoding/json writes unescaped (it
// escapes quotes, backslashes and, for HTML safety, < > &).
func plainASCII(s string) bool {
	for i := range len(s) {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func uintLen(n uint64) int {
	l := 1
	for n >= 10 {
		n /= 10
		l++
	}
	return l
}

// dataLen is the length of a []byte value as encoding/json writes it.
func dataLen(b []byte) int {
	if b == nil {
		return len("null")
	}
	return 2 + base64.StdEncoding.EncodedLen(len(b))
}

func appendData(dst, b []byte) []byte {
	if b == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

// canon matches a frame against the canonical form, left to right.
type canon struct {
	b  []byte
	i  int
	ok bool
}

func (c *canon) lit(s string) {
	if c.ok && len(c.b)-c.i >= len(s) && string(c.b[c.i:c.i+len(s)]) == s {
		c.i += len(s)
		return
	}
	c.ok = false
}

// peek reports whether s comes next, without consuming it.
func (c *canon) peek(s string) bool {
	return c.ok && len(c.b)-c.i >= len(s) && string(c.b[c.i:c.i+len(s)]) == s
}

// uint reads a JSON integer of at most 19 digits (no overflow), no leading zero.
func (c *canon) uint() uint64 {
	if !c.ok {
		return 0
	}
	start := c.i
	var n uint64
	for c.i < len(c.b) && c.b[c.i] >= '0' && c.b[c.i] <= '9' && c.i-start < 19 {
		n = n*10 + uint64(c.b[c.i]-'0')
		c.i++
	}
	digits := c.i - start
	if digits == 0 || (digits > 1 && c.b[start] == '0') || (c.i < len(c.b) && c.b[c.i] >= '0' && c.b[c.i] <= '9') {
		c.ok = false
	}
	return n
}

// str reads a string of printable ASCII without quotes or backslashes: a
// JSON string that needs no unescaping. It returns the raw bytes.
func (c *canon) str() []byte {
	c.lit(`"`)
	if !c.ok {
		return nil
	}
	start := c.i
	for c.i < len(c.b) {
		ch := c.b[c.i]
		if ch == '"' {
			s := c.b[start:c.i]
			c.i++
			return s
		}
		if ch < 0x20 || ch > 0x7e || ch == '\\' {
			break
		}
		c.i++
	}
	c.ok = false
	return nil
}

// data reads a []byte value: null, or a string of base64 alphabet bytes.
func (c *canon) data() []byte {
	if c.peek("null") {
		c.i += len("null")
		return nil
	}
	s := c.str()
	if !c.ok {
		return nil
	}
	for _, ch := range s {
		if !('A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || ch == '+' || ch == '/' || ch == '=') {
			c.ok = false
			return nil
		}
	}
	// As encoding/json decodes []byte (a non-nil slice for "").
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		c.ok = false
		return nil
	}
	return out[:n]
}

// decodeCanonical decodes a hot-path frame in canonical form. ok is false
// for anything else (the caller then runs the general decoder); the message
// is not validated yet.
func decodeCanonical(frame []byte) (m Message, v int, ok bool) {
	c := canon{b: frame, ok: true}
	c.lit(`{"v":`)
	if !c.ok || c.i >= len(frame) {
		return nil, 0, false
	}
	v = int(frame[c.i] - '0')
	if v < MinVersion || v > Version {
		return nil, 0, false
	}
	c.i++
	c.lit(`,"type":"`)
	switch {
	case c.peek(`ack","body":{`):
		c.lit(`ack","body":{"seq":`)
		m = Ack{Seq: c.uint()}
	case c.peek(`publish","body":{`):
		c.lit(`publish","body":{"seq":`)
		var p Publish
		p.Seq = c.uint()
		c.lit(`,"channel":`)
		p.Channel = intern(c.str())
		c.lit(`,"data":`)
		p.Data = c.data()
		if c.peek(`,"pseq":`) {
			c.lit(`,"pseq":`)
			p.PSeq = c.uint()
		}
		m = p
	case c.peek(`message","body":{`):
		c.lit(`message","body":{"channel":`)
		var cm ChannelMessage
		cm.Channel = intern(c.str())
		c.lit(`,"serial":`)
		cm.Serial = c.uint()
		c.lit(`,"data":`)
		cm.Data = c.data()
		m = cm
	case c.peek(`deliver_ack","body":{`):
		c.lit(`deliver_ack","body":{"channel":`)
		var d DeliverAck
		d.Channel = intern(c.str())
		c.lit(`,"serial":`)
		d.Serial = c.uint()
		m = d
	default:
		return nil, 0, false
	}
	c.lit("}}")
	if !c.ok || c.i != len(frame) {
		return nil, 0, false
	}
	return m, v, true
}

// internSlots caches channel names recently decoded, so the frames of a busy
// channel decode without allocating its name each time. Entries are
// immutable strings behind atomic pointers: safe for concurrent decoders,
// and a collision only costs an allocation.
var internSlots [1024]atomic.Pointer[string]

// maxInterned bounds the names cached (longer ones are rare and allocate).
const maxInterned = 64

func intern(b []byte) string {
	if len(b) > maxInterned {
		return string(b)
	}
	h := uint32(2166136261) // FNV-1a
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &internSlots[h%uint32(len(internSlots))]
	if p := slot.Load(); p != nil && *p == string(b) {
		return *p
	}
	s := string(b)
	slot.Store(&s)
	return s
}
