package faultserver_test

import (
	"context"
	"fmt"

	"github.com/gorilla/websocket"
	"github.com/wschaos/wschaos/faultserver"
)

// Start a server on a loopback port, connect, drop every connection and
// read what the event log recorded.
func Example() {
	ctx := context.Background()
	srv, err := faultserver.New(faultserver.Config{DisableAdmin: true})
	if err != nil {
		panic(err)
	}
	if err := srv.Start(ctx); err != nil {
		panic(err)
	}
	defer srv.Close(ctx)

	ws, _, err := websocket.DefaultDialer.Dial(srv.EchoURL(), nil)
	if err != nil {
		panic(err)
	}
	defer ws.Close()
	_ = ws.WriteMessage(websocket.TextMessage, []byte("ping")) // echoed: the server has adopted the socket
	_, echo, _ := ws.ReadMessage()

	n, _ := srv.DropConnections(ctx, faultserver.AllConnections)
	fmt.Printf("echo %q, dropped %d\n", echo, n)
	for _, e := range srv.Events() {
		fmt.Println(e.Kind)
	}
	// Output:
	// echo "ping", dropped 1
	// listening
	// connect
	// fault
	// drop
	// disconnect
}
