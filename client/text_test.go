package client

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// textCase is one type under test: its values in order and their names.
type textCase struct {
	typ    string
	names  []string
	value  func(i int) encoding.TextMarshaler
	parsed func(text string) (int, error)
}

func textCases() []textCase {
	return []textCase{
		{"JitterMode", []string{"proportional", "none", "full", "equal", "decorrelated", "phased"},
			func(i int) encoding.TextMarshaler { return JitterMode(i) },
			func(t string) (int, error) { var v JitterMode; err := v.UnmarshalText([]byte(t)); return int(v), err }},
		{"OverflowPolicy", []string{"block", "error", "drop_oldest"},
			func(i int) encoding.TextMarshaler { return OverflowPolicy(i) },
			func(t string) (int, error) {
				var v OverflowPolicy
				err := v.UnmarshalText([]byte(t))
				return int(v), err
			}},
		{"State", []string{"connecting", "connected", "reconnecting", "failed", "closed"},
			func(i int) encoding.TextMarshaler { return State(i) },
			func(t string) (int, error) { var v State; err := v.UnmarshalText([]byte(t)); return int(v), err }},
		{"LimitKind", []string{"max attempts", "max elapsed"},
			func(i int) encoding.TextMarshaler { return LimitKind(i) },
			func(t string) (int, error) { var v LimitKind; err := v.UnmarshalText([]byte(t)); return int(v), err }},
	}
}

// TestTextRoundTrip: every value marshals to its scenario-file name and
// parses back from it in any case; String agrees with MarshalText.
func TestTextRoundTrip(t *testing.T) {
	for _, tc := range textCases() {
		for i, want := range tc.names {
			v := tc.value(i)
			got, err := v.MarshalText()
			if err != nil || string(got) != want {
				t.Errorf("%s(%d).MarshalText() = %q, %v; want %q", tc.typ, i, got, err, want)
			}
			if s := fmt.Sprint(v); s != want {
				t.Errorf("%s(%d).String() = %q, want %q", tc.typ, i, s, want)
			}
			for _, text := range []string{want, strings.ToUpper(want), " " + want + " "} {
				if n, err := tc.parsed(text); err != nil || n != i {
					t.Errorf("%s.UnmarshalText(%q) = %d, %v; want %d", tc.typ, text, n, err, i)
				}
			}
		}
	}
}

// TestTextInvalid: an unknown name is an error listing every valid name and
// leaves the value alone; an out-of-range value does not marshal.
func TestTextInvalid(t *testing.T) {
	for _, tc := range textCases() {
		n, err := tc.parsed("bogus")
		if err == nil || n != 0 {
			t.Fatalf("%s.UnmarshalText(bogus) = %d, %v; want an error", tc.typ, n, err)
		}
		for _, name := range tc.names {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("%s error %q does not list %q", tc.typ, err, name)
			}
		}
		for _, i := range []int{-1, len(tc.names)} {
			if _, err := tc.value(i).MarshalText(); err == nil {
				t.Errorf("%s(%d).MarshalText() succeeded", tc.typ, i)
			}
		}
	}
	j := JitterFull
	if err := j.UnmarshalText([]byte("nope")); err == nil || j != JitterFull {
		t.Fatalf("failed parse changed the value to %v (err %v)", j, err)
	}
}

// TestTextJSON: the types work as JSON map values and keys through the
// encoding.Text interfaces.
func TestTextJSON(t *testing.T) {
	type doc struct {
		Jitter   JitterMode
		Overflow OverflowPolicy
		State    State
		Kind     LimitKind
	}
	in := doc{JitterDecorrelated, OverflowDropOldest, StateReconnecting, LimitMaxElapsed}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Jitter":"decorrelated","Overflow":"drop_oldest","State":"reconnecting","Kind":"max elapsed"}`
	if string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var out doc
	if err := json.Unmarshal([]byte(`{"Jitter":"DECORRELATED","Overflow":"Drop_Oldest","State":"reconnecting","Kind":"max_elapsed"}`), &out); err != nil || out != in {
		t.Fatalf("unmarshal = %+v, %v; want %+v", out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"Overflow":"drop"}`), &out); err == nil || !strings.Contains(err.Error(), "block, error, drop_oldest") {
		t.Fatalf("bad policy error = %v", err)
	}
}

// TestLimitErrorKind: the supervisor's LimitError carries the typed kind and
// the old text field, and both agree.
func TestLimitErrorKind(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &LimitError{Kind: LimitMaxElapsed, Limit: LimitMaxElapsed.String(), Attempts: 2})
	var le *LimitError
	if !errors.As(err, &le) || le.Kind != LimitMaxElapsed || le.Limit != "max elapsed" {
		t.Fatalf("LimitError = %+v", le)
	}
}
