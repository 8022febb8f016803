// Command session publishes and receives through a session-protocol server
// such as `wschaos serve`, and keeps going through whatever faults you inject
// with the server's admin API meanwhile:
//
//	go run ./cmd/wschaos serve --listen 127.0.0.1:8080 --admin-addr 127.0.0.1:8081 &
//	go run ./examples/session -url ws://127.0.0.1:8080/ws -n 200 &
//	curl -s -X POST 127.0.0.1:8081/faults/drop -d '{}'
//
// It attaches to a channel, publishes n messages to it one per interval,
// and prints each delivery; it exits 0 once every message came back exactly
// once and in order, 1 otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/wschaos/wschaos/client"
)

func main() {
	url := flag.String("url", "ws://127.0.0.1:8080/ws", "session endpoint of the server")
	channel := flag.String("channel", "example", "channel to attach to and publish on")
	n := flag.Int("n", 20, "messages to publish")
	every := flag.Duration("every", 50*time.Millisecond, "pause between publishes")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *url, *channel, *n, *every); err != nil {
		fmt.Fprintln(os.Stderr, "session:", err)
		os.Exit(1)
	}
}

// run publishes n messages on channel through the server at url and waits
// until each has come back on the subscription, exactly once and in order.
func run(ctx context.Context, w io.Writer, url, channel string, n int, every time.Duration) error {
	out := &lockedWriter{w: w} // events print from the client's dispatch goroutine
	s, err := client.DialSession(ctx, url, client.SessionConfig{
		Client: client.Config{
			Backoff: client.Backoff{Base: 100 * time.Millisecond, Cap: 2 * time.Second},
			OnEvent: func(ev client.Event) {
				if ev.Kind == client.EventStateChanged {
					fmt.Fprintf(out, "state %s -> %s (%s)\n", ev.From, ev.To, ev.Reason)
				}
			},
		},
	})
	if err != nil {
		return fmt.Errorf("failed to dial %s: %w", url, err)
	}
	defer s.Close(context.WithoutCancel(ctx))
	sub, err := s.Attach(ctx, channel)
	if err != nil {
		return fmt.Errorf("failed to attach %s: %w", channel, err)
	}

	published := make(chan error, 1)
	go func() {
		for i := range n {
			if _, err := s.Publish(ctx, channel, fmt.Appendf(nil, "message %d", i)); err != nil {
				published <- err
				return
			}
			select {
			case <-time.After(every):
			case <-ctx.Done():
				published <- ctx.Err()
				return
			}
		}
		published <- nil
	}()

	for i := range n {
		d, err := sub.Next(ctx)
		if err != nil {
			return fmt.Errorf("after %d of %d deliveries: %w", i, n, err)
		}
		fmt.Fprintf(out, "%s #%d: %s\n", d.Channel, d.Serial, d.Data)
		if want := fmt.Sprintf("message %d", i); string(d.Data) != want {
			return errors.New("delivery " + want + " came as " + string(d.Data))
		}
	}
	if err := <-published; err != nil {
		return fmt.Errorf("failed to publish: %w", err)
	}
	fmt.Fprintf(out, "all %d messages delivered once, in order, session %s\n", n, s.SessionID())
	return nil
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
