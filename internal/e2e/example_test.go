package e2e_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
)

// A session publishes and receives on a channel; the connection is dropped
// in between, and the session resumes with nothing lost or repeated.
func Example_session() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, _ := faultserver.New(faultserver.Config{DisableAdmin: true})
	if err := srv.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close(ctx)

	s, err := client.DialSession(ctx, srv.SessionURL(), client.SessionConfig{
		Client: client.Config{Backoff: client.Backoff{Base: 10 * time.Millisecond, Cap: 100 * time.Millisecond}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close(ctx)
	sub, err := s.Attach(ctx, "greetings")
	if err != nil {
		fmt.Println(err)
		return
	}

	for i, text := range []string{"hello", "again", "world"} {
		if i == 1 {
			srv.DropConnections(ctx, faultserver.AllConnections) // chaos
		}
		p, err := s.PublishAndWait(ctx, "greetings", []byte(text))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("acked", p.ID(), p.Status())
	}
	for range 3 {
		d, err := sub.Next(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s #%d: %s\n", d.Channel, d.Serial, d.Data)
	}
	// Output:
	// acked 1 acked
	// acked 2 acked
	// acked 3 acked
	// greetings #1: hello
	// greetings #2: again
	// greetings #3: world
}
