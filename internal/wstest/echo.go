// Package wstest holds test fixtures shared by several packages' tests: a
// plain gorilla/websocket echo server (the "any server" stand-in and the raw
// baseline in benchmarks), a loopback fault server that stands in for "your
// server", and the scaled-down client configuration specs use.
package wstest

import (
	"net/http"

	"github.com/gorilla/websocket"
)

// EchoHandler upgrades every request and writes each data frame back with
// its type, until the connection fails. It is raw gorilla/websocket with no
// session protocol, no heartbeats of its own and no faults.
func EchoHandler() http.Handler {
	up := websocket.Upgrader{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return // Upgrade has already answered with an HTTP error
		}
		defer c.Close()
		for {
			typ, data, err := c.ReadMessage()
			if err != nil || c.WriteMessage(typ, data) != nil {
				return
			}
		}
	})
}
