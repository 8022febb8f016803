package shard

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Load reads the partials named by args, as `wschaos merge` takes them: a
// file, a directory (its *.json files) or a glob pattern, expanded here since
// a container image may have no shell. A pattern or directory that matches
// nothing is an error (a whole missing volume must not pass as no shards); a
// file named twice is read once. Each Input's Source is its path.
func Load(args []string) ([]Input, error) {
	var paths []string
	for _, a := range args {
		matches, err := expand(a)
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			if !slices.Contains(paths, m) {
				paths = append(paths, m)
			}
		}
	}
	if len(paths) == 0 {
		return nil, &MergeError{Problems: []Problem{{Kind: ErrNoPartials, Shard: -1}}}
	}
	inputs := make([]Input, 0, len(paths))
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("failed to read partial: %w", err)
		}
		part, err := Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		inputs = append(inputs, Input{Source: p, Partial: part})
	}
	return inputs, nil
}

func expand(arg string) ([]string, error) {
	if st, err := os.Stat(arg); err == nil {
		if !st.IsDir() {
			return []string{filepath.Clean(arg)}, nil
		}
		arg = filepath.Join(arg, "*.json")
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("failed to read partials: %w", err)
	}
	m, err := filepath.Glob(arg)
	if err != nil {
		return nil, fmt.Errorf("failed to read partials: pattern %q: %w", arg, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("failed to read partials: %q matches no file: %w", arg, os.ErrNotExist)
	}
	slices.Sort(m)
	return m, nil
}
