package protocol

import (
	"encoding/base64"
	"math"
)

// The envelope overhead of the frames that carry a payload, so a publisher
// can refuse a payload before it is sent: a publish frame longer than the
// server's Limits.MaxFrame is rejected, and a message frame longer than a
// subscriber's read limit is skipped for that subscriber.
//
// Each overhead is what [Encode] writes around the payload's base64 text
// with the longest numbers (uint64 max), so for a payload of n bytes the
// frame is at most overhead + base64.StdEncoding.EncodedLen(n), equal when
// every number is 20 digits long.

// MessageOverhead is the length of a v2 message frame on channel with an
// empty payload and the longest serial.
func MessageOverhead(channel string) int {
	if fastChannel(channel) { // computed without encoding: Publish checks every payload
		return messageLen(ChannelMessage{Channel: channel, Serial: math.MaxUint64, Data: []byte{}})
	}
	return encodedLen(ChannelMessage{Channel: channel, Serial: math.MaxUint64, Data: []byte{}})
}

// PublishOverhead is the length of a v2 publish frame on channel with an
// empty payload and the longest seq and pseq.
func PublishOverhead(channel string) int {
	if fastChannel(channel) {
		return publishLen(Publish{Seq: math.MaxUint64, Channel: channel, Data: []byte{}, PSeq: math.MaxUint64})
	}
	return encodedLen(Publish{Seq: math.MaxUint64, Channel: channel, Data: []byte{}, PSeq: math.MaxUint64})
}

// MessageFrameLen is the longest message frame for a payload of n bytes on
// channel: what a subscriber's read limit must allow.
func MessageFrameLen(channel string, n int) int64 {
	return int64(MessageOverhead(channel)) + int64(base64.StdEncoding.EncodedLen(n))
}

// PublishFrameLen is the longest publish frame for a payload of n bytes on
// channel: what the server's Limits.MaxFrame must allow.
func PublishFrameLen(channel string, n int) int64 {
	return int64(PublishOverhead(channel)) + int64(base64.StdEncoding.EncodedLen(n))
}

// encodedLen is len(Encode(m)) (the empty payload's quotes included), or a
// length past every limit when m does not encode (an invalid channel).
func encodedLen(m Message) int {
	b, err := Encode(m)
	if err != nil {
		return math.MaxInt32
	}
	return len(b)
}
