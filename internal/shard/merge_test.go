package shard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
)

var testScenario = ScenarioRef{Name: "flaky-network", Hash: ScenarioHash([]byte("name: flaky-network\n"))}

// run makes the n partials of one run of total clients; shard i has i+1
// lost up-messages and one recovery of (i+1) seconds.
func run(t *testing.T, total, n int) []Input {
	t.Helper()
	start := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)
	id := RunID(7, testScenario, start)
	var out []Input
	for i := range n {
		s := Spec{Index: i, Count: n}
		r, err := s.Clients(total)
		if err != nil {
			t.Fatal(err)
		}
		p := NewPartial(id, testScenario, 7, s, r, start)
		p.End = start.Add(time.Duration(10+i) * time.Second)
		p.Up = Counters{Sent: 100, Acked: 100, Delivered: 100 - int64(i+1), Lost: int64(i + 1)}
		p.Down = Counters{Sent: 50, Delivered: 50, Duplicated: 1}
		p.Recoveries, p.ConnectedTime, p.ObservedTime = 1, 9*time.Second, 10*time.Second
		p.Offered, p.Nominal = 150, 150
		if err := p.Recovery.Add(time.Duration(i+1) * time.Second); err != nil {
			t.Fatal(err)
		}
		// Through the file format, as merge reads them.
		var buf bytes.Buffer
		if err := Encode(&buf, p); err != nil {
			t.Fatal(err)
		}
		back, err := Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Input{Source: fmt.Sprintf("shard-%d.json", i), Partial: back})
	}
	return out
}

func TestMergeSums(t *testing.T) {
	in := run(t, 10, 4)
	m, err := Merge(in)
	if err != nil {
		t.Fatal(err)
	}
	if m.Count != 4 || len(m.Shards) != 4 {
		t.Fatalf("count %d, shards %d, want 4", m.Count, len(m.Shards))
	}
	want := Counters{Sent: 400, Acked: 400, Delivered: 390, Lost: 10}
	if m.Total.Up != want {
		t.Fatalf("up %+v, want %+v", m.Total.Up, want)
	}
	if m.Total.Down.Duplicated != 4 || m.Total.Recoveries != 4 || m.Total.Offered != 600 {
		t.Fatalf("down %+v recoveries %d offered %d", m.Total.Down, m.Total.Recoveries, m.Total.Offered)
	}
	if m.Shards[2].Up.Lost != 3 || m.Shards[2].Clients != (Range{Lo: 6, Hi: 8}) {
		t.Fatalf("shard 2 breakdown %+v", m.Shards[2])
	}
	if m.Total.Clients != (Range{Lo: 0, Hi: 10}) {
		t.Fatalf("clients %+v", m.Total.Clients)
	}
	if u := m.Total.Uptime(); u != 0.9 {
		t.Fatalf("uptime %v, want 0.9", u)
	}
	if mx, _ := m.Recovery.Max(); mx < 3960*time.Millisecond || mx > 4040*time.Millisecond {
		t.Fatalf("recovery max %v, want 4s within 1%%", mx)
	}
	if m.Recovery.Count() != 4 {
		t.Fatalf("recovery count %d", m.Recovery.Count())
	}
	if !m.End.Equal(m.Start.Add(13 * time.Second)) {
		t.Fatalf("end %v", m.End)
	}
	// The input is never changed by a merge.
	if in[0].Partial.Recovery.Count() != 1 {
		t.Fatal("merge changed an input sketch")
	}
}

