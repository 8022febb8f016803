package scenario

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// withConnectTimeout is base with load.connect_timeout set to v (line 4).
func withConnectTimeout(v string) string {
	return strings.Replace(base, "  duration: 20s", "  duration: 20s\n  connect_timeout: "+v, 1)
}

func TestConnectTimeoutParses(t *testing.T) {
	s, err := Parse("ok.yaml", []byte(withConnectTimeout("2m30s")))
	if err != nil {
		t.Fatal(err)
	}
	if s.Load.ConnectTimeout != 150*time.Second {
		t.Fatalf("connect timeout = %v, want 2m30s", s.Load.ConnectTimeout)
	}
	p, err := s.Plan(1)
	if err != nil {
		t.Fatal(err)
	}
	if p.ConnectTimeout != 150*time.Second {
		t.Errorf("plan connect timeout = %v, want 2m30s", p.ConnectTimeout)
	}
	// Absent: zero in the scenario and the plan, so the harness's default
	// (which grows with the client count) applies.
	s, err = Parse("ok.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Plan(1); err != nil || s.Load.ConnectTimeout != 0 || p.ConnectTimeout != 0 {
		t.Errorf("absent connect_timeout: scenario %v, plan %v, err %v; want 0 and 0", s.Load.ConnectTimeout, p.ConnectTimeout, err)
	}
	// --short scales time, not the connect bound.
	s, err = Parse("ok.yaml", []byte(withConnectTimeout("90s")))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Short().Load.ConnectTimeout; got != 90*time.Second {
		t.Errorf("short connect timeout = %v, want 90s", got)
	}
}

func TestConnectTimeoutErrors(t *testing.T) {
	cases := []struct{ v, msg string }{
		{"30", "is not a duration"},
		{"soon", "is not a duration"},
		{"-5s", "must not be negative"},
		{"0", "want 1s..1h"},
		{"500ms", "want 1s..1h"},
		{"2h", "want 1s..1h"},
		{"'1m 30s'", "is not a duration"},
	}
	for _, c := range cases {
		t.Run(c.v, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(withConnectTimeout(c.v)))
			var es Errors
			if !errors.As(err, &es) || len(es) != 1 {
				t.Fatalf("Parse = %v; want exactly one scenario error", err)
			}
			e := es[0]
			if e.Line != 4 || e.Field != "load.connect_timeout" || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("got %q (line %d, field %q); want line 4, field load.connect_timeout, message containing %q", e.Error(), e.Line, e.Field, c.msg)
			}
		})
	}
	// A type mismatch (a list) is reported at the field too.
	_, err := Parse("bad.yaml", []byte(withConnectTimeout("[1s]")))
	var es Errors
	if !errors.As(err, &es) || len(es) == 0 || es[0].Field != "load.connect_timeout" {
		t.Errorf("list value: %v; want an error at load.connect_timeout", err)
	}
}
