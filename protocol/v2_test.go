package protocol_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/wschaos/wschaos/protocol"
)

const producer = "0123456789abcdef0123456789abcdef"

var limits = protocol.Limits{MaxFrame: 1 << 20, History: 1024, Window: 4096, DeliverWindow: 256, MaxChannels: 1024, DedupeTTLMS: 600000}

// TestDecodeFrameReportsVersion: v1, v2 and v3 frames all decode, with their
// version; v0 and v4 fail with ErrVersion and the code "unsupported".
func TestDecodeFrameReportsVersion(t *testing.T) {
	for _, v := range []int{1, 2, 3} {
		frame, err := protocol.EncodeVersion(v, protocol.Ack{Seq: 5})
		if err != nil {
			t.Fatal(err)
		}
		m, got, err := protocol.DecodeFrame(frame)
		if err != nil || got != v || m != (protocol.Ack{Seq: 5}) {
			t.Errorf("DecodeFrame(%s) = %#v, %d, %v; want Ack{5}, %d", frame, m, got, err, v)
		}
	}
	for _, frame := range []string{`{"v":4,"type":"ack","body":{"seq":1}}`, `{"v":0,"type":"ack","body":{"seq":1}}`} {
		m, v, err := protocol.DecodeFrame([]byte(frame))
		var pe *protocol.Error
		if m != nil || v != 0 || !errors.Is(err, protocol.ErrVersion) || !errors.As(err, &pe) || pe.Code() != protocol.CodeUnsupported {
			t.Errorf("DecodeFrame(%s) = %v, %d, %v; want ErrVersion, code unsupported", frame, m, v, err)
		}
	}
	if _, err := protocol.EncodeVersion(4, protocol.Ack{}); !errors.Is(err, protocol.ErrVersion) {
		t.Errorf("EncodeVersion(4) = %v, want ErrVersion", err)
	}
}

// TestEncodeVersion1LeavesOutV2Fields: a v1 frame carries none of the v2
// keys (a strict v1 decoder would reject them), and v2-only types refuse.
func TestEncodeVersion1LeavesOutV2Fields(t *testing.T) {
	cases := []struct {
		m    protocol.Message
		want string
	}{
		{protocol.Hello{ClientID: "c", ReadLimit: 9, Producer: producer}, `{"v":1,"type":"hello","body":{"client_id":"c"}}`},
		{protocol.Welcome{Session: "s", Token: "t", HeartbeatMS: 1, ResumeTTLMS: 2, Limits: limits}, `{"v":1,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":1,"resume_ttl_ms":2}}`},
		{protocol.Resume{Session: "s", Token: "t", ReadLimit: 9}, `{"v":1,"type":"resume","body":{"session":"s","token":"t"}}`},
		{protocol.Resumed{Session: "s", Acked: 3, Limits: limits}, `{"v":1,"type":"resumed","body":{"session":"s","acked":3}}`},
		{protocol.Publish{Seq: 1, Channel: "a", Data: []byte("hi"), PSeq: 7}, `{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":"aGk="}}`},
	}
	for _, c := range cases {
		got, err := protocol.EncodeVersion(1, c.m)
		if err != nil || string(got) != c.want {
			t.Errorf("EncodeVersion(1, %#v) = %s, %v; want %s", c.m, got, err, c.want)
		}
	}
	for _, m := range []protocol.Message{protocol.Skipped{Channel: "a", Serial: 1}, protocol.Rejected{Seq: 1, Code: "too_large"}} {
		if _, err := protocol.EncodeVersion(1, m); !errors.Is(err, protocol.ErrVersion) {
			t.Errorf("EncodeVersion(1, %T) = %v, want ErrVersion", m, err)
		}
	}
}

// TestV2Validation: each new field's rule, by field name.
func TestV2Validation(t *testing.T) {
	cases := []struct {
		m     protocol.Message
		field string
	}{
		{protocol.Hello{ReadLimit: -1}, "read_limit"},
		{protocol.Hello{Producer: "abc"}, "producer"},
		{protocol.Hello{Producer: strings.Repeat("g", 32)}, "producer"},
		{protocol.Hello{Producer: strings.Repeat("a", 129)}, "producer"},
		{protocol.Resume{Session: "s", Token: "t", ReadLimit: -1}, "read_limit"},
		{protocol.Welcome{Session: "s", Token: "t", Limits: protocol.Limits{MaxFrame: -1}}, "limits.max_frame"},
		{protocol.Resumed{Session: "s", Limits: protocol.Limits{DedupeTTLMS: -1}}, "limits.dedupe_ttl_ms"},
		{protocol.Skipped{Serial: 1}, "channel"},
		{protocol.Skipped{Channel: "a"}, "serial"},
		{protocol.Skipped{Channel: "a", Serial: 1, Size: -1}, "size"},
		{protocol.Rejected{Code: "x"}, "seq"},
		{protocol.Rejected{Seq: 1}, "code"},
	}
	for _, c := range cases {
		err := protocol.Validate(c.m)
		var pe *protocol.Error
		if !errors.As(err, &pe) || pe.Field != c.field || !errors.Is(err, protocol.ErrInvalidField) {
			t.Errorf("Validate(%#v) = %v, want field %q", c.m, err, c.field)
		}
	}
	if err := protocol.Validate(protocol.Hello{Producer: strings.ToUpper(producer)}); err != nil {
		t.Errorf("upper-case hex producer: %v", err)
	}
}

