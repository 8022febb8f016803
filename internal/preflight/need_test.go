package preflight

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/fault"
)

func TestComputeLayouts(t *testing.T) {
	cases := []struct {
		name                 string
		l                    Layout
		per, fds, maxAt20000 int
	}{
		// client + proxy accept + proxy dial + server accept; agent 2; margin 64
		{"embedded proxy, local server", Layout{Clients: 5000, EmbeddedToxiproxy: true, LocalServer: true}, 4, 20066, 4983},
		{"external proxy, local server", Layout{Clients: 5000, LocalServer: true}, 2, 10066, 9967},
		{"embedded proxy, target", Layout{Clients: 5000, EmbeddedToxiproxy: true}, 3, 15065, 6645},
		{"external proxy, target", Layout{Clients: 10000}, 1, 10065, 19935},
		{"no clients", Layout{EmbeddedToxiproxy: true, LocalServer: true}, 4, 66, 4983},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := Compute(c.l)
			if n.FDsPerClient != c.per || n.FDs != c.fds {
				t.Fatalf("Compute = %d per client, %d total; want %d, %d", n.FDsPerClient, n.FDs, c.per, c.fds)
			}
			if got := MaxClients(c.l, 20000); got != c.maxAt20000 {
				t.Fatalf("MaxClients(20000) = %d, want %d", got, c.maxAt20000)
			}
			// the boundary: MaxClients fits, one more does not
			fit := c.l
			fit.Clients = c.maxAt20000
			if Compute(fit).FDs > 20000 {
				t.Fatalf("%d clients need %d > 20000", fit.Clients, Compute(fit).FDs)
			}
			fit.Clients++
			if Compute(fit).FDs <= 20000 {
				t.Fatalf("%d clients need only %d <= 20000", fit.Clients, Compute(fit).FDs)
			}
		})
	}
	if got := MaxClients(Layout{LocalServer: true}, 10); got != 0 {
		t.Fatalf("MaxClients below the margin = %d, want 0", got)
	}
}

func TestComputeMemory(t *testing.T) {
	n := Compute(Layout{Clients: 1000, Messages: 90000, EmbeddedToxiproxy: true, LocalServer: true})
	want := uint64(MemBase + 1000*MemPerClient + 90000*MemPerMessage)
	if n.Memory != want {
		t.Fatalf("Memory = %d, want %d", n.Memory, want)
	}
	if n := Compute(Layout{Clients: -1, Messages: -5}); n.Memory != MemBase {
		t.Fatalf("negative counts: Memory = %d, want %d", n.Memory, MemBase)
	}
}

func TestLayoutOf(t *testing.T) {
	t.Setenv(harness.EnvToxiproxyURL, "")
	p := harness.Plan{
		Load:  harness.Load{Clients: 10, Channels: 3, Up: 2, Down: 1, Duration: fault.Duration(10 * time.Second)},
		Stack: harness.StackOptions{Toxiproxy: harness.ToxiproxyEmbedded},
	}
	got := LayoutOf(p)
	// up 2/s x 10 clients x 10 s + down 1/s x 30 channels x 10 s
	want := Layout{Clients: 10, Channels: 3, Messages: 500, EmbeddedToxiproxy: true, LocalServer: true}
	if got != want {
		t.Fatalf("LayoutOf = %+v, want %+v", got, want)
	}
	// defaults: 4 clients x 2 channels at 5/s; no upstream traffic; a target behind an external proxy
	p = harness.Plan{Load: harness.Load{Up: -1, Duration: fault.Duration(10 * time.Second)},
		Stack: harness.StackOptions{Toxiproxy: harness.ToxiproxyExternal, ToxiproxyURL: "http://127.0.0.1:1", Target: "ws://127.0.0.1:2/ws"}}
	want = Layout{Clients: 4, Channels: 2, Messages: 400}
	if got := LayoutOf(p); got != want {
		t.Fatalf("LayoutOf defaults = %+v, want %+v", got, want)
	}
}

func TestEmbeddedToxiproxyResolvesEnv(t *testing.T) {
	t.Setenv(harness.EnvToxiproxyURL, "")
	if !(harness.StackOptions{}).EmbeddedToxiproxy() {
		t.Fatal("auto without $TOXIPROXY_URL: want embedded")
	}
	t.Setenv(harness.EnvToxiproxyURL, "http://127.0.0.1:1")
	if (harness.StackOptions{}).EmbeddedToxiproxy() {
		t.Fatal("auto with $TOXIPROXY_URL: want external")
	}
	if !(harness.StackOptions{Toxiproxy: harness.ToxiproxyEmbedded}).EmbeddedToxiproxy() {
		t.Fatal("explicit embedded with $TOXIPROXY_URL: want embedded")
	}
	if !(harness.StackOptions{ToxiproxyURL: "embedded"}).EmbeddedToxiproxy() {
		t.Fatal(`ToxiproxyURL "embedded": want embedded`)
	}
}

func TestParseMemAvailable(t *testing.T) {
	got, err := parseMemAvailable([]byte("MemTotal:       32000000 kB\nMemFree: 100 kB\nMemAvailable:   23000000 kB\n"))
	if err != nil || got != 23000000<<10 {
		t.Fatalf("parse = %d, %v; want %d", got, err, 23000000<<10)
	}
	if _, err := parseMemAvailable([]byte("MemTotal: 1 kB\n")); err == nil {
		t.Fatal("missing MemAvailable: want an error")
	}
	if _, err := parseMemAvailable([]byte("MemAvailable: x kB\n")); err == nil {
		t.Fatal("bad MemAvailable: want an error")
	}
}

func TestCheckMemory(t *testing.T) {
	if _, err := memAvailable(); err != nil {
		t.Skipf("no /proc/meminfo: %v", err)
	}
	small := Compute(Layout{Clients: 2, LocalServer: true, EmbeddedToxiproxy: true})
	if rep, err := Check(small, Options{}); err != nil || len(rep.Warnings) != 0 || rep.MemAvailable == 0 {
		t.Fatalf("small plan: %+v, %v; want no error, no warnings", rep, err)
	}
	huge := small
	huge.Memory = 1 << 62
	_, err := Check(huge, Options{})
	var le *LimitError
	if !errors.As(err, &le) || !errors.Is(err, ErrInsufficient) || le.Limit != "MemAvailable" || le.Need != 1<<62 {
		t.Fatalf("huge plan: %v; want a MemAvailable LimitError", err)
	}
}

func TestJudgeMemory(t *testing.T) {
	const avail = 1000 << 20
	cases := []struct {
		mem           uint64
		warn, refused bool
	}{
		{avail, false, false},
		{avail + 1, true, false},
		{avail * 3 / 2, true, false},
		{avail*3/2 + 1, false, true},
	}
	for _, c := range cases {
		n := Compute(Layout{Clients: 4000, Messages: 1, EmbeddedToxiproxy: true, LocalServer: true})
		n.Memory = c.mem
		w, err := judgeMemory(n, avail)
		if (w != "") != c.warn || (err != nil) != c.refused {
			t.Fatalf("memory %d of %d: warning %q, err %v; want warn %v, refused %v", c.mem, uint64(avail), w, err, c.warn, c.refused)
		}
		if c.refused {
			var le *LimitError
			if !errors.As(err, &le) || !errors.Is(err, ErrInsufficient) || le.Need != c.mem || le.Have != avail {
				t.Fatalf("refusal %v: want a LimitError with need and have", err)
			}
			for _, want := range []string{"MemAvailable is 1000 MiB", "4000 clients", "wschaos serve", "--skip-preflight"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q lacks %q", err, want)
				}
			}
		}
	}
}
