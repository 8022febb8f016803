package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"regexp"
	"time"
)

// Range is a half-open client index range [Lo, Hi) of the plan's clients.
type Range struct {
	Lo int `json:"lo"`
	Hi int `json:"hi"`
}

// Len is the number of clients in the range.
func (r Range) Len() int { return r.Hi - r.Lo }

// Clients returns shard s's slice of a plan of total clients: contiguous,
// balanced (sizes differ by at most one, larger shards first) and, over
// i = 0..n-1, covering every client exactly once. With more shards than
// clients the last shards are empty.
func (s Spec) Clients(total int) (Range, error) {
	if err := s.Validate(); err != nil {
		return Range{}, err
	}
	if total < 0 {
		return Range{}, fmt.Errorf("failed to partition: %d clients", total)
	}
	base, extra := total/s.Count, total%s.Count
	lo := s.Index*base + min(s.Index, extra)
	hi := lo + base
	if s.Index < extra {
		hi++
	}
	return Range{Lo: lo, Hi: hi}, nil
}

// mix is SplitMix64's finalizer: consecutive inputs give unrelated outputs.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Seed is shard s's own seed, derived from the run seed: the same for shard
// i/n of every rerun, different across shards (and across n). Use it for
// what a shard decides alone, such as its network faults' jitter.
func (s Spec) Seed(runSeed uint64) uint64 {
	return mix(mix(runSeed^0x5348415244) ^ uint64(s.Count)<<32 ^ uint64(s.Index))
}

// Rand is a generator seeded from [Spec.Seed].
func (s Spec) Rand(runSeed uint64) *rand.Rand {
	seed := s.Seed(runSeed)
	return rand.New(rand.NewPCG(seed, mix(seed)))
}

// ClientSeed is the seed of the plan's client at global index i. It does not
// depend on the shard, so a client behaves the same whether the run has one
// shard or many: merged counts can equal a single process's.
func ClientSeed(runSeed uint64, client int) uint64 {
	return mix(mix(runSeed^0x434c49454e54) ^ uint64(client))
}

// RunID derives a run id that every shard computes alike without talking to
// the others: from the run seed, the scenario version and the start instant.
func RunID(runSeed uint64, sc ScenarioRef, start time.Time) string {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], runSeed)
	h.Write(b[:])
	h.Write([]byte(sc.Name + "\x00" + sc.Hash + "\x00" + start.UTC().Format(time.RFC3339Nano)))
	return "r" + hex.EncodeToString(h.Sum(nil)[:6])
}

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)

// ChannelName names channel k of the plan's client at global index client,
// under the run's prefix, in the harness's form "<run>.c<client>.<k>"
// (harness/load.go), so a shard's clients keep their unsharded names. Client ranges of shards are disjoint and the run
// id differs between runs, so no two shards, and no two runs against one
// shared staging server, ever use the same channel.
func ChannelName(runID string, client, k int) (string, error) {
	if !runIDPattern.MatchString(runID) {
		return "", fmt.Errorf("failed to name channel: run id %q: want 1-63 of [A-Za-z0-9_-], starting alphanumeric", runID)
	}
	return fmt.Sprintf("%s.c%d.%d", runID, client, k), nil
}
