package harness

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness/fault"
)

// walkAttrs are sample attributes for every registered kind, as a scenario
// file would hold them (JSON here). A kind missing from this table fails
// TestEveryFaultKindWalks: a new kind must be walked too.
var walkAttrs = map[string]string{
	"latency":         `{"latency":"20ms","jitter":"5ms","stream":"downstream"}`,
	"bandwidth":       `{"rate_kbps":100}`,
	"slow_close":      `{"delay":"10ms"}`,
	"timeout":         `{"timeout":"0s"}`,
	"reset_peer":      `{"timeout":"10ms","toxicity":0.5}`,
	"slicer":          `{"average_size":16,"size_variation":4,"delay":"1ms"}`,
	"limit_data":      `{"bytes":5000}`,
	"proxy_down":      `{}`,
	"drop":            `{}`,
	"close":           `{"code":1012,"reason":"restart"}`,
	"reject":          `{"status":503,"retry_after":"1s"}`,
	"delay_handshake": `{"delay":"50ms"}`,
	"stall":           `{}`,
	"forget_sessions": `{}`,
	"restart":         `{}`,
	"lossy":           `{}`,
}

// TestEveryFaultKindWalks takes every registered kind through decode ->
// validate -> apply -> undo on a real stack (embedded Toxiproxy and a real
// fault server on loopback) and checks what each left in force: toxics on
// the proxy, the proxy's state, the fault server's active faults.
func TestEveryFaultKindWalks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := NewStack(ctx, StackOptions{Server: faultserver.Config{DisableAdmin: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	names := fault.Names()
	if got, want := slices.Sorted(maps.Keys(walkAttrs)), slices.Sorted(slices.Values(names)); !slices.Equal(got, want) {
		t.Fatalf("walked kinds %v, registered %v", got, want)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			f, err := fault.Decode(name, []byte(walkAttrs[name]))
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Validate(); err != nil {
				t.Fatal(err)
			}
			if f.Name() != name {
				t.Fatalf("Name() = %q", f.Name())
			}
			d := 300 * time.Millisecond
			undo, toxics, err := s.apply(ctx, f, d)
			if err != nil {
				t.Fatal(err)
			}
			tags := f.Tags()
			if tags.Has(fault.Network) == tags.Has(fault.Server) {
				t.Fatalf("tags %b: want exactly one of network and server", tags)
			}
			if tags.Has(fault.Instant) != (undo == nil) {
				t.Fatalf("instant=%v but undo nil=%v", tags.Has(fault.Instant), undo == nil)
			}
			checkInForce(t, s, f, toxics, true)
			if undo != nil {
				if err := undo(ctx); err != nil {
					t.Fatal(err)
				}
			}
			checkInForce(t, s, f, toxics, false)
		})
	}
}

// checkInForce asserts what f leaves on the stack while applied (on) and
// after its undo.
func checkInForce(t *testing.T, s *Stack, f fault.Fault, toxics []string, on bool) {
	t.Helper()
	p, err := s.api.client.Proxy(s.ProxyName())
	if err != nil {
		t.Fatal(err)
	}
	present, err := p.Toxics()
	if err != nil {
		t.Fatal(err)
	}
	wantToxics := 0
	switch {
	case f.Name() == "proxy_down":
		if p.Enabled == on {
			t.Errorf("proxy enabled = %v with proxy_down in force = %v", p.Enabled, on)
		}
	case f.Tags().Has(fault.Network):
		streams := 2
		if l, ok := f.(fault.Latency); ok && l.Stream != "" {
			streams = 1
		}
		if len(toxics) != streams {
			t.Errorf("toxics added = %v, want %d", toxics, streams)
		}
		if on {
			wantToxics = streams
		}
	}
	if len(present) != wantToxics {
		t.Errorf("toxics on the proxy = %d, want %d", len(present), wantToxics)
	}
	active := s.Server().ActiveFaults()
	wantActive := map[string]string{"reject": "reject", "delay_handshake": "delay_handshake", "lossy": "lossy"}[f.Name()]
	if !on || wantActive == "" {
		if len(active) != 0 && f.Name() != "restart" {
			t.Errorf("fault server faults = %v, want none", active)
		}
		return
	}
	if _, ok := active[wantActive]; !ok {
		t.Errorf("fault server faults = %v, want %s", active, wantActive)
	}
}

// TestCloseRulesMatchFaultServer pins fault.Close's validation to the fault
// server's own CloseSpec rules: every code 0..5000 is accepted by one
// exactly when the other accepts it.
func TestCloseRulesMatchFaultServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, err := startFaultServer(ctx, faultserver.Config{DisableAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Close(context.Background()) }()
	for code := range 5001 {
		ours := fault.Close{Code: code}.Validate() == nil
		_, err := srv.CloseConnections(ctx, faultserver.CloseSpec{Code: code, Selector: faultserver.AllConnections})
		if theirs := err == nil; ours != theirs {
			t.Fatalf("code %d: fault.Close accepts=%v, fault server accepts=%v (%v)", code, ours, theirs, err)
		}
	}
	long := fmt.Sprintf("%0124d", 0)
	_, err = srv.CloseConnections(ctx, faultserver.CloseSpec{Code: 1000, Reason: long, Selector: faultserver.AllConnections})
	if (fault.Close{Code: 1000, Reason: long}.Validate() == nil) != (err == nil) {
		t.Fatal("reason length rules differ")
	}
}
