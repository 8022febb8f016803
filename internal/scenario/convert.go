package scenario

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/internal/slo"
)

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// convert checks raw field by field and builds the Scenario. Problems are
// recorded in d.errs; the result is meaningful only when there are none.
func (d *doc) convert(r *rawScenario) *Scenario {
	s := &Scenario{Name: r.Name, Description: strings.TrimSpace(r.Description)}
	switch {
	case r.Name == "":
		d.errKey("name", "is required")
	case !namePattern.MatchString(r.Name):
		d.errAt("name", "%s: want lowercase letters, digits, - and _ (at most 63), starting with a letter or digit", quote(r.Name))
	}
	if r.Seed != nil {
		s.Seed, s.HasSeed = *r.Seed, true
	}
	s.Stack = d.stack(r.Stack)
	s.Client = d.client(r.Client)
	s.Load = d.load(r.Load)
	s.Timeline = d.timeline(r.Timeline, s)
	s.SLOs = d.slos(r.SLOs)
	s.ShortSpec = d.short(r.Short, s.Load)
	return s
}

func (d *doc) stack(r rawStack) Stack {
	st := Stack{Mode: r.Mode, Target: r.Target, Toxiproxy: r.Toxiproxy, Proxy: r.Proxy}
	if st.Mode == "" {
		st.Mode = StackEmbedded
	}
	switch st.Mode {
	case StackEmbedded:
		for _, f := range []struct{ name, v string }{{"target", r.Target}, {"toxiproxy", r.Toxiproxy}, {"proxy", r.Proxy}} {
			if f.v != "" {
				d.errKey("stack."+f.name, "only for mode external; the embedded stack starts its own")
			}
		}
	case StackExternal:
		if r.Target != "" {
			d.url("stack.target", r.Target, "ws", "wss")
		}
		switch {
		case r.Toxiproxy != "":
			d.url("stack.toxiproxy", r.Toxiproxy, "http", "https")
			if st.Proxy == "" {
				st.Proxy = DefaultProxy
			}
		case r.Target == "":
			d.errKey("stack.toxiproxy", "is required with mode external unless stack.target is set")
		case r.Proxy != "":
			// A target alone gets an in-process Toxiproxy, which has no
			// named proxies: it creates its own.
			d.errKey("stack.proxy", "names a proxy on an external Toxiproxy; set stack.toxiproxy too")
		}
	default:
		d.errAt("stack.mode", "%s: want embedded or external", quote(r.Mode))
	}
	return st
}

func (d *doc) url(path, v string, schemes ...string) {
	if v == "" {
		d.errKey(path, "is required with mode external")
		return
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		d.errAt(path, "%s is not an absolute URL", quote(v))
		return
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return
		}
	}
	d.errAt(path, "%s: want a %s:// URL", quote(v), strings.Join(schemes, ":// or "))
}

// dur parses an optional duration; empty means zero.
func (d *doc) dur(path, v string) time.Duration {
	if v == "" {
		return 0
	}
	if v == "0" {
		return 0
	}
	x, err := time.ParseDuration(v)
	if err != nil {
		d.errAt(path, "%s is not a duration: want a number with a unit, such as 500ms, 5s or 1m30s", quote(v))
		return 0
	}
	if x < 0 {
		d.errAt(path, "%s: must not be negative", v)
		return 0
	}
	return x
}

func (d *doc) nonNegInt(path string, v *int) int {
	if v == nil {
		return 0
	}
	if *v < 0 {
		d.errAt(path, "%d: must not be negative", *v)
		return 0
	}
	return *v
}

func (d *doc) client(r rawClient) Client {
	c := Client{
		HandshakeTimeout: d.dur("client.handshake_timeout", r.HandshakeTimeout),
		MinUptime:        d.dur("client.min_uptime", r.MinUptime),
		Backoff: Backoff{
			Base: d.dur("client.backoff.base", r.Backoff.Base),
			Cap:  d.dur("client.backoff.cap", r.Backoff.Cap),
		},
		MaxAttempts:       d.nonNegInt("client.limits.max_attempts", r.Limits.MaxAttempts),
		MaxElapsed:        d.dur("client.limits.max_elapsed", r.Limits.MaxElapsed),
		PingInterval:      d.dur("client.heartbeat.interval", r.Heartbeat.Interval),
		PongTimeout:       d.dur("client.heartbeat.timeout", r.Heartbeat.Timeout),
		HeartbeatDisabled: r.Heartbeat.Disabled,
		QueueMessages:     d.nonNegInt("client.queue.max_messages", r.Queue.MaxMessages),
		QueueBytes:        d.nonNegInt("client.queue.max_bytes", r.Queue.MaxBytes),
	}
	b := &c.Backoff
	if b.Base > 0 && b.Cap > 0 && b.Cap < b.Base {
		d.errAt("client.backoff.cap", "%v is below base %v", b.Cap, b.Base)
	}
	if m := r.Backoff.Multiplier; m != nil {
		if *m < 1 || math.IsInf(*m, 0) || math.IsNaN(*m) {
			d.errAt("client.backoff.multiplier", "%v: must be at least 1", *m)
		} else {
			b.Multiplier = *m
		}
	}
	if r.Backoff.Jitter != "" {
		if err := b.Jitter.UnmarshalText([]byte(r.Backoff.Jitter)); err != nil {
			d.errAt("client.backoff.jitter", "%s: want proportional, none, full, equal, decorrelated or phased", quote(r.Backoff.Jitter))
		}
	}
	if f := r.Backoff.Fraction; f != nil {
		switch {
		case !(*f > 0 && *f <= 1):
			d.errAt("client.backoff.fraction", "%v: want a fraction in (0, 1]", *f)
		case b.Jitter != client.JitterProportional:
			d.errKey("client.backoff.fraction", "only applies to jitter proportional, not %s", b.Jitter)
		default:
			b.Fraction = *f
		}
	}
	if r.Heartbeat.Disabled && (c.PingInterval != 0 || c.PongTimeout != 0) {
		d.errKey("client.heartbeat.disabled", "disabled heartbeats take no interval or timeout")
	}
	interval := c.PingInterval
	if interval == 0 {
		interval = 10 * time.Second // the client's default
	}
	if c.PongTimeout != 0 && c.PongTimeout <= interval {
		d.errAt("client.heartbeat.timeout", "%v must exceed the ping interval %v, or a quiet healthy connection is declared dead", c.PongTimeout, interval)
	}
	if r.Queue.Overflow != "" {
		if err := c.Overflow.UnmarshalText([]byte(r.Queue.Overflow)); err != nil {
			d.errAt("client.queue.overflow", "%s: want block, error or drop_oldest", quote(r.Queue.Overflow))
		}
	}
	return c
}

