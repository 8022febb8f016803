// Command wschaos-adapter is the conformance adapter for wschaos's own
// client: generic mode (client.Client on the echo endpoint) or, with
// -session, session mode (client.Session publishing to one channel).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"os"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/conformance"
)

var (
	outMu sync.Mutex
	enc   = json.NewEncoder(os.Stdout)
)

func report(r conformance.Report) {
	outMu.Lock()
	defer outMu.Unlock()
	_ = enc.Encode(r)
}

func config(o conformance.Options) client.Config {
	jit := map[string]client.JitterMode{"full": client.JitterFull, "equal": client.JitterEqual,
		"none": client.JitterNone, "proportional": client.JitterProportional}[o.Backoff.Jitter]
	hb := time.Duration(o.HeartbeatMS) * time.Millisecond
	return client.Config{
		Backoff: client.Backoff{Base: time.Duration(o.Backoff.InitialMS) * time.Millisecond,
			Cap: time.Duration(o.Backoff.MaxMS) * time.Millisecond, Multiplier: o.Backoff.Factor, Jitter: jit},
		MaxAttempts:      o.MaxRetries,
		HandshakeTimeout: time.Duration(o.HandshakeTimeoutMS) * time.Millisecond, // 0: the client's default
		MinUptime:        time.Second,
		PingInterval:     hb,
		PongTimeout:      2 * hb,
		OnEvent: func(ev client.Event) {
			if ev.Kind != client.EventStateChanged {
				return
			}
			st := map[client.State]string{client.StateConnecting: "connecting", client.StateConnected: "open",
				client.StateReconnecting: "closed", client.StateFailed: "failed", client.StateClosed: "closed"}[ev.To]
			report(conformance.Report{Type: "state", State: st, Code: ev.CloseCode})
		},
	}
}

func main() {
	session := flag.Bool("session", false, "use the session layer")
	flag.Parse()
	name := "wschaos"
	if *session {
		name = "wschaos-session"
	}
	ctx := context.Background()
	var send func(data string) error
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var c conformance.Command
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			report(conformance.Report{Type: "log", Error: err.Error()})
			continue
		}
		switch c.Cmd {
		case "hello":
			// Delivery as client/doc.go ("Delivery guarantees") states it:
			// generic mode is at-most-once across a drop (a written frame the
			// server never read is gone); session mode acks and resends every
			// publication and the server drops duplicates by seq.
			delivery := conformance.DeliveryAtMostOnce
			if *session {
				delivery = conformance.DeliveryExactlyOnce
			}
			report(conformance.Report{Type: "hello", Name: name, Capabilities: &conformance.Capabilities{
				Queue: true, RetryLimit: true, Heartbeat: true, Backoff: true, ExactPolicy: true, Delivery: delivery}})
		case "connect":
			cfg := config(*c.Options)
			if *session {
				cfg.OnMessage = nil
				s, err := client.NewSession(c.URL, client.SessionConfig{Client: cfg})
				if err != nil {
					report(conformance.Report{Type: "state", State: "failed", Error: err.Error()})
					continue
				}
				send = func(d string) error { _, err := s.Publish(ctx, "conform", []byte(d)); return err }
			} else {
				cfg.OnMessage = func(m client.Message) { report(conformance.Report{Type: "message", Data: string(m.Data)}) }
				cl, err := client.New(c.URL, cfg)
				if err != nil {
					report(conformance.Report{Type: "state", State: "failed", Error: err.Error()})
					continue
				}
				send = func(d string) error {
					return cl.Send(ctx, client.Outbound{Type: websocket.TextMessage, Data: []byte(d)})
				}
			}
		case "send":
			r := conformance.Report{Type: "sent", ID: c.ID, Result: "accepted"}
			if send == nil {
				r.Result, r.Error = "refused", "not connected"
			} else if err := send(c.Data); err != nil {
				r.Result, r.Error = "refused", err.Error()
			}
			report(r)
		case "close":
			os.Exit(0)
		}
	}
}
