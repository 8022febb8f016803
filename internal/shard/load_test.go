package shard

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	for _, in := range run(t, 9, 3) {
		f, err := os.Create(filepath.Join(dir, in.Source))
		if err != nil {
			t.Fatal(err)
		}
		if err := Encode(f, in.Partial); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	for _, args := range [][]string{
		{filepath.Join(dir, "shard-*.json")},
		{dir},
		{filepath.Join(dir, "shard-0.json"), filepath.Join(dir, "shard-*.json")}, // 0 named twice: read once
	} {
		in, err := Load(args)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		m, err := Merge(in)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if m.Total.Up.Sent != 300 || m.Total.Clients.Hi != 9 {
			t.Fatalf("%v: sent %d clients %v", args, m.Total.Up.Sent, m.Total.Clients)
		}
	}
	in, err := Load([]string{filepath.Join(dir, "shard-[01].json")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(in); !errors.Is(err, ErrMissing) {
		t.Fatalf("two of three shards: %v", err)
	}
	if _, err := Load([]string{filepath.Join(dir, "nothing-*.json")}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("no match: %v", err)
	}
	if _, err := Load(nil); !errors.Is(err, ErrNoPartials) {
		t.Fatalf("no args: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"wschaos_partial":2,"partial":{"nope":1}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load([]string{dir}); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Fatalf("bad file: %v, want its name", err)
	}
}
