package scenario

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wschaos/wschaos/harness/fault"
)

// TestSchemaMatchesRegistry checks docs/scenario.schema.json against the
// fault registry: each kind's conditional block lists exactly its
// attributes and requires exactly its required ones.
func TestSchemaMatchesRegistry(t *testing.T) {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	type attrs struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	var schema struct {
		Defs map[string]struct {
			AllOf []struct {
				If struct {
					Properties struct {
						Fault struct {
							Const string `json:"const"`
						} `json:"fault"`
					} `json:"properties"`
				} `json:"if"`
				Then struct {
					Properties struct {
						Attributes attrs `json:"attributes"`
					} `json:"properties"`
				} `json:"then"`
			} `json:"allOf"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	got := map[string]attrs{}
	for _, def := range schema.Defs {
		for _, c := range def.AllOf {
			if n := c.If.Properties.Fault.Const; n != "" {
				got[n] = c.Then.Properties.Attributes
			}
		}
	}
	for _, k := range fault.Kinds() {
		var names, required []string
		for _, a := range k.Attrs {
			names = append(names, a.Name)
			if a.Required {
				required = append(required, a.Name)
			}
		}
		s, ok := got[k.Name]
		if !ok && len(names) > 0 {
			t.Errorf("schema has no attribute block for %s", k.Name)
			continue
		}
		var sNames []string
		for n := range s.Properties {
			sNames = append(sNames, n)
		}
		slices.Sort(names)
		slices.Sort(sNames)
		slices.Sort(required)
		slices.Sort(s.Required)
		if !slices.Equal(names, sNames) {
			t.Errorf("%s: schema attributes %v, registry %v", k.Name, sNames, names)
		}
		if !slices.Equal(required, s.Required) {
			t.Errorf("%s: schema requires %v, registry %v", k.Name, s.Required, required)
		}
	}
}

// TestDocsFaultTableMatchesRegistry checks docs/SCENARIO.md's fault table:
// one row per kind, naming its tags, every attribute, required ones bold.
func TestDocsFaultTableMatchesRegistry(t *testing.T) {
	data, err := os.ReadFile("../../docs/SCENARIO.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for line := range strings.Lines(string(data)) {
		if name, rest, ok := strings.Cut(strings.TrimPrefix(line, "| `"), "` |"); ok && strings.HasPrefix(line, "| `") {
			rows[name] = rest
		}
	}
	for _, k := range fault.Kinds() {
		row, ok := rows[k.Name]
		if !ok {
			t.Errorf("no row for %s", k.Name)
			continue
		}
		cells := strings.Split(row, "|")
		if len(cells) < 3 {
			t.Errorf("%s: row %q", k.Name, row)
			continue
		}
		tags := cells[0]
		for tag, want := range map[string]bool{"network": k.Tags.Has(fault.Network), "server": k.Tags.Has(fault.Server),
			"instant": k.Tags.Has(fault.Instant)} {
			if strings.Contains(tags, tag) != want {
				t.Errorf("%s: tags cell %q, registry says %s=%v", k.Name, tags, tag, want)
			}
		}
		for _, a := range k.Attrs {
			if a.Name == "stream" || a.Name == "toxicity" {
				continue // every toxic's; said once under the table
			}
			want := "`" + a.Name + "`"
			if a.Required {
				want = "**" + want + "**"
			}
			if !strings.Contains(cells[1], want) {
				t.Errorf("%s: attributes cell %q lacks %s", k.Name, cells[1], want)
			}
		}
	}
}
