package protocol_test

import (
	"bytes"
	"testing"

	"github.com/wschaos/wschaos/protocol"
)

// benchMsg is the hot-path message: one channel message with a 128-byte payload.
var benchMsg = protocol.ChannelMessage{Channel: "bench", Serial: 123456, Data: bytes.Repeat([]byte("x"), 128)}

func BenchmarkEncode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := protocol.Encode(benchMsg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	frame, err := protocol.Encode(benchMsg)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := protocol.Decode(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoundTrip(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		frame, err := protocol.Encode(benchMsg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := protocol.Decode(frame); err != nil {
			b.Fatal(err)
		}
	}
}
