package scenario

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
)

// base is a valid scenario the error cases below break one field at a time.
const base = `name: t
load:
  duration: 20s
timeline:
  - at: 2s
    fault: latency
    duration: 3s
    attributes: {latency: 100ms}
slos:
  - lost == 0
`

func TestParseValid(t *testing.T) {
	s, err := Parse("ok.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "t" || s.Load.Duration != 20*time.Second || s.Load.Clients != DefaultClients || s.Stack.Mode != StackEmbedded {
		t.Fatalf("unexpected scenario %+v", s)
	}
	if len(s.Timeline) != 1 || s.Timeline[0].Attributes["latency"] != 100*time.Millisecond || s.Timeline[0].Pos.Line != 5 {
		t.Fatalf("timeline %+v", s.Timeline)
	}
	if len(s.SLOs) != 1 || s.SLOs[0].Expr.Metric.Name != "lost" || s.SLOs[0].Pos.Line != 10 {
		t.Fatalf("slos %+v", s.SLOs)
	}
}

func TestParseFull(t *testing.T) {
	src := `name: full
description: every field
seed: 42
stack:
  mode: external
  target: ws://127.0.0.1:9000/session
  toxiproxy: http://127.0.0.1:8474
client:
  handshake_timeout: 2s
  min_uptime: 1s
  backoff: {base: 100ms, cap: 2s, multiplier: 1.5, jitter: proportional, fraction: 0.5}
  limits: {max_attempts: 3, max_elapsed: 10s}
  heartbeat: {interval: 1s, timeout: 3s}
  queue: {max_messages: 10, max_bytes: 1000, overflow: drop_oldest}
load:
  clients: 3
  channels: 1
  publish: {up: 1.5, down: 0}
  message_size: 32
  duration: 10s
timeline:
  - {at: 1s, fault: timeout, duration: 2s, attributes: {timeout: 0, stream: downstream, toxicity: 0.5}}
  - {at: 1s, fault: latency, duration: 2s, attributes: {latency: 1s, jitter: 10ms}}
slos: [uptime >= 99.9%, recovery_p99 < 30s]
short: {time_scale: 0.5, clients: 1}
`
	s, err := Parse("full.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := Client{HandshakeTimeout: 2 * time.Second, MinUptime: time.Second,
		Backoff:     Backoff{Base: 100 * time.Millisecond, Cap: 2 * time.Second, Multiplier: 1.5, Jitter: client.JitterProportional, Fraction: 0.5},
		MaxAttempts: 3, MaxElapsed: 10 * time.Second, PingInterval: time.Second, PongTimeout: 3 * time.Second,
		QueueMessages: 10, QueueBytes: 1000, Overflow: client.OverflowDropOldest}
	if s.Client != want {
		t.Errorf("client = %+v\nwant %+v", s.Client, want)
	}
	if !s.HasSeed || s.Seed != 42 || s.Stack.Proxy != DefaultProxy || s.Load.Up != 1.5 || s.Load.Down != 0 {
		t.Errorf("scenario = %+v", s)
	}
	sh := s.Short()
	if sh.Load.Duration != 5*time.Second || sh.Load.Clients != 1 || sh.Timeline[0].At != 500*time.Millisecond || sh.Timeline[0].Duration != time.Second {
		t.Errorf("short = %+v", sh)
	}
	if s.Load.Duration != 10*time.Second || s.Timeline[0].At != time.Second {
		t.Errorf("Short changed the original: %+v", s)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		line  int
		field string
		msg   string
	}{
		{"unknown top-level key", base + "colour: red\n", 11, "colour", `unknown field "colour"`},
		{"unknown nested key", strings.Replace(base, "  duration: 20s", "  duration: 20s\n  clinets: 3", 1), 4, "load.clinets", `unknown field "clinets"`},
		{"bad duration", strings.Replace(base, "duration: 20s", "duration: 20 seconds", 1), 3, "load.duration", "is not a duration"},
		{"duration without unit", strings.Replace(base, "duration: 20s", "duration: 20", 1), 3, "load.duration", "is not a duration"},
		{"missing duration", strings.Replace(base, "  duration: 20s\n", "  clients: 2\n", 1), 2, "load.duration", "is required"},
		{"negative at", strings.Replace(base, "at: 2s", "at: -2s", 1), 5, "timeline[0].at", "must not be negative"},
		{"fault ends after run", strings.Replace(base, "duration: 3s", "duration: 19s", 1), 7, "timeline[0].duration", "after the run ends"},
		{"fault starts after run", strings.Replace(base, "at: 2s", "at: 25s", 1), 5, "timeline[0].at", "not before the end of the run"},
		{"unknown fault", strings.Replace(base, "fault: latency", "fault: earthquake", 1), 6, "timeline[0].fault", `unknown fault "earthquake"`},
		{"unknown attribute", strings.Replace(base, "{latency: 100ms}", "{latency: 100ms, colour: red}", 1), 8, "timeline[0].attributes.colour", `unknown attribute "colour"`},
		{"missing attribute", strings.Replace(base, "{latency: 100ms}", "{jitter: 1ms}", 1), 5, "timeline[0]", "needs attribute latency"},
		{"bad attribute type", strings.Replace(base, "{latency: 100ms}", "{latency: fast}", 1), 8, "timeline[0].attributes.latency", "not a duration"},
		{"jitter above latency", strings.Replace(base, "{latency: 100ms}", "{latency: 100ms, jitter: 1s}", 1), 8, "timeline[0].attributes.jitter", "exceeds latency"},
		{"instant with duration", strings.Replace(strings.Replace(base, "fault: latency", "fault: drop", 1), "    attributes: {latency: 100ms}\n", "", 1), 7, "timeline[0].duration", "instant"},
		{"non-instant without duration", strings.Replace(base, "    duration: 3s\n", "", 1), 5, "timeline[0]", "duration is required"},
		{"unknown metric", strings.Replace(base, "lost == 0", "lots == 0", 1), 10, "slos[0]", `unknown metric "lots"`},
		{"slo wrong unit", strings.Replace(base, "lost == 0", "recovery_p99 < 30", 1), 10, "slos[0]", "want a duration"},
		{"no slos", strings.Replace(base, "slos:\n  - lost == 0\n", "", 1), 1, "slos", "at least one SLO"},
		{"type mismatch", strings.Replace(base, "  duration: 20s", "  duration: 20s\n  clients: many", 1), 4, "load.clients", ""},
		{"scalar where mapping", strings.Replace(base, "load:\n  duration: 20s", "load: 20s", 1), 2, "load", "want a mapping"},
		{"mapping where list", strings.Replace(base, "slos:\n  - lost == 0", "slos: {a: b}", 1), 9, "slos", "want a list"},
		{"bad name", strings.Replace(base, "name: t", "name: Has Spaces", 1), 1, "name", "lowercase"},
		{"bad stack mode", "stack: {mode: cloud}\n" + base, 1, "stack.mode", "want embedded or external"},
		{"external without urls", "stack: {mode: external}\n" + base, 1, "stack.toxiproxy", "is required with mode external"},
		{"external bad target", "stack: {mode: external, target: 'http://x/', toxiproxy: 'http://127.0.0.1:2'}\n" + base, 1, "stack.target", "want a ws:// or wss:// URL"},
		{"external with server fault", "stack: {mode: external, target: 'ws://127.0.0.1:1/', toxiproxy: 'http://127.0.0.1:2'}\n" +
			strings.Replace(strings.Replace(base, "fault: latency", "fault: stall", 1), "    attributes: {latency: 100ms}\n", "", 1), 7, "timeline[0].fault", "needs wschaos's own fault server"},
		{"embedded with target", "stack: {target: 'ws://127.0.0.1:1/'}\n" + base, 1, "stack.target", "only for mode external"},
		{"target proxy without toxiproxy", "stack: {mode: external, target: 'ws://127.0.0.1:1/', proxy: p}\n" + base, 1, "stack.proxy", "set stack.toxiproxy too"},
		{"target only with server fault", "stack: {mode: external, target: 'ws://127.0.0.1:1/'}\n" +
			strings.Replace(strings.Replace(base, "fault: latency", "fault: stall", 1), "    attributes: {latency: 100ms}\n", "", 1), 7, "timeline[0].fault", "needs wschaos's own fault server"},
		{"overlapping same fault", base + "timeline2: x\n", 11, "timeline2", "unknown field"},
		{"cap below base", "client: {backoff: {base: 2s, cap: 1s}}\n" + base, 1, "client.backoff.cap", "below base"},
		{"multiplier below one", "client: {backoff: {multiplier: 0.5}}\n" + base, 1, "client.backoff.multiplier", "at least 1"},
		{"unknown jitter", "client: {backoff: {jitter: wobbly}}\n" + base, 1, "client.backoff.jitter", "want proportional"},
		{"fraction with full jitter", "client: {backoff: {jitter: full, fraction: 0.3}}\n" + base, 1, "client.backoff.fraction", "only applies"},
		{"pong timeout too small", "client: {heartbeat: {interval: 2s, timeout: 1s}}\n" + base, 1, "client.heartbeat.timeout", "must exceed"},
		{"bad overflow", "client: {queue: {overflow: spill}}\n" + base, 1, "client.queue.overflow", "want block"},
		{"negative attempts", "client: {limits: {max_attempts: -1}}\n" + base, 1, "client.limits.max_attempts", "must not be negative"},
		{"zero clients", strings.Replace(base, "  duration: 20s", "  duration: 20s\n  clients: 0", 1), 4, "load.clients", "want 1..10000"},
		{"short scale", base + "short: {time_scale: 2}\n", 11, "short.time_scale", "want a factor"},
		{"close code", strings.Replace(strings.Replace(base, "fault: latency", "fault: close", 1), "    duration: 3s\n    attributes: {latency: 100ms}", "    attributes: {code: 99}", 1), 7, "timeline[0].attributes.code", "cannot be sent"},
		{"close code 1005 (the fault server's rule)", strings.Replace(strings.Replace(base, "fault: latency", "fault: close", 1), "    duration: 3s\n    attributes: {latency: 100ms}", "    attributes: {code: 1005}", 1), 7, "timeline[0].attributes.code", "1005 cannot be sent"},
		{"reject status", strings.Replace(base, "fault: latency", "fault: reject", 1), 5, "timeline[0]", "needs attribute status"},
		{"bad stream", strings.Replace(base, "{latency: 100ms}", "{latency: 100ms, stream: sideways}", 1), 8, "timeline[0].attributes.stream", "want one of both"},
		{"syntax error", "name: [unclosed\n", 1, "", ""},
		{"empty file", "", 0, "", "empty scenario"},
		{"two documents", base + "---\nname: u\n", 12, "", "more than one YAML document"},
		{"duplicate key", base + "name: again\n", 11, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.src))
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("Parse = %v; want scenario.Errors", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("errors.As(*FieldError) failed on %v", err)
			}
			e := es[0]
			if e.File != "bad.yaml" {
				t.Errorf("file = %q", e.File)
			}
			if e.Line != c.line || e.Field != c.field || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("got %q (line %d, field %q)\nwant line %d, field %q, message containing %q", e.Error(), e.Line, e.Field, c.line, c.field, c.msg)
			}
			if c.line > 0 && !strings.HasPrefix(e.Error(), "bad.yaml:") {
				t.Errorf("message %q does not start with the file name", e.Error())
			}
		})
	}
}

