package history

import (
	"context"
	"net"

	"github.com/gorilla/websocket"

	"github.com/wschaos/wschaos/client"
)

// Instrument returns cfg with hooks that record client idx's state changes
// (RecState, with attempt, delay, Retry-After and HTTP status) and TCP
// dials (RecDial) in r, the way the harness's Run records its load clients. It is for
// specs that drive raw clients: they judge the records with the same
// checkers ([BackoffObservations], [BackoffObservation.Judge]) instead of
// keeping logs of their own. cfg.OnEvent, if set, still runs after the
// record is taken; cfg.Dialer's settings are kept, its NetDialContext
// replaced, and environment proxies are never used (loopback only).
func (r *Recorder) Instrument(idx int, cfg client.Config) client.Config {
	next := cfg.OnEvent
	cfg.OnEvent = func(ev client.Event) {
		if ev.Kind == client.EventStateChanged {
			r.Add(StateRecord(idx, ev))
		}
		if next != nil {
			next(ev)
		}
	}
	cfg.Dialer = RecordingDialer(cfg.Dialer, func() { r.Add(Record{Kind: RecDial, Client: idx}) })
	return cfg
}

// RecordingDialer copies base (nil: defaults) with onDial called before
// every TCP dial and no proxy (loopback only): the dialer [Recorder.Instrument]
// and the harness's load install.
func RecordingDialer(base *websocket.Dialer, onDial func()) *websocket.Dialer {
	var d websocket.Dialer
	if base != nil {
		d = *base
	}
	d.Proxy = nil // loopback only; never an environment proxy
	nd := net.Dialer{}
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		onDial()
		return nd.DialContext(ctx, network, addr)
	}
	return &d
}

// StateRecord is the record of a state change event of client idx.
func StateRecord(idx int, ev client.Event) Record {
	r := Record{Time: ev.Time, Kind: RecState, Client: idx, Channel: ev.Channel, From: ev.From.String(), To: ev.To.String(),
		Attempt: ev.Attempt, Delay: ev.Delay, RetryAfter: ev.RetryAfter, HTTPStatus: ev.HTTPStatus}
	if ev.Err != nil {
		r.Err = ev.Err.Error()
	}
	return r
}

// BackoffObservations pairs each of client idx's entries into reconnecting
// with its next dial, from records sorted by time (as [Recorder.Records]
// returns them): the scheduled delay, and the observed one when a dial (or
// a connecting state) followed before any other state change.
func BackoffObservations(idx int, rs []Record) []BackoffObservation {
	var mine []Record
	for _, r := range rs {
		if r.Client == idx {
			mine = append(mine, r)
		}
	}
	return backoffObservations(idx, mine)
}

// Count returns how many records of kind client idx has.
func Count(rs []Record, kind RecordKind, idx int) int {
	n := 0
	for _, r := range rs {
		if r.Kind == kind && r.Client == idx {
			n++
		}
	}
	return n
}
