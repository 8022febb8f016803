package client

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func msg(s string) Outbound { return Outbound{Type: 1, Data: []byte(s)} }

func texts(ms []Outbound) string {
	s := ""
	for _, m := range ms {
		s += string(m.Data) + ","
	}
	return s
}

func TestQueueError(t *testing.T) {
	q := newQueue(QueueConfig{MaxMessages: 2, MaxBytes: 100, Overflow: OverflowError})
	ctx := context.Background()
	for _, s := range []string{"a", "b"} {
		if err := q.push(ctx, qitem{msg: msg(s)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.push(ctx, qitem{msg: msg("c")}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third push: %v, want ErrQueueFull", err)
	}
	if got := texts(q.close(ErrClosed)); got != "a,b," {
		t.Fatalf("handed back %q, want a,b,", got)
	}
	if err := q.push(ctx, qitem{msg: msg("d")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("push after close: %v, want ErrClosed", err)
	}
}

func TestQueueBytesBound(t *testing.T) {
	q := newQueue(QueueConfig{MaxMessages: 100, MaxBytes: 5, Overflow: OverflowError})
	ctx := context.Background()
	if err := q.push(ctx, qitem{msg: msg("abcdef")}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized: %v, want ErrTooLarge", err)
	}
	if err := q.push(ctx, qitem{msg: msg("abc")}); err != nil {
		t.Fatal(err)
	}
	if err := q.push(ctx, qitem{msg: msg("def")}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("over byte bound: %v, want ErrQueueFull", err)
	}
	if n, b, _ := q.depth(); n != 1 || b != 3 {
		t.Fatalf("depth %d/%d, want 1/3", n, b)
	}
}

func TestQueueDropOldest(t *testing.T) {
	var dropped []Outbound
	q := newQueue(QueueConfig{MaxMessages: 3, MaxBytes: 100, Overflow: OverflowDropOldest,
		OnDrop: func(m Outbound) { dropped = append(dropped, m) }})
	for i := range 5 {
		if err := q.push(context.Background(), qitem{msg: msg(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if got := texts(dropped); got != "0,1," {
		t.Fatalf("dropped %q, want 0,1,", got)
	}
	if _, _, d := q.depth(); d != 2 {
		t.Fatalf("dropped count %d, want 2", d)
	}
	if got := texts(q.close(ErrClosed)); got != "2,3,4," {
		t.Fatalf("kept %q, want 2,3,4,", got)
	}
}

func TestQueueBlock(t *testing.T) {
	q := newQueue(QueueConfig{MaxMessages: 1, MaxBytes: 100})
	if err := q.push(context.Background(), qitem{msg: msg("a")}); err != nil {
		t.Fatal(err)
	}
	// Blocks until ctx ends.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := q.push(ctx, qitem{msg: msg("b")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked push: %v, want deadline exceeded", err)
	}
	// Unblocks when a pop frees room.
	done := make(chan error, 1)
	go func() { done <- q.push(context.Background(), qitem{msg: msg("c")}) }()
	if it, ok := q.pop(); !ok || string(it.msg.Data) != "a" {
		t.Fatalf("pop = %v %v", it, ok)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Unblocks with the close error when the queue closes.
	go func() { done <- q.push(context.Background(), qitem{msg: msg("d")}) }()
	time.Sleep(5 * time.Millisecond) // not needed for correctness: either order ends in ErrFailed
	if got := texts(q.close(ErrFailed)); got != "c," {
		t.Fatalf("handed back %q, want c,", got)
	}
	if err := <-done; !errors.Is(err, ErrFailed) {
		t.Fatalf("blocked push after close: %v, want ErrFailed", err)
	}
}

func TestQueuePushFront(t *testing.T) {
	q := newQueue(QueueConfig{MaxMessages: 2, MaxBytes: 100})
	ctx := context.Background()
	_ = q.push(ctx, qitem{msg: msg("a")})
	_ = q.push(ctx, qitem{msg: msg("b")})
	it, _ := q.pop()
	q.pushFront(it) // a failed write returns to the head, even over the bound
	if got := texts(q.close(ErrClosed)); got != "a,b," {
		t.Fatalf("order after pushFront %q, want a,b,", got)
	}
}
