package preflight

import (
	"github.com/wschaos/wschaos/harness"
)

// Layout is the shape of a plan that decides what one process holds.
type Layout struct {
	// Clients is the number of load clients (the agent is counted apart).
	Clients int
	// Channels per client.
	Channels int
	// Messages is the number of publications the plan makes, both ways.
	Messages int64
	// EmbeddedToxiproxy: Toxiproxy runs in this process, so every link
	// holds an accept and a dial socket here.
	EmbeddedToxiproxy bool
	// LocalServer: the fault server runs in this process (no Target), so
	// every session holds its accept socket here.
	LocalServer bool
}

// LayoutOf reads the layout of a plan, with the harness's defaults for
// zero load fields and $TOXIPROXY_URL resolved as the run will.
func LayoutOf(p harness.Plan) Layout {
	ld := p.Load
	if ld.Clients == 0 {
		ld.Clients = harness.DefaultClients
	}
	if ld.Channels == 0 {
		ld.Channels = harness.DefaultChannels
	}
	rate := func(r float64) float64 {
		switch {
		case r == 0:
			return harness.DefaultRate
		case r < 0:
			return 0
		}
		return r
	}
	secs := ld.Duration.D().Seconds()
	up := rate(ld.Up) * float64(ld.Clients) * secs
	down := rate(ld.Down) * float64(ld.Clients*ld.Channels) * secs
	return Layout{
		Clients:           ld.Clients,
		Channels:          ld.Channels,
		Messages:          int64(up + down),
		EmbeddedToxiproxy: p.Stack.EmbeddedToxiproxy(),
		LocalServer:       p.Stack.Target == "",
	}
}

// String names the layout as the error messages do.
func (l Layout) String() string {
	proxy := "external Toxiproxy"
	if l.EmbeddedToxiproxy {
		proxy = "embedded Toxiproxy"
	}
	server := "target server"
	if l.LocalServer {
		server = "local fault server"
	}
	return proxy + " + " + server
}
