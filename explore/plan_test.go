package explore

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/wschaos/wschaos/internal/scenario"
)

// TestGenerateRoundTrip: every generated plan renders as YAML that the
// scenario parser accepts, and reads back as the same plan and the same
// harness plan (what `wschaos run FILE` replays is what was generated).
func TestGenerateRoundTrip(t *testing.T) {
	kinds := map[string]int{}
	for seed := uint64(1); seed <= 300; seed++ {
		p := Generate(seed, Bounds{})
		data, err := p.YAML()
		if err != nil {
			t.Fatal(err)
		}
		s, err := scenario.Parse("gen.yaml", data)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, data)
		}
		back := FromScenario(s)
		if !reflect.DeepEqual(back, p) {
			t.Fatalf("seed %d: round trip changed the plan:\n got %#v\nwant %#v\n%s", seed, back, p, data)
		}
		hp1, err := s.Plan(p.Seed)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		hp2, err := back.HarnessPlan()
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !reflect.DeepEqual(hp1.Load, hp2.Load) || !reflect.DeepEqual(hp1.Timeline, hp2.Timeline) || hp1.Seed != hp2.Seed {
			t.Fatalf("seed %d: harness plans differ", seed)
		}
		if len(p.Timeline) == 0 {
			t.Fatalf("seed %d: no faults", seed)
		}
		for _, st := range p.Timeline {
			kinds[st.Fault]++
		}
	}
	for _, f := range scenario.Faults() {
		if f.Name != "lossy" && kinds[f.Name] == 0 {
			t.Errorf("300 plans never drew %s: %v", f.Name, kinds)
		}
	}
	if kinds["lossy"] != 0 {
		t.Errorf("lossy drawn %d times without being asked for", kinds["lossy"])
	}
}

// TestGenerateDeterministic: one seed, one plan; another seed, another plan.
func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(7, Bounds{}), Generate(7, Bounds{})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different plans")
	}
	ya, _ := a.YAML()
	yc, _ := Generate(8, Bounds{}).YAML()
	if string(ya) == string(yc) {
		t.Fatal("seeds 7 and 8 gave the same file")
	}
}

// TestGenerateBounds: plans stay inside their bounds and lossy comes only
// when asked for.
func TestGenerateBounds(t *testing.T) {
	b := Bounds{MaxClients: 2, MaxChannels: 1, MaxFaults: 2, Kinds: []string{"lossy", "drop"}}
	for seed := uint64(1); seed <= 100; seed++ {
		p := Generate(seed, b)
		if p.Load.Clients > 2 || p.Load.Channels > 1 || p.Load.Duration > 6e9 || p.Load.Duration < 3e9 {
			t.Fatalf("seed %d out of bounds: %s", seed, p.Summary())
		}
		for _, st := range p.Timeline {
			if st.Fault != "lossy" && st.Fault != "drop" {
				t.Fatalf("seed %d: %s not in Kinds", seed, st.Fault)
			}
		}
	}
}

func TestInvariantSLOsParse(t *testing.T) {
	p := Generate(3, Bounds{})
	y, _ := p.YAML()
	for _, want := range []string{"lost == 0", "duplicated == 0", "reordered == 0", "recovery_max <= "} {
		if !strings.Contains(string(y), want) {
			t.Errorf("file lacks SLO %q:\n%s", want, y)
		}
	}
}

// TestHangReproducerParses: the reproducer of the Toxiproxy hang explore
// found is a valid scenario file with its two overlapping upstream toxics.
func TestHangReproducerParses(t *testing.T) {
	data, err := os.ReadFile("testdata/toxiproxy-hang.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenario.Parse("testdata/toxiproxy-hang.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	p := FromScenario(s)
	if len(p.Timeline) != 2 || p.Timeline[0].Fault != "bandwidth" || p.Timeline[1].Fault != "reset_peer" ||
		p.Timeline[1].At >= p.Timeline[0].End() {
		t.Fatalf("timeline %+v: want bandwidth overlapping reset_peer", p.Timeline)
	}
}
