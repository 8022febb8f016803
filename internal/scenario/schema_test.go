package scenario

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wschaos/wschaos/internal/slo"
)

const schemaPath = "../../docs/scenario.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	loc, _ := filepath.Abs(schemaPath)
	if err := c.AddResource(loc, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validateYAML(t *testing.T, sch *jsonschema.Schema, src []byte) error {
	t.Helper()
	js, err := yaml.YAMLToJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(v)
}

func TestBuiltinsMatchJSONSchema(t *testing.T) {
	sch := compileSchema(t)
	for _, info := range Builtins() {
		src, err := BuiltinSource(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		if err := validateYAML(t, sch, src); err != nil {
			t.Errorf("%s: %v", info.Name, err)
		}
	}
	for _, src := range []string{
		base,
		"stack: {mode: external, target: 'ws://127.0.0.1:1/ws'}\n" + base,
		"stack: {mode: external, toxiproxy: 'http://127.0.0.1:2', proxy: p}\n" + base,
		"stack: {mode: external, target: 'wss://x/ws', toxiproxy: 'http://127.0.0.1:2'}\n" + base,
	} {
		if _, err := Parse("t.yaml", []byte(src)); err != nil {
			t.Errorf("parser rejects %q: %v", src[:40], err)
		}
		if err := validateYAML(t, sch, []byte(src)); err != nil {
			t.Errorf("schema rejects %q: %v", src[:40], err)
		}
	}
}

// Negative controls: the schema must reject what the parser rejects for the
// same structural reasons.
func TestJSONSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	bad := map[string]string{
		"unknown key":         base + "colour: red\n",
		"unknown fault":       "name: t\nload: {duration: 1s}\nslos: [lost == 0]\ntimeline: [{at: 0s, fault: earthquake}]\n",
		"bad duration":        "name: t\nload: {duration: 20}\nslos: [lost == 0]\n",
		"unknown metric":      "name: t\nload: {duration: 1s}\nslos: [lots == 0]\n",
		"missing attribute":   "name: t\nload: {duration: 9s}\nslos: [lost == 0]\ntimeline: [{at: 0s, fault: latency, duration: 1s}]\n",
		"unknown attribute":   "name: t\nload: {duration: 9s}\nslos: [lost == 0]\ntimeline: [{at: 0s, fault: drop, attributes: {x: 1}}]\n",
		"instant w/ duration": "name: t\nload: {duration: 9s}\nslos: [lost == 0]\ntimeline: [{at: 0s, fault: drop, duration: 1s}]\n",
		"missing slos":        "name: t\nload: {duration: 9s}\n",
		"external, no urls":   "stack: {mode: external}\n" + base,
		"embedded target":     "stack: {target: 'ws://127.0.0.1:1/ws'}\n" + base,
		"proxy, no toxiproxy": "stack: {mode: external, target: 'ws://127.0.0.1:1/ws', proxy: p}\n" + base,
	}
	for name, src := range bad {
		if err := validateYAML(t, sch, []byte(src)); err == nil {
			t.Errorf("%s: schema accepted it", name)
		}
	}
}

// The schema lists faults and metrics by name; keep it in step with the code.
func TestJSONSchemaInStep(t *testing.T) {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range faultNames() {
		if !bytes.Contains(data, []byte(`"`+f+`"`)) {
			t.Errorf("schema lacks fault %s", f)
		}
	}
	for _, m := range slo.MetricNames() {
		if !bytes.Contains(data, []byte(m)) {
			t.Errorf("schema lacks metric %s", m)
		}
	}
	if !slices.Contains(faultNames(), "restart") {
		t.Fatal("fault catalogue lost restart")
	}
}
