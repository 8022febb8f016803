// Command recws-adapter is the conformance adapter for
// github.com/recws-org/recws v1.4.0. recws has no callbacks: the adapter
// polls IsConnected for state, and runs the read loop that drives its
// reconnects (it reconnects only when a read or write fails).
package main

import (
	"bufio"
	"encoding/json"
	"log"
	"os"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/recws-org/recws"
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

func connect(url string, o conformance.Options) *recws.RecConn {
	rc := &recws.RecConn{
		RecIntvlMin:      time.Duration(o.Backoff.InitialMS) * time.Millisecond,
		RecIntvlMax:      time.Duration(o.Backoff.MaxMS) * time.Millisecond,
		RecIntvlFactor:   o.Backoff.Factor,
		HandshakeTimeout: max(time.Duration(o.HandshakeTimeoutMS)*time.Millisecond, time.Second),
		KeepAliveTimeout: time.Duration(o.HeartbeatMS) * time.Millisecond,
		NonVerbose:       true,
	}
	go rc.Dial(url, nil) // Dial sleeps a whole HandshakeTimeout
	go func() {          // state, polled
		was := false
		for range time.Tick(5 * time.Millisecond) {
			if now := rc.IsConnected(); now != was {
				was = now
				st := map[bool]string{true: "open", false: "closed"}[now]
				report(conformance.Report{Type: "state", State: st})
			}
		}
	}()
	go func() { // the read loop: its errors are what make recws reconnect
		for {
			if !rc.IsConnected() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			if _, data, err := rc.ReadMessage(); err == nil && data != nil {
				report(conformance.Report{Type: "message", Data: string(data)})
			}
		}
	}()
	return rc
}

func main() {
	log.SetOutput(os.Stderr)
	var rc *recws.RecConn
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var c conformance.Command
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			continue
		}
		switch c.Cmd {
		case "hello":
			// WriteMessage writes straight to the gorilla conn and returns
			// ErrNotConnected while down (recws.go:126-145): no queue, no
			// resend, so a frame written into a dying connection is lost.
			report(conformance.Report{Type: "hello", Name: "recws", Capabilities: &conformance.Capabilities{
				Queue: false, RetryLimit: false, Heartbeat: true, Backoff: true, Delivery: conformance.DeliveryAtMostOnce}})
		case "connect":
			rc = connect(c.URL, *c.Options)
		case "send":
			r := conformance.Report{Type: "sent", ID: c.ID, Result: "accepted"}
			if rc == nil {
				r.Result, r.Error = "refused", "not connected"
			} else if err := rc.WriteMessage(websocket.TextMessage, []byte(c.Data)); err != nil {
				r.Result, r.Error = "refused", err.Error()
			}
			report(r)
		case "close":
			os.Exit(0)
		}
	}
}
