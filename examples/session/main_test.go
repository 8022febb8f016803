package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wschaos/wschaos/faultserver"
)

// TestRunThroughDrops runs the example against a real fault server on
// loopback that drops every connection twice while it publishes.
func TestRunThroughDrops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := faultserver.New(faultserver.Config{DisableAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })

	chaos := make(chan struct{})
	go func() {
		defer close(chaos)
		for range 2 {
			time.Sleep(150 * time.Millisecond)
			_, _ = srv.DropConnections(ctx, faultserver.AllConnections)
		}
	}()
	var out bytes.Buffer
	err = run(ctx, &out, srv.SessionURL(), "example", 30, 10*time.Millisecond)
	<-chaos
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if got := strings.Count(out.String(), "example #"); got != 30 {
		t.Fatalf("deliveries printed = %d, want 30\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), "-> reconnecting") {
		t.Fatalf("no reconnect seen: the drops missed the run\n%s", out.String())
	}
	if !strings.Contains(out.String(), "all 30 messages delivered once, in order") {
		t.Fatalf("missing summary line:\n%s", out.String())
	}
}