// TestOverheadMatchesEncode: the helpers are exact for the longest numbers
// and an upper bound otherwise, for plain and escaped channel names.
func TestOverheadMatchesEncode(t *testing.T) {
	for _, ch := range []string{"a", "orders", "<&>", "caf\u00e9", "tab\there", strings.Repeat("c", protocol.MaxChannelBytes)} {
		for _, n := range []int{0, 1, 2, 3, 1000} {
			data := bytes.Repeat([]byte{0xff}, n)
			msg, err := protocol.Encode(protocol.ChannelMessage{Channel: ch, Serial: math.MaxUint64, Data: data})
			if err != nil {
				t.Fatal(err)
			}
			if got := protocol.MessageFrameLen(ch, n); got != int64(len(msg)) {
				t.Errorf("MessageFrameLen(%q, %d) = %d, Encode wrote %d", ch, n, got, len(msg))
			}
			pub, err := protocol.Encode(protocol.Publish{Seq: math.MaxUint64, PSeq: math.MaxUint64, Channel: ch, Data: data})
			if err != nil {
				t.Fatal(err)
			}
			if got := protocol.PublishFrameLen(ch, n); got != int64(len(pub)) {
				t.Errorf("PublishFrameLen(%q, %d) = %d, Encode wrote %d", ch, n, got, len(pub))
			}
			short, _ := protocol.Encode(protocol.ChannelMessage{Channel: ch, Serial: 1, Data: data})
			if int64(len(short)) > protocol.MessageFrameLen(ch, n) {
				t.Errorf("serial 1 frame %d longer than the bound", len(short))
			}
		}
	}
	if protocol.MessageOverhead("a") != len(`{"v":2,"type":"message","body":{"channel":"a","serial":18446744073709551615,"data":""}}`) {
		t.Errorf("MessageOverhead(a) = %d", protocol.MessageOverhead("a"))
	}
	if got := protocol.MessageFrameLen("a", 3); got != int64(protocol.MessageOverhead("a")+base64.StdEncoding.EncodedLen(3)) {
		t.Errorf("MessageFrameLen = %d", got)
	}
	if protocol.MessageOverhead("") < protocol.MaxFrameBytes {
		t.Errorf("an invalid channel must not fit any limit")
	}
}

// TestV2RoundTrip: the v2 fields survive Encode and Decode.
func TestV2RoundTrip(t *testing.T) {
	for _, m := range []protocol.Message{
		protocol.Hello{ClientID: "c", ReadLimit: 1 << 20, Producer: producer},
		protocol.Welcome{Session: "s", Token: "t", Limits: limits},
		protocol.Resumed{Session: "s", Acked: 1, Limits: limits},
		protocol.Resume{Session: "s", Token: "t", ReadLimit: 5},
		protocol.Publish{Seq: 1, Channel: "a", PSeq: 99},
	} {
		frame, err := protocol.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := protocol.Decode(frame)
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Errorf("round trip %s = %#v, %v", frame, got, err)
		}
	}
}

// TestV3EpochsAndSessionWindow: at v3 attach/attached carry the channel
// epoch and limits the session window; at v2 and v1 those keys are left
// out (a strict v2 decoder rejects them), and a v2 peer's frame without
// them still decodes at v3.
func TestV3EpochsAndSessionWindow(t *testing.T) {
	withWindow := limits
	withWindow.SessionWindow = 4096
	cases := []struct {
		m      protocol.Message
		v3, v2 string
	}{
		{protocol.Attach{Channel: "a", After: 7, Epoch: 42},
			`{"v":3,"type":"attach","body":{"channel":"a","after":7,"epoch":42}}`,
			`{"v":2,"type":"attach","body":{"channel":"a","after":7}}`},
		{protocol.Attached{Channel: "a", Serial: 9, Oldest: 1, Epoch: 42},
			`{"v":3,"type":"attached","body":{"channel":"a","serial":9,"oldest":1,"continuity_lost":false,"epoch":42}}`,
			`{"v":2,"type":"attached","body":{"channel":"a","serial":9,"oldest":1,"continuity_lost":false}}`},
		{protocol.Resumed{Session: "s", Acked: 1, Limits: withWindow},
			`{"v":3,"type":"resumed","body":{"session":"s","acked":1,"limits":{"max_frame":1048576,"history":1024,"window":4096,"deliver_window":256,"max_channels":1024,"dedupe_ttl_ms":600000,"session_window":4096}}}`,
			`{"v":2,"type":"resumed","body":{"session":"s","acked":1,"limits":{"max_frame":1048576,"history":1024,"window":4096,"deliver_window":256,"max_channels":1024,"dedupe_ttl_ms":600000}}}`},
	}
	for _, c := range cases {
		for v, want := range map[int]string{3: c.v3, 2: c.v2} {
			got, err := protocol.EncodeVersion(v, c.m)
			if err != nil || string(got) != want {
				t.Errorf("EncodeVersion(%d, %#v) = %s, %v; want %s", v, c.m, got, err, want)
			}
		}
		m, v, err := protocol.DecodeFrame([]byte(c.v3))
		if err != nil || v != 3 || !reflect.DeepEqual(m, c.m) {
			t.Errorf("DecodeFrame(%s) = %#v, %d, %v; want %#v", c.v3, m, v, err, c.m)
		}
	}
	bad := `{"v":3,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":1,"resume_ttl_ms":1,"limits":{"max_frame":1,"history":1,"window":1,"deliver_window":1,"max_channels":1,"dedupe_ttl_ms":1,"session_window":-1}}}`
	if _, err := protocol.Decode([]byte(bad)); !errors.Is(err, protocol.ErrInvalidField) {
		t.Errorf("negative session_window: %v, want ErrInvalidField", err)
	}
}
