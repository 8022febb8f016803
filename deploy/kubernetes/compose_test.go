package kubernetes

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// composeService is the part of a docker-compose service the shard shape
// depends on.
type composeService struct {
	Image       string   `json:"image"`
	Command     []string `json:"command"`
	NetworkMode string   `json:"network_mode"`
	Profiles    []string `json:"profiles"`
}

var shardService = regexp.MustCompile(`^shard-(\d+)$`)

// checkComposeShards: the runners shard-0..shard-(n-1) cover 0..n-1 of one
// n, each writes its own partial, shares the namespace of its own pinned
// Toxiproxy, and merge reads every partial.
func checkComposeShards(svcs map[string]composeService) []error {
	var errs []error
	n := 0
	for name := range svcs {
		if shardService.MatchString(name) {
			n++
		}
	}
	if n == 0 {
		return []error{fmt.Errorf("compose: no shard-i services")}
	}
	partials := map[string]bool{}
	for i := range n {
		name := fmt.Sprintf("shard-%d", i)
		s, ok := svcs[name]
		if !ok {
			errs = append(errs, fmt.Errorf("compose: %s missing (shards are numbered 0..%d)", name, n-1))
			continue
		}
		args := strings.Join(s.Command, " ")
		if !strings.Contains(" "+args+" ", fmt.Sprintf(" --shard=%d/%d ", i, n)) {
			errs = append(errs, fmt.Errorf("compose: %s does not run --shard=%d/%d: %s", name, i, n, args))
		}
		for _, a := range s.Command {
			if p, ok := strings.CutPrefix(a, "--partial="); ok {
				if partials[p] {
					errs = append(errs, fmt.Errorf("compose: %s writes %s, as another shard does", name, p))
				}
				partials[p] = true
			}
		}
		proxy := name + "-toxiproxy"
		if s.NetworkMode != "service:"+proxy {
			errs = append(errs, fmt.Errorf("compose: %s does not share %s's network namespace", name, proxy))
		}
		if tp, ok := svcs[proxy]; !ok || tp.Image != toxiproxyImage {
			errs = append(errs, fmt.Errorf("compose: %s is not %s", proxy, toxiproxyImage))
		}
	}
	if len(partials) != n {
		errs = append(errs, fmt.Errorf("compose: %d distinct partials for %d shards", len(partials), n))
	}
	m, ok := svcs["merge"]
	if !ok || len(m.Command) < 2 || m.Command[0] != "merge" {
		return append(errs, fmt.Errorf("compose: no merge service running wschaos merge"))
	}
	last := m.Command[len(m.Command)-1]
	for p := range partials {
		if ok, _ := path.Match(last, p); !ok {
			errs = append(errs, fmt.Errorf("compose: merge reads %s, which misses %s", last, p))
		}
	}
	return errs
}

func loadCompose(t *testing.T) map[string]composeService {
	t.Helper()
	data, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]composeService `json:"services"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Services
}

// TestComposeShards checks the sharded shape of docker-compose.yml (the
// file's syntax is `make compose-check`'s job); the negative controls break
// one property each.
func TestComposeShards(t *testing.T) {
	svcs := loadCompose(t)
	noErrors(t, "compose", checkComposeShards(svcs))
	for _, old := range []string{"toxiproxy", "faultserver", "run", "run-local"} {
		if _, ok := svcs[old]; !ok {
			t.Errorf("compose: service %s is gone", old)
		}
	}
	mutations := map[string]func(map[string]composeService){
		"index twice": func(s map[string]composeService) {
			c := s["shard-1"]
			c.Command = replaceArg(c.Command, "--shard=", "--shard=0/4")
			s["shard-1"] = c
		},
		"one partial": func(s map[string]composeService) {
			c := s["shard-2"]
			c.Command = replaceArg(c.Command, "--partial=", "--partial=/reports/shards/shard-0.json")
			s["shard-2"] = c
		},
		"shared toxiproxy": func(s map[string]composeService) {
			c := s["shard-3"]
			c.NetworkMode = "service:shard-0-toxiproxy"
			s["shard-3"] = c
		},
		"gap": func(s map[string]composeService) { s["shard-9"] = s["shard-0"] },
		"merge misses": func(s map[string]composeService) {
			c := s["merge"]
			c.Command = replaceArg(c.Command, "/reports/", "/reports/shards/shard-[01].json")
			s["merge"] = c
		},
	}
	for name, mutate := range mutations {
		svcs := loadCompose(t)
		mutate(svcs)
		if errs := checkComposeShards(svcs); len(errs) == 0 {
			t.Errorf("%s: went unreported", name)
		}
	}
}

func replaceArg(args []string, prefix, with string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if strings.HasPrefix(a, prefix) {
			out[i] = with
		}
	}
	return out
}