// TestMergeErrors is every merge error's negative control: each defect is
// reported with its kind, the shard's index and its source.
func TestMergeErrors(t *testing.T) {
	cases := []struct {
		name   string
		mutate func([]Input) []Input
		kind   ProblemKind
		shard  int
		source string
	}{
		{"missing", func(in []Input) []Input { return append(in[:2:2], in[3]) }, ErrMissing, 2, ""},
		{"duplicated", func(in []Input) []Input {
			return append(in, Input{Source: "copy.json", Partial: in[1].Partial})
		}, ErrDuplicate, 1, "copy.json"},
		{"other run", func(in []Input) []Input { in[3].Partial.RunID = "rother"; return in }, ErrOtherRun, 3, "shard-3.json"},
		{"other scenario version", func(in []Input) []Input {
			in[1].Partial.Scenario.Hash = ScenarioHash([]byte("edited"))
			return in
		}, ErrOtherScenario, 1, "shard-1.json"},
		{"other scenario name", func(in []Input) []Input { in[2].Partial.Scenario.Name = "x"; return in }, ErrOtherScenario, 2, "shard-2.json"},
		{"different n", func(in []Input) []Input { in[2].Partial.Shard.Count = 5; return in }, ErrOtherCount, 2, "shard-2.json"},
		{"other seed", func(in []Input) []Input { in[1].Partial.Seed = 8; return in }, ErrOtherSeed, 1, "shard-1.json"},
		{"client range", func(in []Input) []Input { in[1].Partial.Clients.Hi++; return in }, ErrOtherClients, 1, "shard-1.json"},
		{"index out of range", func(in []Input) []Input { in[3].Partial.Shard.Index = 9; return in }, ErrOtherCount, 9, "shard-3.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Merge(c.mutate(run(t, 10, 4)))
			if m != nil {
				t.Fatal("merge returned a result with an error")
			}
			var me *MergeError
			if !errors.As(err, &me) {
				t.Fatalf("error %v is not a *MergeError", err)
			}
			if !errors.Is(err, c.kind) {
				t.Fatalf("error %v does not match %q", err, c.kind)
			}
			found := false
			for _, p := range me.Problems {
				if p.Kind == c.kind && p.Shard == c.shard && p.Source == c.source {
					found = true
				}
			}
			if !found {
				t.Fatalf("problems %+v lack {%s shard %d %q}", me.Problems, c.kind, c.shard, c.source)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("shard %d", c.shard)) {
				t.Fatalf("message %q does not name shard %d", err, c.shard)
			}
		})
	}
	if _, err := Merge(nil); !errors.Is(err, ErrNoPartials) {
		t.Fatalf("Merge(nil): %v", err)
	}
	// Two defects at once are both reported.
	in := run(t, 10, 4)
	in[3].Partial.RunID = "rother"
	_, err := Merge(in[1:])
	if !errors.Is(err, ErrMissing) {
		t.Fatalf("%v: want missing shard 0 too", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	var good bytes.Buffer
	if err := Encode(&good, run(t, 4, 2)[0].Partial); err != nil {
		t.Fatal(err)
	}
	doc := good.String()
	cases := map[string]string{
		"unknown field":  strings.Replace(doc, `"seed":`, `"sede": 1, "seed":`, 1),
		"wrong type":     strings.Replace(doc, `"seed": 7`, `"seed": "7"`, 1),
		"other version":  strings.Replace(doc, `"wschaos_partial": 2`, `"wschaos_partial": 3`, 1),
		"version 1":      strings.Replace(doc, `"wschaos_partial": 2`, `"wschaos_partial": 1`, 1),
		"no version":     strings.Replace(doc, `"wschaos_partial": 2,`, ``, 1),
		"no harness":     withoutHarness(t, doc),
		"trailing":       doc + "{}",
		"no sketch":      strings.Replace(doc, `"recovery": "`, `"recovery": null, "x": "`, 1),
		"bad shard":      strings.Replace(doc, `"count": 2`, `"count": 0`, 1),
		"not json":       "wschaos",
		"negative lost":  strings.Replace(doc, `"lost": 1`, `"lost": -1`, 1),
		"no run id":      regexp.MustCompile(`"run_id": "r[0-9a-f]+"`).ReplaceAllString(doc, `"run_id": ""`),
		"reversed range": strings.Replace(doc, `"hi": 2`, `"hi": -1`, 1),
		"empty":          "",
		"other accuracy": strings.Replace(doc, `"latency": "`, `"latency": "`+sketch2pct(t)+`", "y": "`, 1),
	}
	if _, err := Decode(strings.NewReader(doc)); err != nil {
		t.Fatalf("the good document: %v", err)
	}
	for name, in := range cases {
		if in == doc {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		if _, err := Decode(strings.NewReader(in)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	for name, says := range map[string]string{"negative lost": "negative message count", "no run id": "without run_id", "reversed range": "client range",
		"version 1": "rerun the shards", "no harness": "without its harness section"} {
		if _, err := Decode(strings.NewReader(cases[name])); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: %v, want it to say %q", name, err, says)
		}
	}
	_, err := Decode(strings.NewReader(cases["other version"]))
	if !errors.Is(err, ErrVersion) {
		t.Fatalf("other version: %v, want ErrVersion", err)
	}
}

// withoutHarness is doc with its partial's harness section removed, as a
// format-2 header on a format-1 body would be.
func withoutHarness(t *testing.T, doc string) string {
	var env map[string]any
	if err := json.Unmarshal([]byte(doc), &env); err != nil {
		t.Fatal(err)
	}
	delete(env["partial"].(map[string]any), "harness")
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sketch2pct is a sketch of 2% accuracy, base64, to be refused.
func sketch2pct(t *testing.T) string {
	s, err := ddsketch.LogUnboundedDenseDDSketch(0.02)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Add(1e9)
	var b []byte
	s.Encode(&b, false)
	k := Sketch{s: s}
	j, _ := k.MarshalJSON()
	return strings.Trim(string(j), `"`)
}

func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	p := NewPartial("r1", testScenario, 1, Single, Range{Lo: 0, Hi: 3}, time.Unix(0, 0).UTC())
	_ = p.Recovery.Add(time.Second)
	_ = Encode(&buf, p)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"wschaos_partial":2,"partial":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever decodes re-encodes and decodes to the same figures.
		var out bytes.Buffer
		if err := Encode(&out, p); err != nil {
			t.Fatal(err)
		}
		q, err := Decode(&out)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if q.Up != p.Up || q.Shard != p.Shard || q.Recovery.Count() != p.Recovery.Count() {
			t.Fatal("round trip changed the partial")
		}
	})
}