func (d *doc) load(r rawLoad) Load {
	l := Load{Clients: DefaultClients, Channels: DefaultChannels, Up: DefaultUp, Down: DefaultDown, MessageSize: DefaultMessageSize}
	if r.Clients != nil {
		if *r.Clients < 1 || *r.Clients > 10000 {
			d.errAt("load.clients", "%d: want 1..10000", *r.Clients)
		} else {
			l.Clients = *r.Clients
		}
	}
	if r.Channels != nil {
		if *r.Channels < 1 || *r.Channels > 1000 {
			d.errAt("load.channels", "%d: want 1..1000", *r.Channels)
		} else {
			l.Channels = *r.Channels
		}
	}
	rate := func(path string, v *float64, dst *float64) {
		if v == nil {
			return
		}
		if *v < 0 || *v > 10000 || math.IsNaN(*v) {
			d.errAt(path, "%v: want 0..10000 messages per second", *v)
			return
		}
		*dst = *v
	}
	rate("load.publish.up", r.Publish.Up, &l.Up)
	rate("load.publish.down", r.Publish.Down, &l.Down)
	if r.MessageSize != nil {
		if *r.MessageSize < 1 || *r.MessageSize > 1<<20 {
			d.errAt("load.message_size", "%d: want 1..1048576 bytes", *r.MessageSize)
		} else {
			l.MessageSize = *r.MessageSize
		}
	}
	if r.Duration == "" {
		d.errKey("load.duration", "is required: how long the run lasts, e.g. 30s")
	} else {
		before := len(d.errs)
		if l.Duration = d.dur("load.duration", r.Duration); l.Duration == 0 && len(d.errs) == before {
			d.errAt("load.duration", "must be positive")
		}
	}
	if l.Duration > 24*time.Hour {
		d.errAt("load.duration", "%v: at most 24h", l.Duration)
	}
	l.ConnectTimeout = d.connectTimeout(r.ConnectTimeout)
	return l
}

// connectTimeout parses load.connect_timeout: absent means the harness's
// default (it grows with the client count); present, 1s..1h.
func (d *doc) connectTimeout(v string) time.Duration {
	if v == "" {
		return 0
	}
	before := len(d.errs)
	t := d.dur("load.connect_timeout", v)
	if len(d.errs) > before {
		return 0
	}
	if t < time.Second || t > time.Hour {
		d.errAt("load.connect_timeout", "%s: want 1s..1h (omit it for the default: 30s + 10ms per client and per channel attach)", v)
		return 0
	}
	return t
}

func (d *doc) slos(exprs []string) []SLO {
	out := make([]SLO, 0, len(exprs))
	for i, src := range exprs {
		path := fmt.Sprintf("slos[%d]", i)
		e, err := slo.Parse(src)
		if err != nil {
			d.errAt(path, "%v", err)
			continue
		}
		line, col := d.valuePos(path)
		out = append(out, SLO{Expr: e, Pos: Pos{File: d.file, Line: line, Column: col}})
	}
	if len(exprs) == 0 {
		d.errKey("slos", "at least one SLO is required, e.g. lost == 0")
	}
	return out
}

func (d *doc) short(r rawShort, l Load) ShortSpec {
	sp := ShortSpec{TimeScale: DefaultTimeScale, Clients: max(2, l.Clients/4)}
	if sp.Clients > l.Clients {
		sp.Clients = l.Clients
	}
	if r.TimeScale != nil {
		if !(*r.TimeScale > 0 && *r.TimeScale <= 1) {
			d.errAt("short.time_scale", "%v: want a factor in (0, 1]", *r.TimeScale)
		} else {
			sp.TimeScale = *r.TimeScale
		}
	}
	if r.Clients != nil {
		if *r.Clients < 1 || *r.Clients > l.Clients {
			d.errAt("short.clients", "%d: want 1..%d (load.clients)", *r.Clients, l.Clients)
		} else {
			sp.Clients = *r.Clients
		}
	}
	return sp
}
