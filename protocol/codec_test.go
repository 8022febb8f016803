package protocol_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/wschaos/wschaos/protocol"
)

// samples holds one fully populated value of every message type.
var samples = []protocol.Message{
	protocol.Hello{ClientID: "client-7"},
	protocol.Hello{},
	protocol.Welcome{Session: "5f2c9a", Token: "t0k", HeartbeatMS: 10000, ResumeTTLMS: 60000},
	protocol.Resume{Session: "5f2c9a", Token: "t0k"},
	protocol.Resumed{Session: "5f2c9a", Acked: 41},
	protocol.ResumeFailed{Reason: "unknown session"},
	protocol.ResumeFailed{},
	protocol.Attach{Channel: "orders", After: 17},
	protocol.Attached{Channel: "orders", Serial: 99, Oldest: 20, ContinuityLost: true},
	protocol.Detach{Channel: "orders"},
	protocol.Detached{Channel: "orders"},
	protocol.Publish{Seq: 1, Channel: "orders", Data: []byte("hello\x00\xff")},
	protocol.Publish{Seq: 1<<64 - 1, Channel: strings.Repeat("c", protocol.MaxChannelBytes), Data: []byte{}},
	protocol.Publish{Seq: 2, Channel: "x"}, // nil Data travels as null
	protocol.Ack{Seq: 41},
	protocol.Ack{},
	protocol.ChannelMessage{Channel: "orders", Serial: 7, Data: []byte(`{"json":"inside"}`)},
	protocol.DeliverAck{Channel: "orders", Serial: 7},
	protocol.ErrorMessage{Code: protocol.CodeBadFrame, Message: "bad <frame> & more"},
	protocol.Hello{ClientID: "c", ReadLimit: 1 << 20, Producer: "0123456789abcdef0123456789abcdef"},
	protocol.Welcome{Session: "s", Token: "t", Limits: protocol.Limits{MaxFrame: 1 << 20, History: 1024, Window: 4096, DeliverWindow: 256, MaxChannels: 1024, DedupeTTLMS: 600000}},
	protocol.Resumed{Session: "s", Acked: 2, Limits: protocol.Limits{MaxFrame: 5}},
	protocol.Publish{Seq: 3, Channel: "x", Data: []byte("p"), PSeq: 77},
	protocol.Skipped{Channel: "orders", Serial: 8, Size: 2 << 20, Reason: protocol.ReasonTooLarge},
	protocol.Rejected{Seq: 4, Code: protocol.CodeTooLarge, Message: "frame of 2 MiB over max_frame"},
}