func TestTimelineConflicts(t *testing.T) {
	cases := []struct {
		name, timeline string
		line           int
		msg            string
	}{
		{"same toxic twice", `
  - {at: 1s, fault: latency, duration: 5s, attributes: {latency: 1s}}
  - {at: 3s, fault: latency, duration: 5s, attributes: {latency: 2s}}`, 5, "same fault"},
		{"toxic on downed proxy", `
  - {at: 1s, fault: proxy_down, duration: 5s}
  - {at: 3s, fault: bandwidth, duration: 5s, attributes: {rate_kbps: 1}}`, 5, "disabled proxy"},
		{"server action during restart", `
  - {at: 1s, fault: restart, duration: 5s}
  - {at: 3s, fault: drop}`, 5, "restarts"},
		{"action after restart at same instant", `
  - {at: 1s, fault: restart, duration: 5s}
  - {at: 1s, fault: drop}`, 5, "restarts"},
		{"two drops at once", `
  - {at: 1s, fault: drop}
  - {at: 1s, fault: drop}`, 5, "same fault"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "name: t\nload: {duration: 20s}\ntimeline:" + c.timeline + "\nslos: [lost == 0]\n"
			_, err := Parse("tl.yaml", []byte(src))
			var es Errors
			if !errors.As(err, &es) || len(es) != 1 {
				t.Fatalf("Parse = %v; want exactly one error", err)
			}
			if es[0].Line != c.line || es[0].Field != "timeline[1]" || !strings.Contains(es[0].Msg, c.msg) {
				t.Errorf("got %q; want line %d timeline[1] %q", es[0], c.line, c.msg)
			}
		})
	}
	// Compatible overlaps must pass: the negative control for the above.
	ok := `
  - {at: 1s, fault: latency, duration: 5s, attributes: {latency: 1s, stream: upstream}}
  - {at: 3s, fault: latency, duration: 5s, attributes: {latency: 2s, stream: downstream}}
  - {at: 1s, fault: close, attributes: {code: 1012}}
  - {at: 1s, fault: restart, duration: 5s}
  - {at: 6s, fault: drop}
  - {at: 2s, fault: stall, duration: 1s}
  - {at: 8s, fault: proxy_down, duration: 1s}`
	src := "name: t\nload: {duration: 20s}\ntimeline:" + ok + "\nslos: [lost == 0]\n"
	if _, err := Parse("ok.yaml", []byte(src)); err == nil {
		t.Fatal("stall during restart was accepted")
	} else if !strings.Contains(err.Error(), "tl") && !strings.Contains(err.Error(), "timeline[5]") {
		t.Fatalf("want the stall (timeline[5]) flagged, got %v", err)
	}
	src = strings.Replace(src, "  - {at: 2s, fault: stall, duration: 1s}\n", "", 1)
	if _, err := Parse("ok.yaml", []byte(src)); err != nil {
		t.Fatalf("compatible timeline rejected: %v", err)
	}
}

