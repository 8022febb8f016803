package harness

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
)

// EnvToxiproxyURL names the environment variable that switches a [Stack] to an
// external toxiproxy-server (for example "http://127.0.0.1:8474").
const EnvToxiproxyURL = "TOXIPROXY_URL"

// DefaultProxyName is the canonical proxy declared in the repository's
// toxiproxy.json, used by docker-compose setups and by `wschaos run` against an
// external Toxiproxy.
const DefaultProxyName = "wschaos_session"

// ProxyConfig is one entry of a toxiproxy.json file, Toxiproxy's own config
// format: a JSON array of {name, listen, upstream, enabled}.
type ProxyConfig struct {
	Name     string `json:"name"`
	Listen   string `json:"listen"`
	Upstream string `json:"upstream"`
	// Enabled is a pointer because Toxiproxy treats a missing field as true.
	Enabled *bool `json:"enabled,omitempty"`
}

// LoadToxiproxyConfig reads a toxiproxy.json file. Every entry must name a
// listen and upstream address; names must be unique.
func LoadToxiproxyConfig(path string) ([]ProxyConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("harness: failed to read toxiproxy config: %w", err)
	}
	var cfg []ProxyConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("harness: failed to parse toxiproxy config %s: %w", path, err)
	}
	seen := map[string]bool{}
	for i, p := range cfg {
		switch {
		case p.Name == "":
			return nil, fmt.Errorf("harness: toxiproxy config %s: entry %d: name is required", path, i)
		case p.Listen == "" || p.Upstream == "":
			return nil, fmt.Errorf("harness: toxiproxy config %s: proxy %q: listen and upstream are required", path, p.Name)
		case seen[p.Name]:
			return nil, fmt.Errorf("harness: toxiproxy config %s: duplicate proxy %q", path, p.Name)
		}
		seen[p.Name] = true
	}
	return cfg, nil
}

// toxiproxyAPI is the one way the harness talks to Toxiproxy: its HTTP API
// through the official Go client, whether the server runs in this process
// (embedded) or elsewhere (external). Using the same path for both keeps the
// embedded mode an honest rehearsal of the external one.
type toxiproxyAPI struct {
	url      string
	client   *toxiclient.Client
	embedded *embeddedToxiproxy // nil when external
	guard    toxiGuard          // bounds every call that can hang (toxiproxy_bound.go)
}

func (a *toxiproxyAPI) close() error {
	if a.embedded == nil {
		return nil
	}
	return a.embedded.close(&a.guard)
}

// uniqueName returns prefix plus 8 random hex bytes: proxies of parallel
// stacks on one external Toxiproxy must never collide.
func uniqueName(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + "_" + hex.EncodeToString(b[:])
}

// toxicNamer hands out unique toxic names within one stack.
type toxicNamer struct {
	mu sync.Mutex
	n  int
}

func (t *toxicNamer) next(kind FaultKind, stream string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	return fmt.Sprintf("%s_%s_%d", kind, stream, t.n)
}

// apiErrorStatus returns the HTTP status of a Toxiproxy API error, or 0.
func apiErrorStatus(err error) int {
	var ae *toxiclient.ApiError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}
