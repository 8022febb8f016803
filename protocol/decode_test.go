package protocol

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// referenceDecode is DecodeLimit as it was before the fast path: the same
// key checks, then encoding/json for every value. It is the oracle for
// FuzzFastPathMatchesJSON: whatever a frame holds, the fast path must
// accept the same message or fail with the same error.
func referenceDecode(frame []byte) (Message, error) {
	if !json.Valid(frame) {
		return DecodeLimit(frame, MaxFrameBytes) // unchanged path
	}
	checkKeys := func(obj []byte, names []string) (string, error) {
		_, field, err := scanObject(obj, names, nil)
		return field, err
	}
	typeErrorField := func(err error) string {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return te.Field
		}
		return ""
	}
	malformed := func(err error) error { return errors.Join(ErrMalformed, err) }
	if field, err := checkKeys(frame, envelopeSpec.names); err != nil {
		return nil, &Error{Field: field, Err: malformed(err)}
	}
	var env envelope
	if err := json.Unmarshal(frame, &env); err != nil {
		return nil, &Error{Field: typeErrorField(err), Err: malformed(err)}
	}
	if env.V < MinVersion || env.V > Version {
		return nil, &Error{Type: env.Type, Field: "v", Err: ErrVersion}
	}
	spec := messageSpecs[env.Type]
	if spec == nil {
		return nil, &Error{Field: "type", Err: ErrUnknownType}
	}
	if len(env.Body) == 0 || string(env.Body) == "null" {
		return nil, &Error{Type: env.Type, Field: "body", Err: ErrInvalidField}
	}
	body := func(field string) string {
		if field == "" {
			return "body"
		}
		return field
	}
	if field, err := checkKeys(env.Body, spec.names); err != nil {
		return nil, &Error{Type: env.Type, Field: body(field), Err: malformed(err)}
	}
	p := reflect.New(spec.rtype)
	if err := json.Unmarshal(env.Body, p.Interface()); err != nil {
		return nil, &Error{Type: env.Type, Field: body(typeErrorField(err)), Err: malformed(err)}
	}
	msg := p.Elem().Interface().(Message)
	if err := Validate(msg); err != nil {
		return nil, err
	}
	return msg, nil
}

type decodeFunc func([]byte) (Message, error)

// sameResult reports how decode and the reference differ on frame, or "".
func sameResult(decode decodeFunc, frame []byte) string {
	got, gerr := decode(frame)
	want, werr := referenceDecode(frame)
	if (gerr == nil) != (werr == nil) {
		return "one accepts, the other fails: " + errString(gerr) + " | " + errString(werr)
	}
	if gerr == nil {
		if !reflect.DeepEqual(got, want) {
			return "different messages"
		}
		return ""
	}
	var g, w *Error
	if !errors.As(gerr, &g) || !errors.As(werr, &w) {
		return "not *Error: " + gerr.Error()
	}
	for _, s := range []error{ErrMalformed, ErrVersion, ErrUnknownType, ErrInvalidField} {
		if errors.Is(gerr, s) != errors.Is(werr, s) {
			return "different sentinels: " + gerr.Error() + " | " + werr.Error()
		}
	}
	if g.Type != w.Type || g.Field != w.Field || g.Code() != w.Code() {
		return "different Type/Field/Code: " + gerr.Error() + " | " + werr.Error()
	}
	// The innermost cause (a json or base64 error) must read the same.
	if gc, wc := innermost(gerr), innermost(werr); gc.Error() != wc.Error() {
		return "different causes: " + gc.Error() + " | " + wc.Error()
	}
	return ""
}

