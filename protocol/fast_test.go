package protocol

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
)

// jsonFrame is the reference encoding: encoding/json on the envelope.
func jsonFrame(t testing.TB, v int, m Message) []byte {
	b, err := json.Marshal(outEnvelope{V: v, Type: m.MessageType(), Body: m})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fastMessages builds one message of each hot type from fuzz inputs.
func fastMessages(ch string, n uint64, data []byte, nilData bool) []Message {
	if nilData {
		data = nil
	}
	return []Message{
		Ack{Seq: n},
		Publish{Seq: n | 1, Channel: ch, Data: data, PSeq: n >> 1},
		ChannelMessage{Channel: ch, Serial: n | 1, Data: data},
		DeliverAck{Channel: ch, Serial: n},
	}
}

// FuzzAppendEncodeMatchesJSON: the appended encoding of the hot types is
// byte for byte what encoding/json writes, at both versions, and decodes
// back (through the canonical decoder) to the same message.
func FuzzAppendEncodeMatchesJSON(f *testing.F) {
	f.Add("orders", uint64(42), []byte("hi"), false)
	f.Add("a<b>&\"c\\", uint64(0), []byte{}, false)
	f.Add("é\u2028", uint64(1<<64-1), []byte(nil), true)
	f.Add("x", uint64(9999999999999999999), bytes.Repeat([]byte{0xff}, 300), false)
	f.Fuzz(func(t *testing.T, ch string, n uint64, data []byte, nilData bool) {
		for _, m := range fastMessages(ch, n, data, nilData) {
			for v := MinVersion; v <= Version; v++ {
				got, err := EncodeVersion(v, m)
				if Validate(m) != nil {
					if err == nil {
						t.Fatalf("%#v encoded although invalid", m)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%#v: %v", m, err)
				}
				dm := m
				if v < 2 {
					dm, _ = downgrade(m)
				}
				if want := jsonFrame(t, v, dm); !bytes.Equal(got, want) {
					t.Fatalf("v%d %#v:\nfast %s\njson %s", v, m, got, want)
				}
				if fastEncodable(v, dm) && len(got) != fastLen(v, dm) {
					t.Fatalf("fastLen %d, wrote %d: %s", fastLen(v, dm), len(got), got)
				}
			}
		}
		// The unboxed entry points write the same frames (or errors).
		for v := MinVersion - 1; v <= Version+1; v++ {
			p := Publish{Seq: n, Channel: ch, Data: data, PSeq: n >> 3}
			want, wantErr := EncodeVersion(v, p)
			got, err := AppendPublish([]byte("x"), v, p)
			if (err == nil) != (wantErr == nil) || (err == nil && !bytes.Equal(got, append([]byte("x"), want...))) {
				t.Fatalf("AppendPublish v%d %#v: %q %v, EncodeVersion: %q %v", v, p, got, err, want, wantErr)
			}
			cm := ChannelMessage{Channel: ch, Serial: n, Data: data}
			want, wantErr = EncodeVersion(v, cm)
			got, err = EncodeMessage(v, cm)
			if (err == nil) != (wantErr == nil) || !bytes.Equal(got, want) {
				t.Fatalf("EncodeMessage v%d %#v: %q %v, EncodeVersion: %q %v", v, cm, got, err, want, wantErr)
			}
		}
		// Overheads are computed for plain channels; they must equal the
		// encoded length.
		if got, want := MessageOverhead(ch), encodedLen(ChannelMessage{Channel: ch, Serial: 1<<64 - 1, Data: []byte{}}); got != want {
			t.Fatalf("MessageOverhead(%q) = %d, encoded %d", ch, got, want)
		}
		if got, want := PublishOverhead(ch), encodedLen(Publish{Seq: 1<<64 - 1, Channel: ch, Data: []byte{}, PSeq: 1<<64 - 1}); got != want {
			t.Fatalf("PublishOverhead(%q) = %d, encoded %d", ch, got, want)
		}
	})
}

// TestCanonicalTakesHotFrames: the frames the encoder writes for the hot
// types are the ones the canonical decoder takes (otherwise the fast path
// would silently never run), and a frame written differently is left to the
// general decoder (negative control).
func TestCanonicalTakesHotFrames(t *testing.T) {
	for _, m := range fastMessages("orders", 77, []byte("payload"), false) {
		for v := MinVersion; v <= Version; v++ {
			frame, err := EncodeVersion(v, m)
			if err != nil {
				t.Fatal(err)
			}
			if _, gotV, ok := decodeCanonical(frame); !ok || gotV != v {
				t.Errorf("canonical decoder refused its own v%d %s frame %s", v, m.MessageType(), frame)
			}
		}
	}
	for _, frame := range []string{
		`{"v":2,"type":"ack","body":{"seq":1} }`,
		`{"v":2, "type":"ack","body":{"seq":1}}`,
		`{"v":2,"type":"ack","body":{"seq":01}}`,
		`{"v":2,"type":"ack","body":{"seq":12345678901234567890}}`,
		`{"v":` + strconv.Itoa(Version+1) + `,"type":"ack","body":{"seq":1}}`, // a version this package does not speak
		`{"v":2,"type":"deliver_ack","body":{"channel":"a\u0062","serial":1}}`,
		`{"v":2,"type":"message","body":{"channel":"a","serial":1,"data":"aGk=\n"}}`,
		`{"v":2,"type":"publish","body":{"seq":1,"channel":"a","data":null,"pseq":1,"pseq":2}}`,
		`{"v":2,"type":"ack","body":{"seq":1}}x`,
	} {
		if _, _, ok := decodeCanonical([]byte(frame)); ok {
			t.Errorf("canonical decoder took %s", frame)
		}
	}
}
