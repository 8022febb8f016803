package harness

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// The owed index counts exactly what a receiver still waits for, whatever
// the order deliveries and hand-backs settle in: in order, out of order,
// duplicated, or never expected.
func TestOwedStream(t *testing.T) {
	m := &member{}
	for i := uint64(1); i <= 10; i++ {
		m.expect("c", "client-0", i)
	}
	m.expect("c", "server", 1)
	if m.owedTotal != 11 {
		t.Fatalf("owed %d, want 11", m.owedTotal)
	}
	steps := []struct {
		ch, sender string
		index      uint64
		owed       bool
		total      int
	}{
		{"c", "client-0", 1, true, 10},
		{"c", "client-0", 1, false, 10}, // a duplicate
		{"c", "client-0", 4, true, 9},   // out of order
		{"c", "client-0", 4, false, 9},
		{"c", "client-0", 11, false, 9}, // never expected
		{"c", "client-0", 0, false, 9},
		{"d", "client-0", 2, false, 9}, // another channel
		{"c", "client-0", 2, true, 8},
		{"c", "client-0", 3, true, 7}, // joins 4
		{"c", "server", 1, true, 6},
	}
	for _, s := range steps {
		m.mu.Lock()
		got := m.settledLocked(s.ch, s.sender, s.index)
		m.mu.Unlock()
		if got != s.owed || m.owedTotal != s.total {
			t.Fatalf("settle %s/%s/%d: owed %v total %d, want %v %d", s.sender, s.ch, s.index, got, m.owedTotal, s.owed, s.total)
		}
	}
	o := m.owedIndex[owedKey{"c", "client-0"}]
	if o.low != 4 || len(o.above) != 0 {
		t.Fatalf("stream %+v, want low 4 and nothing above", o)
	}
	// Seeded shuffles: settling every index once, in any order, with
	// duplicates, leaves nothing owed; the count never goes wrong on the way.
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		m := &member{}
		const n = 200
		for i := uint64(1); i <= n; i++ {
			m.expect("c", "s", i)
		}
		order := rnd.Perm(2 * n) // each index twice
		want := n
		for _, k := range order {
			idx := uint64(k%n) + 1
			m.mu.Lock()
			if m.settledLocked("c", "s", idx) {
				want--
			}
			m.mu.Unlock()
			if m.owedTotal != want {
				t.Fatalf("owed %d, want %d", m.owedTotal, want)
			}
		}
		if want != 0 || m.owedTotal != 0 {
			t.Fatalf("left %d owed", want)
		}
	}
}

// parsePayload reads what appendPayload wrote, and agrees with the
// strconv-and-SplitN parser it replaced on malformed input.
func TestParsePayload(t *testing.T) {
	senders := map[string]string{}
	for _, c := range []struct {
		sender string
		index  uint64
		size   int
	}{{"client-3", 1, 32}, {"server", 18446744073709551615, 8}, {"c", 42, 0}} {
		b := appendPayload(nil, c.sender, c.index, c.size)
		if len(b) < c.size {
			t.Fatalf("payload %q shorter than %d", b, c.size)
		}
		s, i, ok := parsePayload(b, senders)
		if !ok || s != c.sender || i != c.index {
			t.Fatalf("parse %q = %q %d %v", b, s, i, ok)
		}
	}
	if len(senders) != 3 {
		t.Fatalf("interned %v", senders)
	}
	old := func(data []byte) (string, uint64, bool) {
		parts := bytes.SplitN(data, []byte{'|'}, 3)
		if len(parts) < 3 {
			return "", 0, false
		}
		n, err := strconv.ParseUint(string(parts[1]), 10, 64)
		if err != nil {
			return "", 0, false
		}
		return string(parts[0]), n, true
	}
	for _, in := range []string{"", "a", "a|", "a|1", "a||", "a|1|", "|1|x", "a|+1|", "a|-1|", "a|1a|", "a|0x1|", "a|18446744073709551616|",
		"a|18446744073709551615|", "a|007|", "a|1_0|", "a|1|2|3", "a| 1|"} {
		s1, i1, ok1 := old([]byte(in))
		s2, i2, ok2 := parsePayload([]byte(in), nil)
		if s1 != s2 || i1 != i2 || ok1 != ok2 {
			t.Fatalf("%q: old %q %d %v, new %q %d %v", in, s1, i1, ok1, s2, i2, ok2)
		}
	}
}

// The pacer holds back for a receiver only while it is more than the bound
// behind and still reading: one that read nothing for stuckAfter is
// stalled or dead (a fault's doing), and is not waited for; once it reads
// again it is waited for again. A receiver within the bound never is.
func TestHoldForLaggingReceiver(t *testing.T) {
	m := &member{}
	for i := uint64(1); i <= 10; i++ {
		m.expect("c", "client-0", i)
	}
	t0 := time.Unix(1000, 0)
	if m.holdFor("c", 10, t0) {
		t.Fatal("10 behind with a bound of 10: held")
	}
	if !m.holdFor("c", 9, t0) {
		t.Fatal("10 behind with a bound of 9: not held")
	}
	if !m.holdFor("c", 9, t0.Add(stuckAfter-time.Millisecond)) {
		t.Fatal("not read for just under stuckAfter: not held")
	}
	if m.holdFor("c", 9, t0.Add(stuckAfter)) {
		t.Fatal("not read for stuckAfter: still held (a stalled receiver would stop the load)")
	}
	m.mu.Lock()
	m.info.Delivered++ // it reads again
	m.settledLocked("c", "client-0", 1)
	m.mu.Unlock()
	if !m.holdFor("c", 8, t0.Add(2*stuckAfter)) {
		t.Fatal("reading again, 9 behind with a bound of 8: not held")
	}
	if m.holdFor("c", 9, t0.Add(2*stuckAfter)) || m.holdFor("d", 0, t0) {
		t.Fatal("within the bound, or another channel: held")
	}
}
