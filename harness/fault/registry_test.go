package fault

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeNamesTheAttribute(t *testing.T) {
	for _, c := range []struct {
		kind, attrs, attr, msg string
	}{
		{"latency", `{"latency":"1s","colour":"red"}`, "colour", "unknown attribute"},
		{"drop", `{"x":1}`, "x", "takes no attributes"},
		{"bandwidth", `{"rate_kbps":"fast"}`, "rate_kbps", "not an integer"},
	} {
		_, err := Decode(c.kind, []byte(c.attrs))
		var ae *AttrError
		if !errors.As(err, &ae) || ae.Attr != c.attr || !strings.Contains(ae.Msg, c.msg) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s %s: err = %v", c.kind, c.attrs, err)
		}
	}
	if _, err := Decode("earthquake", nil); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := Decode("latency", []byte(`{"latency":"soon"}`)); err == nil {
		t.Error("bad duration accepted")
	}
}

func TestValidateNamesTheAttribute(t *testing.T) {
	for f, attr := range map[Fault]string{
		Close{Code: 1005}: "code",
		Close{Code: 1000, Reason: strings.Repeat("x", 124)}: "reason",
		Latency{Latency: 1, Jitter: 2}:                      "jitter",
		Latency{}:                                           "latency",
		Reject{Status: 200}:                                 "status",
		Slicer{AverageSize: 4, SizeVariation: 4}:            "average_size",
		LimitData{}:                                         "bytes",
		Bandwidth{RateKBps: 1, Toxic: Toxic{Toxicity: 2}}:   "toxicity",
		DelayHandshake{}:                                    "delay",
	} {
		var ae *AttrError
		if err := f.Validate(); !errors.As(err, &ae) || ae.Attr != attr {
			t.Errorf("%s: err = %v, want attribute %s", f, err, attr)
		}
	}
	// Positive controls: the same kinds with good values pass.
	for _, f := range []Fault{Close{Code: 1000}, Close{Code: 4999}, Latency{Latency: 2, Jitter: 2}, Reject{Status: 503},
		Slicer{AverageSize: 4, SizeVariation: 3}, LimitData{Bytes: 1}, DelayHandshake{Delay: 1}} {
		if err := f.Validate(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestAliasesAndRoundTrip(t *testing.T) {
	for alias, canon := range map[string]string{"delay": "delay_handshake", "forget": "forget_sessions"} {
		in, ok := Lookup(alias)
		if !ok || in.Name != canon {
			t.Errorf("alias %s -> %+v", alias, in)
		}
	}
	f := Reject{Status: 503, Count: 2, RetryAfter: Duration(3e9)}
	data, err := Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeFlat(data)
	if err != nil || back != f {
		t.Fatalf("round trip %s -> %v, %v", data, back, err)
	}
	if f.NeedsDuration() || !(Reject{}).NeedsDuration() {
		t.Error("reject with count must not need a duration; without one it must")
	}
}

func TestKindsNetworkFirst(t *testing.T) {
	ks := Kinds()
	if len(ks) != 16 {
		t.Fatalf("%d kinds", len(ks))
	}
	seenServer := false
	for _, k := range ks {
		if k.Tags.Has(Server) {
			seenServer = true
		} else if seenServer {
			t.Fatalf("network kind %s after a server kind", k.Name)
		}
	}
}
