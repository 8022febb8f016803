package scenario

import (
	"os"
	"strings"
	"testing"

	"github.com/wschaos/wschaos/internal/slo"
)

// TestDocsListEverything keeps docs/SCENARIO.md in step with the fault and
// metric catalogues.
func TestDocsListEverything(t *testing.T) {
	data, err := os.ReadFile("../../docs/SCENARIO.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, f := range Faults() {
		if !strings.Contains(doc, "| `"+f.Name+"` |") {
			t.Errorf("docs/SCENARIO.md lacks a row for fault %s", f.Name)
		}
	}
	for _, m := range slo.Metrics() {
		if !strings.Contains(doc, "| `"+m.Name+"` | "+m.Kind.String()+" |") {
			t.Errorf("docs/SCENARIO.md lacks a row for metric %s (%s)", m.Name, m.Kind)
		}
	}
	for _, info := range Builtins() {
		if !strings.Contains(doc, "`"+info.Name+"`") {
			t.Errorf("docs/SCENARIO.md does not mention built-in %s", info.Name)
		}
	}
}

// TestDocsExampleParses keeps the annotated example in docs/SCENARIO.md valid.
func TestDocsExampleParses(t *testing.T) {
	data, err := os.ReadFile("../../docs/SCENARIO.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```yaml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml example in docs/SCENARIO.md")
	}
	s, err := Parse("docs/SCENARIO.md", []byte(block))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "rolling-deploy" || len(s.Timeline) != 2 || len(s.SLOs) != 3 {
		t.Errorf("example parsed to %+v", s)
	}
}