func innermost(err error) error {
	for {
		switch e := err.(type) {
		case interface{ Unwrap() []error }:
			err = e.Unwrap()[len(e.Unwrap())-1]
		case interface{ Unwrap() error }:
			if e.Unwrap() == nil {
				return err
			}
			err = e.Unwrap()
		default:
			return err
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// fastPathSeeds hit each value on its fast path and off it.
var fastPathSeeds = []string{
	`{"v":1,"type":"message","body":{"channel":"orders","serial":7,"data":"aGk="}}`,
	`{"v":1,"type":"publish","body":{"seq":1,"channel":"caf\u00e9","data":"aGk="}}`,
	`{"v":1,"type":"publish","body":{"seq":1,"channel":"café","data":"aGk="}}`,
	"{\"v\":1,\"type\":\"publish\",\"body\":{\"seq\":1,\"channel\":\"a\xffb\",\"data\":\"\"}}",
	`{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":"aG\nk="}}`,
	`{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":"aG\u006b="}}`,
	`{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":"!!"}}`,
	`{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":[104,105]}}`,
	`{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":[104,"x"]}}`,
	`{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":null}}`,
	`{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":5}}`,
	`{"v":1,"type":"publish","body":{"seq":1e2,"channel":"a"}}`,
	`{"v":1,"type":"publish","body":{"seq":1.0,"channel":"a"}}`,
	`{"v":1,"type":"publish","body":{"seq":-0,"channel":"a"}}`,
	`{"v":1,"type":"publish","body":{"seq":null,"channel":"a"}}`,
	`{"v":1,"type":"publish","body":{"seq":18446744073709551615,"channel":"a"}}`,
	`{"v":1,"type":"publish","body":{"seq":18446744073709551616,"channel":"a"}}`,
	`{"v":1,"type":"publish","body":{"seq":9999999999999999999,"channel":"a"}}`,
	`{"v":1,"type":"publish","body":{"channel":5,"seq":"x"}}`,
	`{"v":1,"type":"publish","body":{"seq":"x","channel":5}}`,
	`{"v":1,"type":"publish","body":{"seq":"x","Seq":1}}`,
	`{"v":1,"type":"attached","body":{"channel":"a","serial":1,"oldest":1,"continuity_lost":true}}`,
	`{"v":1,"type":"attached","body":{"channel":"a","serial":1,"oldest":1,"continuity_lost":1}}`,
	`{"v":1,"type":"attached","body":{"channel":"a","serial":1,"oldest":1,"continuity_lost":null}}`,
	`{"v":1,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":9223372036854775807,"resume_ttl_ms":-5}}`,
	`{"v":1,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":9223372036854775808,"resume_ttl_ms":1}}`,
	`{"v":1,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":1e3,"resume_ttl_ms":1}}`,
	`{"v":1.0,"type":"ack","body":{"seq":1}}`,
	`{"v":null,"type":"ack","body":{"seq":1}}`,
	`{"v":01,"type":"ack","body":{"seq":1}}`,
	`{"v":"1","type":5,"body":{"seq":1}}`,
	`{"type":5,"v":"1","body":{"seq":1}}`,
	`{"v":1,"type":"\u0061ck","body":{"seq":1}}`,
	`{"v":1,"type":null,"body":{"seq":1}}`,
	`{"v":2,"type":"shout","body":{}}`,
	`{"v":1,"type":"ack","body":"x"}`,
	`{"v":1,"type":"ack","body":{"\u0073eq":1}}`,
	`{"v":1,"type":"ack","body":{"seq":1,"\u0073eq":2}}`,
	`{"v":1,"type":"hello","body":{"client_id":"tab\tinside"}}`,
	`{"v":1,"type":"hello","body":{"client_id":"quote\"inside"}}`,
	`{"v":1,"type":"hello","body":{}}`,
	`{"v":2,"type":"hello","body":{"client_id":"c","read_limit":1048576,"producer":"0123456789abcdef0123456789abcdef"}}`,
	`{"v":2,"type":"hello","body":{"producer":"xyz"}}`,
	`{"v":2,"type":"hello","body":{"read_limit":-1}}`,
	`{"v":3,"type":"hello","body":{}}`,
	`{"v":0,"type":"hello","body":{}}`,
	`{"v":2,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":1,"resume_ttl_ms":1,"limits":{"max_frame":1048576,"history":1024,"window":4096,"deliver_window":256,"max_channels":1024,"dedupe_ttl_ms":600000}}}`,
	`{"v":2,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":1,"resume_ttl_ms":1,"limits":{"max_frame":"x"}}}`,
	`{"v":2,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":1,"resume_ttl_ms":1,"limits":{"history":-1}}}`,
	`{"v":2,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":1,"resume_ttl_ms":1,"limits":{"MAX_FRAME":5}}}`,
	`{"v":2,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":1,"resume_ttl_ms":1,"limits":[1]}}`,
	`{"v":2,"type":"resumed","body":{"session":"s","acked":3,"limits":{"window":2}}}`,
	`{"v":2,"type":"resume","body":{"session":"s","token":"t","read_limit":5}}`,
	`{"v":2,"type":"publish","body":{"seq":1,"channel":"a","data":"aGk=","pseq":9}}`,
	`{"v":2,"type":"publish","body":{"seq":1,"channel":"a","data":"aGk=","pseq":-9}}`,
	`{"v":2,"type":"skipped","body":{"channel":"a","serial":4,"size":2000000,"reason":"too_large"}}`,
	`{"v":2,"type":"skipped","body":{"channel":"a","serial":0,"size":1,"reason":"too_large"}}`,
	`{"v":2,"type":"rejected","body":{"seq":4,"code":"too_large","message":"m"}}`,
	`{"v":2,"type":"rejected","body":{"seq":4,"code":""}}`,
	// Canonical forms (fast.go) and near misses.
	`{"v":2,"type":"publish","body":{"seq":1,"channel":"a","data":null,"pseq":7}}`,
	`{"v":1,"type":"publish","body":{"seq":0,"channel":"a","data":""}}`,
	`{"v":2,"type":"message","body":{"channel":"a<b","serial":9,"data":"aGk"}}`,
	`{"v":2,"type":"deliver_ack","body":{"channel":"","serial":3}}`,
	`{"v":2,"type":"ack","body":{"seq":9999999999999999999}}`,
}

// FuzzFastPathMatchesJSON checks that Decode's fast path and encoding/json
// agree on every frame: the same message, or the same error (sentinels,
// Type, Field, code and the underlying cause's text).
func FuzzFastPathMatchesJSON(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		if diff := sameResult(Decode, frame); diff != "" {
			t.Fatalf("%q: %s", frame, diff)
		}
	})
}

// TestFastPathControl: the comparison catches decoders that differ in the
// message, in the field an error names, or in its cause.
func TestFastPathControl(t *testing.T) {
	offByOne := func(b []byte) (Message, error) {
		m, err := Decode(b)
		if a, ok := m.(Ack); ok {
			a.Seq++
			return a, err
		}
		return m, err
	}
	wrongField := func(b []byte) (Message, error) {
		m, err := Decode(b)
		var pe *Error
		if errors.As(err, &pe) {
			pe.Field = "data"
		}
		return m, err
	}
	wrongCause := func(b []byte) (Message, error) {
		m, err := Decode(b)
		var pe *Error
		if errors.As(err, &pe) {
			pe.Err = errors.Join(ErrMalformed, errors.New("something else"))
		}
		return m, err
	}
	for _, tc := range []struct {
		name   string
		decode decodeFunc
		frame  string
	}{
		{"message", offByOne, `{"v":1,"type":"ack","body":{"seq":1}}`},
		{"field", wrongField, `{"v":1,"type":"publish","body":{"seq":1,"channel":"a","data":"!!"}}`},
		{"cause", wrongCause, `{"v":1,"type":"ack","body":{"seq":-1}}`},
	} {
		if sameResult(Decode, []byte(tc.frame)) != "" {
			t.Fatalf("%s: Decode itself differs on %s", tc.name, tc.frame)
		}
		if sameResult(tc.decode, []byte(tc.frame)) == "" {
			t.Errorf("%s: a broken decoder passed the comparison on %s", tc.name, tc.frame)
		}
	}
}
