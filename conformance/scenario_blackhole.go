package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Shopify/toxiproxy/v2"
)

// blackholeFor is how long the blackhole lasts: longer than 2 heartbeats
// (a heartbeat client must notice), far shorter than the fault server's
// idle timeout (10s in env), so the server never closes the link itself.
const blackholeFor = 1500 * time.Millisecond

// blackhole makes p drop every byte both ways, on the links it has and on
// new ones, without closing anything: Toxiproxy's timeout toxic with
// timeout 0. Removing the toxics lets traffic through again.
func blackhole(ctx context.Context, p *toxiproxy.Proxy, on bool) error {
	for _, stream := range []string{"upstream", "downstream"} {
		name := "blackhole-" + stream
		if !on {
			if err := p.Toxics.RemoveToxic(ctx, name); err != nil {
				return fmt.Errorf("toxiproxy: remove %s: %w", name, err)
			}
			continue
		}
		js := fmt.Sprintf(`{"name":%q,"type":"timeout","stream":%q,"toxicity":1,"attributes":{"timeout":0}}`, name, stream)
		if _, err := p.Toxics.AddToxicJson(strings.NewReader(js)); err != nil {
			return fmt.Errorf("toxiproxy: add %s: %w", name, err)
		}
	}
	return nil
}

// scenarioBlackhole streams messages through a blackhole outage: packets
// dropped with no RST and no FIN, so only a heartbeat (or a write timeout)
// tells the client its link is dead, and a dial during the outage hangs.
func scenarioBlackhole(e *env) (map[string]verdict, error) {
	p, a, err := e.connectThroughProxy()
	if err != nil {
		return nil, err
	}
	from := len(a.snapshot())
	var start time.Time
	ids, w, err := e.stream(a, func() error {
		start = time.Now()
		if err := blackhole(e.ctx, p, true); err != nil {
			return err
		}
		err := e.sleep(blackholeFor)
		// Lift it even when the context ended, so the proxy stops cleanly.
		return errors.Join(err, blackhole(context.WithoutCancel(e.ctx), p, false))
	})
	if err != nil {
		return nil, err
	}
	_, werr := e.waitHandshake(w.back, reconnectBound, "c0", upgraded)
	out := map[string]verdict{}
	switch {
	case !a.caps.Heartbeat:
		out["1.9"] = v(Unimplemented, "client declares no heartbeat: a silent link cannot be told from a quiet one")
	case werr != nil:
		out["1.9"] = v(Failed, "no new connection within %v of the link's return (%s)", reconnectBound, noticed(a, from, start))
	default:
		out["1.9"] = gradeReconnect(e.srv.Handshakes(), w.back, reconnectBound)
		out["1.9"] = v(out["1.9"].Grade, "%s; %s", out["1.9"].Detail, noticed(a, from, start))
	}
	e.settle(w.back, ids)
	out["6.4"] = gradeDelivery(deliveries(ids, a, e.srv.Frames(), w), a.caps.Delivery, true)
	return out, nil
}

// noticed says when the adapter reported leaving open after start (what
// only the client knows: the server cannot see a detection it never hears).
func noticed(a *adapter, from int, start time.Time) string {
	for _, r := range a.snapshot()[from:] {
		if r.Type == "state" && r.State != "open" && r.Time.After(start) {
			return fmt.Sprintf("client reported the link dead %v into the blackhole", r.Time.Sub(start).Round(time.Millisecond))
		}
	}
	return "client never reported the link dead"
}
