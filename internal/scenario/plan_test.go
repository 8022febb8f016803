package scenario

import (
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness/fault"
)

func TestBuildPlanMapsEveryBuiltin(t *testing.T) {
	for _, info := range Builtins() {
		s, err := Builtin(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range []*Scenario{s, s.Short()} {
			p, err := sc.Plan(1)
			if err != nil {
				t.Errorf("%s: %v", info.Name, err)
				continue
			}
			if err := p.Validate(); err != nil {
				t.Errorf("%s: harness rejects the plan: %v", info.Name, err)
			}
			if len(p.Timeline) != len(sc.Timeline) || p.Load.Clients != sc.Load.Clients || p.Load.Duration.D() != sc.Load.Duration {
				t.Errorf("%s: plan %+v does not match scenario", info.Name, p.Load)
			}
		}
	}
}

func TestHarnessFaultAttributes(t *testing.T) {
	sc, err := Parse("t.yaml", []byte(`name: t
load: {duration: 9s}
slos: [lost == 0]
timeline:
  - {at: 1s, fault: reject, attributes: {status: 503, retry_after: 3s, count: 2}}
  - {at: 2s, fault: latency, duration: 1s, attributes: {latency: 100ms, stream: upstream, toxicity: 0.5}}
`))
	if err != nil {
		t.Fatal(err)
	}
	f := sc.Timeline[0].Value
	if r, ok := f.(fault.Reject); !ok || r.Status != 503 || r.RetryAfter.D() != 3*time.Second || r.Count != 2 {
		t.Errorf("fault = %#v", f)
	}
	f = sc.Timeline[1].Value
	if l, ok := f.(fault.Latency); !ok || l.Latency.D() != 100*time.Millisecond || l.Stream != fault.StreamUpstream || l.Toxicity != 0.5 {
		t.Errorf("fault = %#v", f)
	}
	// A step the parser did not decode is an error, not a zero fault.
	sc.Timeline[0].Value = nil
	if _, err := sc.Plan(1); err == nil {
		t.Error("undecoded step accepted")
	}
}

func TestClientConfig(t *testing.T) {
	c := (Client{HeartbeatDisabled: true, Overflow: client.OverflowDropOldest,
		Backoff: Backoff{Jitter: client.JitterFull, Base: time.Second}}).ClientConfig()
	if c.PingInterval >= 0 || c.Queue.Overflow != client.OverflowDropOldest || c.Backoff.Base != time.Second || c.Backoff.Jitter.String() != "full" {
		t.Errorf("config = %+v", c)
	}
}