func TestParseCollectsEveryError(t *testing.T) {
	src := "name: t\nload: {duration: 1x, clients: 0}\nslos: [nope == 1, lost == -1]\n"
	_, err := Parse("many.yaml", []byte(src))
	var es Errors
	if !errors.As(err, &es) || len(es) != 4 {
		t.Fatalf("want 4 errors, got %v", err)
	}
	for _, e := range es {
		if e.Line == 0 || e.Field == "" {
			t.Errorf("error without place: %v", e)
		}
	}
}

func TestBuiltinsValid(t *testing.T) {
	infos := Builtins()
	want := []string{"default", "blackhole", "flaky-network", "latency-spike", "persistent-outage",
		"retry-after-storm", "rolling-deploy", "scale", "server-restart", "session-loss", "soak", "thundering-herd"}
	if len(infos) != len(want) {
		t.Fatalf("built-ins = %v; want %v", infos, want)
	}
	for i, info := range infos {
		if info.Name != want[i] {
			t.Errorf("built-in %d = %s; want %s", i, info.Name, want[i])
		}
		s, err := Builtin(info.Name)
		if err != nil {
			t.Errorf("%s: %v", info.Name, err)
			continue
		}
		if s.Name != info.Name || s.Description == "" || s.Source != "builtin:"+info.Name {
			t.Errorf("%s: name %q source %q description %q", info.Name, s.Name, s.Source, s.Description)
		}
		sh := s.Short()
		if sh.Load.Duration >= s.Load.Duration && s.ShortSpec.TimeScale < 1 {
			t.Errorf("%s: short run %v not shorter than %v", info.Name, sh.Load.Duration, s.Load.Duration)
		}
		for _, st := range sh.Timeline {
			if st.End() > sh.Load.Duration {
				t.Errorf("%s short: step %d ends at %v after %v", info.Name, st.Index, st.End(), sh.Load.Duration)
			}
		}
	}
	d, _ := Builtin(DefaultName)
	if d.Load.Duration > 30*time.Second {
		t.Errorf("default runs %v; the README promises well under a minute", d.Load.Duration)
	}
}

