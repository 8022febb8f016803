package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("JSON report changed; if intended, bump SchemaVersion for incompatible changes, update docs/REPORT.md and run go test -update\ngot:\n%s", buf.String())
	}
}

// TestJSONSchemaFields pins the top-level and nested field names documented
// in docs/REPORT.md, so a rename cannot slip through with a golden update.
func TestJSONSchemaFields(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "tool", "scenario", "stack", "start", "end", "duration_ms", "pass",
		"slos", "metrics", "messages", "recovery", "uptime", "clients", "faults", "backoff", "errors"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing top-level field %q", k)
		}
	}
	if v := m["schema_version"]; v != float64(SchemaVersion) {
		t.Errorf("schema_version = %v", v)
	}
	slo := m["slos"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "metric", "op", "threshold", "threshold_value", "unit", "observed", "observed_text", "pass"} {
		if _, ok := slo[k]; !ok {
			t.Errorf("missing slos[].%s", k)
		}
	}
	up := m["messages"].(map[string]any)["up"].(map[string]any)
	for _, k := range []string{"sent", "acked", "delivered", "lost", "duplicated", "reordered", "unexpected", "handed_back", "abandoned", "send_failed"} {
		if _, ok := up[k]; !ok {
			t.Errorf("missing messages.up.%s", k)
		}
	}
	if m["slos"].([]any)[2].(map[string]any)["observed"] != nil {
		t.Error("an unmeasured SLO must have observed: null")
	}
	if m["pass"] != false {
		t.Error("a report with a failed SLO must not pass")
	}
}

func TestFinish(t *testing.T) {
	r := &Report{Start: time.Unix(0, 0), End: time.Unix(2, 5e8)}
	r.Finish()
	if r.Pass {
		t.Error("a report without SLOs must not pass")
	}
	if r.DurationMS != 2500 || r.SchemaVersion != SchemaVersion || r.SLOs == nil || r.Clients == nil || r.Errors == nil {
		t.Errorf("Finish left %+v", r)
	}
	r.SLOs = []SLOResult{{Pass: true}}
	r.Finish()
	if !r.Pass {
		t.Error("all SLOs held but Pass is false")
	}
	r.Errors = []string{"fault 1 failed to apply"}
	r.Finish()
	if r.Pass {
		t.Error("a run with errors must not pass")
	}
}

func TestJUnitWellFormed(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, buf.String())
	}
	// A decoder walk over every token also catches anything Unmarshal skips.
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	for {
		_, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("token error: %v", err)
			}
			break
		}
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("suites = %d", len(doc.Suites))
	}
	s := doc.Suites[0]
	if doc.Tests != 4 || doc.Failures != 2 || doc.Errors != 1 || s.Tests != 4 || s.Failures != 2 || s.Errors != 1 {
		t.Errorf("counts: suites %d/%d/%d suite %d/%d/%d; want 4 tests, 2 failures, 1 error",
			doc.Tests, doc.Failures, doc.Errors, s.Tests, s.Failures, s.Errors)
	}
	if s.Cases[0].Failure != nil || s.Cases[1].Failure == nil || !strings.Contains(s.Cases[1].Failure.Message, "observed 2") {
		t.Errorf("cases = %+v", s.Cases)
	}
	if !strings.HasPrefix(buf.String(), "<?xml") || s.Time != "20.150" {
		t.Errorf("header or time wrong: time=%q", s.Time)
	}
}

func TestHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)https?://`),
		regexp.MustCompile(`(?i)<script`),
		regexp.MustCompile(`(?i)<link`),
		regexp.MustCompile(`(?i)\bsrc\s*=`),
		regexp.MustCompile(`(?i)@import`),
		regexp.MustCompile(`(?i)url\(`),
	} {
		if loc := bad.FindStringIndex(html); loc != nil {
			t.Errorf("HTML has external reference %q at %d", html[loc[0]:loc[1]], loc[0])
		}
	}
	// The Toxiproxy URL is report data; it must not appear as a link. The
	// sample has one, so check it is absent from the page (the regexp above)
	// rather than silently fine: a negative control of sorts.
	for _, want := range []string{"<svg", "client 2", "recovery_p99 &lt; 30s", "FAIL", "a &lt;sample&gt; &amp; test",
		"latency 200ms±50ms", "<circle", "fill=\"#d62f2f\""} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if n := strings.Count(html, "<svg"); n != 3 {
		t.Errorf("want 3 charts, got %d", n)
	}
}

func TestHTMLEmptyReport(t *testing.T) {
	r := &Report{Start: time.Unix(0, 0), End: time.Unix(1, 0)}
	r.Finish()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"no recoveries measured", "no reconnect delays observed"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("empty report lacks %q", want)
		}
	}
}

func TestSummary(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSummary(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"FAIL: sample", "recovery_p99 < 30s", "1.5s", "not measured", "up", "100", "98",
		"p99 1.5s", "1 unrecovered", "80.000%", "2 connected, 1 failed", "1 outside the configured distribution", "error      step 2 drop: boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestChartsHelpers(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0.3, 0.5}, {7, 10}, {1500, 2000}, {2000, 2000}, {0, 1}} {
		if got := niceStep(c.in); got != c.want {
			t.Errorf("niceStep(%v) = %v; want %v", c.in, got, c.want)
		}
	}
	r := sample()
	tl := timelineChart(r)
	if len(tl.Bands) != 3 || tl.Height <= 0 {
		t.Errorf("timeline: %d bands, height %v", len(tl.Bands), tl.Height)
	}
	for _, rc := range tl.Rects {
		if rc.X < labelWidth-0.01 || rc.X+rc.W > chartWidth || rc.W <= 0 {
			t.Errorf("rect out of the plot: %+v", rc)
		}
	}
	h := histogramChart(r)
	total := 0
	for range h.Rects {
		total++
	}
	if total == 0 {
		t.Error("histogram has no bars")
	}
	b := backoffChart(r)
	if len(b.Circles) != 4 { // the observation without a following dial is not plotted
		t.Errorf("backoff points = %d; want 4", len(b.Circles))
	}
}
