package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/wschaos/wschaos/internal/scenario/builtin"
)

// Info names a built-in scenario.
type Info struct {
	Name        string
	Description string
}

// DefaultName is the scenario `wschaos run` replays with no argument.
const DefaultName = "default"

// Builtins lists the embedded scenarios, sorted by name, "default" first.
// A built-in that fails to parse is a bug; it is listed with the error as
// its description so --list still works and the test suite catches it.
func Builtins() []Info {
	names, _ := fs.Glob(builtin.FS, "*.yaml")
	out := make([]Info, 0, len(names))
	for _, n := range names {
		name := strings.TrimSuffix(n, ".yaml")
		s, err := Builtin(name)
		if err != nil {
			out = append(out, Info{Name: name, Description: "invalid: " + err.Error()})
			continue
		}
		out = append(out, Info{Name: name, Description: s.Description})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Name == DefaultName) != (out[j].Name == DefaultName) {
			return out[i].Name == DefaultName
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Builtin parses the embedded scenario called name.
func Builtin(name string) (*Scenario, error) {
	if name == "" || strings.ContainsAny(name, `/\.`) {
		return nil, fmt.Errorf("%w: %q is not a built-in name", ErrNotFound, name)
	}
	data, err := builtin.FS.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("%w: no built-in called %q (built-ins: %s)", ErrNotFound, name, strings.Join(builtinNames(), ", "))
	}
	s, err := Parse(path.Join("internal/scenario/builtin", name+".yaml"), data)
	if err != nil {
		return nil, err
	}
	s.Source = "builtin:" + name
	return s, nil
}

// BuiltinSource returns the YAML text of a built-in, for `--show`-style use
// and for tests that validate every file against the JSON Schema.
func BuiltinSource(name string) ([]byte, error) {
	data, err := builtin.FS.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("%w: no built-in called %q", ErrNotFound, name)
	}
	return data, nil
}

func builtinNames() []string {
	names, _ := fs.Glob(builtin.FS, "*.yaml")
	for i, n := range names {
		names[i] = strings.TrimSuffix(n, ".yaml")
	}
	return names
}

// Resolve resolves a command-line argument: an existing file is read and
// parsed; otherwise a name without a path separator or .yaml/.yml suffix is
// looked up among the built-ins; an empty argument means "default".
func Resolve(arg string) (*Scenario, error) {
	if arg == "" {
		return Builtin(DefaultName)
	}
	data, err := os.ReadFile(arg)
	if err == nil {
		return Parse(arg, data)
	}
	looksLikePath := strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml")
	if !errors.Is(err, fs.ErrNotExist) || looksLikePath {
		return nil, fmt.Errorf("%w: failed to read scenario file: %w", ErrNotFound, err)
	}
	return Builtin(arg)
}
