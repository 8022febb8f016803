package protocol_test

import (
	"bytes"
	"encoding/json"
	"testing"

	gojson "github.com/goccy/go-json"

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

// The codec comparison the fast path has to justify itself against: the
// same hot frames through the package's encoder and decoder, plain
// encoding/json, and github.com/goccy/go-json (both into the same structs,
// neither with the strict checks Decode makes: unknown and repeated keys,
// exact case, validation). Run with
//
//	go test -run '^$' -bench 'Codec' -benchmem -count 5 ./protocol
//
// and see docs/PROTOCOL.md ("Why JSON") for the figures and the decision.

var benchPublish = protocol.Publish{Seq: 123456, Channel: "bench", Data: bytes.Repeat([]byte("x"), 128), PSeq: 123456}

// wireEnvelope is a plain-struct stand-in for the envelope, for the
// reference codecs.
type wireEnvelope[T any] struct {
	V    int    `json:"v"`
	Type string `json:"type"`
	Body T      `json:"body"`
}

func BenchmarkCodecEncode(b *testing.B) {
	env := wireEnvelope[protocol.Publish]{V: 2, Type: "publish", Body: benchPublish}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := protocol.Encode(benchPublish); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast-append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = protocol.AppendPublish(buf[:0], protocol.Version, benchPublish); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goccy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := gojson.Marshal(env); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCodecDecode(b *testing.B) {
	frame, err := protocol.Encode(benchPublish)
	if err != nil {
		b.Fatal(err)
	}
	// The same frame with one space: not canonical, so Decode takes its
	// general strict path (scanObject + per-field values).
	spaced := bytes.Replace(frame, []byte(`{"v":2,`), []byte(`{"v":2, `), 1)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := protocol.Decode(frame); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("strict-general", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := protocol.Decode(spaced); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var env wireEnvelope[protocol.Publish]
			if err := json.Unmarshal(frame, &env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goccy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var env wireEnvelope[protocol.Publish]
			if err := gojson.Unmarshal(frame, &env); err != nil {
				b.Fatal(err)
			}
		}
	})
}