func TestRoundTripEveryType(t *testing.T) {
	seen := map[protocol.Type]bool{}
	for _, m := range samples {
		frame, err := protocol.Encode(m)
		if err != nil {
			t.Fatalf("Encode(%#v): %v", m, err)
		}
		got, err := protocol.Decode(frame)
		if err != nil {
			t.Fatalf("Decode(%s): %v", frame, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip of %s:\n got %#v\nwant %#v", frame, got, m)
		}
		seen[m.MessageType()] = true
	}
	if len(seen) != 16 {
		t.Errorf("samples cover %d message types, want all 16", len(seen))
	}
}

func TestEncodeWireShape(t *testing.T) {
	frame, err := protocol.Encode(protocol.Publish{Seq: 3, Channel: "a", Data: []byte("hi")})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"v":3,"type":"publish","body":{"seq":3,"channel":"a","data":"aGk="}}`
	if string(frame) != want {
		t.Errorf("Encode = %s, want %s", frame, want)
	}
}

func TestDecodeAcceptsWhitespaceAndFieldOrder(t *testing.T) {
	frame := " {\n\"body\" : {\"data\":\"aGk=\", \"channel\":\"a\",\"seq\":3}, \"type\":\"publish\",\"v\":1 }\n"
	got, err := protocol.Decode([]byte(frame))
	if err != nil {
		t.Fatal(err)
	}
	want := protocol.Publish{Seq: 3, Channel: "a", Data: []byte("hi")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		frame    string
		sentinel error
		typ      protocol.Type
		field    string
		code     string
	}{
		{"empty", ``, protocol.ErrMalformed, "", "", protocol.CodeBadFrame},
		{"not json", `hello`, protocol.ErrMalformed, "", "", protocol.CodeBadFrame},
		{"not an object", `[1,2]`, protocol.ErrMalformed, "", "", protocol.CodeBadFrame},
		{"truncated", `{"v":1,"type":"ack","body":{"seq":1}`, protocol.ErrMalformed, "", "", protocol.CodeBadFrame},
		{"trailing data", `{"v":1,"type":"ack","body":{"seq":1}} {}`, protocol.ErrMalformed, "", "", protocol.CodeBadFrame},
		{"trailing garbage", `{"v":1,"type":"ack","body":{"seq":1}}x`, protocol.ErrMalformed, "", "", protocol.CodeBadFrame},
		{"unknown envelope field", `{"v":1,"type":"ack","body":{"seq":1},"extra":0}`, protocol.ErrMalformed, "", "extra", protocol.CodeBadFrame},
		{"envelope key wrong case", `{"V":1,"type":"ack","body":{"seq":1}}`, protocol.ErrMalformed, "", "V", protocol.CodeBadFrame},
		{"duplicate envelope key", `{"v":1,"v":2,"type":"ack","body":{"seq":1}}`, protocol.ErrMalformed, "", "v", protocol.CodeBadFrame},
		{"missing version", `{"type":"ack","body":{"seq":1}}`, protocol.ErrVersion, protocol.TypeAck, "v", protocol.CodeUnsupported},
		{"wrong version", `{"v":4,"type":"ack","body":{"seq":1}}`, protocol.ErrVersion, protocol.TypeAck, "v", protocol.CodeUnsupported},
		{"version as string", `{"v":"1","type":"ack","body":{"seq":1}}`, protocol.ErrMalformed, "", "v", protocol.CodeBadFrame},
		{"unknown type", `{"v":1,"type":"shout","body":{}}`, protocol.ErrUnknownType, "", "type", protocol.CodeUnsupported},
		{"missing type", `{"v":1,"body":{}}`, protocol.ErrUnknownType, "", "type", protocol.CodeUnsupported},
		{"missing body", `{"v":1,"type":"ack"}`, protocol.ErrInvalidField, protocol.TypeAck, "body", protocol.CodeBadFrame},
		{"null body", `{"v":1,"type":"ack","body":null}`, protocol.ErrInvalidField, protocol.TypeAck, "body", protocol.CodeBadFrame},
		{"body not object", `{"v":1,"type":"ack","body":[1]}`, protocol.ErrMalformed, protocol.TypeAck, "body", protocol.CodeBadFrame},
		{"unknown body field", `{"v":1,"type":"ack","body":{"seq":1,"sequence":2}}`, protocol.ErrMalformed, protocol.TypeAck, "sequence", protocol.CodeBadFrame},
		{"body key wrong case", `{"v":1,"type":"ack","body":{"Seq":1}}`, protocol.ErrMalformed, protocol.TypeAck, "Seq", protocol.CodeBadFrame},
		{"duplicate body key", `{"v":1,"type":"ack","body":{"seq":1,"seq":2}}`, protocol.ErrMalformed, protocol.TypeAck, "seq", protocol.CodeBadFrame},
		{"negative seq", `{"v":1,"type":"ack","body":{"seq":-1}}`, protocol.ErrMalformed, protocol.TypeAck, "seq", protocol.CodeBadFrame},
		{"seq overflow", `{"v":1,"type":"ack","body":{"seq":18446744073709551616}}`, protocol.ErrMalformed, protocol.TypeAck, "seq", protocol.CodeBadFrame},
		{"bad base64", `{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":"!!"}}`, protocol.ErrMalformed, protocol.TypePublish, "body", protocol.CodeBadFrame},
		{"publish missing seq", `{"v":1,"type":"publish","body":{"channel":"a","data":""}}`, protocol.ErrInvalidField, protocol.TypePublish, "seq", protocol.CodeBadFrame},
		{"publish missing channel", `{"v":1,"type":"publish","body":{"seq":1}}`, protocol.ErrInvalidField, protocol.TypePublish, "channel", protocol.CodeBadFrame},
		{"channel too long", `{"v":1,"type":"attach","body":{"channel":"` + strings.Repeat("c", protocol.MaxChannelBytes+1) + `","after":0}}`, protocol.ErrInvalidField, protocol.TypeAttach, "channel", protocol.CodeBadFrame},
		{"message serial zero", `{"v":1,"type":"message","body":{"channel":"a","serial":0,"data":""}}`, protocol.ErrInvalidField, protocol.TypeMessage, "serial", protocol.CodeBadFrame},
		{"welcome missing token", `{"v":1,"type":"welcome","body":{"session":"s","heartbeat_ms":1,"resume_ttl_ms":1}}`, protocol.ErrInvalidField, protocol.TypeWelcome, "token", protocol.CodeBadFrame},
		{"welcome negative heartbeat", `{"v":1,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":-1,"resume_ttl_ms":1}}`, protocol.ErrInvalidField, protocol.TypeWelcome, "heartbeat_ms", protocol.CodeBadFrame},
		{"resume missing session", `{"v":1,"type":"resume","body":{"token":"t"}}`, protocol.ErrInvalidField, protocol.TypeResume, "session", protocol.CodeBadFrame},
		{"resumed missing session", `{"v":1,"type":"resumed","body":{"acked":1}}`, protocol.ErrInvalidField, protocol.TypeResumed, "session", protocol.CodeBadFrame},
		{"deliver_ack missing channel", `{"v":1,"type":"deliver_ack","body":{"serial":3}}`, protocol.ErrInvalidField, protocol.TypeDeliverAck, "channel", protocol.CodeBadFrame},
		{"error missing code", `{"v":1,"type":"error","body":{"message":"m"}}`, protocol.ErrInvalidField, protocol.TypeError, "code", protocol.CodeBadFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := protocol.Decode([]byte(tt.frame))
			if err == nil {
				t.Fatalf("Decode(%s) = %#v, want error", tt.frame, m)
			}
			if m != nil {
				t.Errorf("Decode returned message %#v along with error", m)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v is not %v", err, tt.sentinel)
			}
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *protocol.Error", err)
			}
			if pe.Type != tt.typ || pe.Field != tt.field {
				t.Errorf("Type, Field = %q, %q; want %q, %q (err %v)", pe.Type, pe.Field, tt.typ, tt.field, err)
			}
			if pe.Code() != tt.code {
				t.Errorf("Code() = %q, want %q", pe.Code(), tt.code)
			}
			if !strings.HasPrefix(err.Error(), "protocol: ") {
				t.Errorf("message %q lacks the package prefix", err)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	pad := strings.Repeat("a", protocol.MaxFrameBytes)
	frame := []byte(`{"v":1,"type":"hello","body":{"client_id":"` + pad + `"}}`)
	_, err := protocol.Decode(frame)
	if !errors.Is(err, protocol.ErrTooLarge) {
		t.Fatalf("Decode of %d bytes: %v, want ErrTooLarge", len(frame), err)
	}
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code() != protocol.CodeTooLarge {
		t.Errorf("error %v: want *protocol.Error with code too_large", err)
	}

	small, _ := protocol.Encode(protocol.Ack{Seq: 1})
	if _, err := protocol.DecodeLimit(small, len(small)); err != nil {
		t.Errorf("DecodeLimit at exactly the limit: %v", err)
	}
	if _, err := protocol.DecodeLimit(small, len(small)-1); !errors.Is(err, protocol.ErrTooLarge) {
		t.Errorf("DecodeLimit one byte over: %v, want ErrTooLarge", err)
	}
}

func TestEncodeRejectsInvalid(t *testing.T) {
	tests := []struct {
		name  string
		m     protocol.Message
		field string
		is    error
	}{
		{"nil", nil, "", protocol.ErrInvalidField},
		{"nil pointer", (*protocol.Hello)(nil), "", protocol.ErrUnknownType},
		{"pointer", &protocol.Ack{Seq: 1}, "", protocol.ErrUnknownType},
		{"publish seq 0", protocol.Publish{Channel: "a"}, "seq", protocol.ErrInvalidField},
		{"attach no channel", protocol.Attach{}, "channel", protocol.ErrInvalidField},
		{"hello id too long", protocol.Hello{ClientID: strings.Repeat("x", protocol.MaxChannelBytes+1)}, "client_id", protocol.ErrInvalidField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame, err := protocol.Encode(tt.m)
			if err == nil {
				t.Fatalf("Encode = %s, want error", frame)
			}
			var pe *protocol.Error
			if !errors.Is(err, tt.is) || !errors.As(err, &pe) || pe.Field != tt.field {
				t.Errorf("err = %v; want %v with field %q", err, tt.is, tt.field)
			}
		})
	}
}

// TestDecodeDoesNotAlias guards against Decode handing out slices of the
// frame: the transport reuses read buffers.
func TestDecodeDoesNotAlias(t *testing.T) {
	frame, _ := protocol.Encode(protocol.ChannelMessage{Channel: "a", Serial: 1, Data: []byte("payload")})
	m, err := protocol.Decode(frame)
	if err != nil {
		t.Fatal(err)
	}
	for i := range frame {
		frame[i] = 'X'
	}
	if got := m.(protocol.ChannelMessage); got.Channel != "a" || !bytes.Equal(got.Data, []byte("payload")) {
		t.Errorf("decoded message changed with its frame: %#v", got)
	}
}
