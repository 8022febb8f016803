package protocol_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/wschaos/wschaos/protocol"
)

// FuzzDecode checks that Decode never panics, that every failure is a
// *protocol.Error, and that anything it accepts survives Encode and Decode
// unchanged. Seeds: every sample message plus testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, m := range samples {
		frame, err := protocol.Encode(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(frame)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := protocol.Decode(frame)
		if err != nil {
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Decode error %T (%v) is not *protocol.Error", err, err)
			}
			if m != nil {
				t.Fatalf("Decode returned %#v with error %v", m, err)
			}
			return
		}
		again, err := protocol.Encode(m)
		if err != nil {
			t.Fatalf("Decode accepted %q as %#v but Encode rejects it: %v", frame, m, err)
		}
		back, err := protocol.Decode(again)
		if err != nil {
			t.Fatalf("re-encoded %q does not decode: %v", again, err)
		}
		if !reflect.DeepEqual(back, m) {
			t.Fatalf("round trip changed the message:\nfirst  %#v\nsecond %#v", m, back)
		}
	})
}