func TestResolve(t *testing.T) {
	if s, err := Resolve(""); err != nil || s.Name != DefaultName {
		t.Fatalf("Resolve(\"\") = %v, %v", s, err)
	}
	if s, err := Resolve("blackhole"); err != nil || s.Name != "blackhole" {
		t.Fatalf("Resolve(blackhole) = %v, %v", s, err)
	}
	for _, arg := range []string{"no-such-scenario", "missing/file.yaml", "x.yaml", "../default"} {
		if _, err := Resolve(arg); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q) = %v; want ErrNotFound", arg, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	for _, info := range Builtins() {
		data, _ := BuiltinSource(info.Name)
		f.Add(data)
	}
	f.Add([]byte("name: [\n"))
	f.Add([]byte("load: &a {duration: *a}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v is not scenario.Errors", err, err)
			}
			return
		}
		if s.Load.Duration <= 0 || len(s.SLOs) == 0 {
			t.Fatalf("accepted scenario without duration or SLOs: %+v", s)
		}
		for _, st := range s.Timeline {
			if st.At < 0 || st.End() > s.Load.Duration {
				t.Fatalf("accepted impossible step %+v", st)
			}
		}
		_ = s.Short()
	})
}

// TestParseTargetOnly: a target without a Toxiproxy URL is external mode
// with an in-process Toxiproxy, so no named proxy is defaulted in.
func TestParseTargetOnly(t *testing.T) {
	s, err := Parse("t.yaml", []byte("stack: {mode: external, target: 'wss://staging.example/ws'}\n"+base))
	if err != nil {
		t.Fatal(err)
	}
	if s.Stack != (Stack{Mode: StackExternal, Target: "wss://staging.example/ws"}) {
		t.Errorf("stack = %+v", s.Stack)
	}
}
