package fault

import (
	"reflect"
	"testing"
)

// FuzzDecode: Decode never panics, and whatever decodes and validates
// survives the flat round trip (Encode, DecodeFlat) unchanged.
func FuzzDecode(f *testing.F) {
	for _, seed := range [][2]string{
		{"latency", `{"latency":"20ms","jitter":"5ms","stream":"downstream"}`},
		{"close", `{"code":1005}`},
		{"reject", `{"status":503,"count":2,"retry_after":"1s"}`},
		{"slicer", `{"average_size":16,"size_variation":4,"delay":0}`},
		{"delay", `{"delay":"50ms"}`},
		{"drop", `{"x":1}`},
		{"bandwidth", `{"rate_kbps":"fast"}`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, kind, attrs string) {
		v, err := Decode(kind, []byte(attrs))
		if err != nil || v.Validate() != nil {
			return
		}
		data, err := Encode(v)
		if err != nil {
			t.Fatalf("encode %#v: %v", v, err)
		}
		back, err := DecodeFlat(data)
		if err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
		if !reflect.DeepEqual(back, v) {
			t.Fatalf("round trip %#v -> %s -> %#v", v, data, back)
		}
	})
}
