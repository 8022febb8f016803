package cork

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// counting counts the writes reaching the real socket under a Conn.
type counting struct {
	net.Conn
	n atomic.Int64
}

func (c *counting) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// pair is a real loopback TCP connection: the corked writer and the reader.
func pair(t *testing.T) (*Conn, *counting, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	cnt := &counting{Conn: raw}
	c := New(cnt)
	t.Cleanup(func() { c.Close(); peer.Close() })
	return c, cnt, peer
}

func readAll(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCorkCoalesces: 50 writes between Cork and Flush reach the socket as
// one write, in order; uncorked writes go straight through, one each.
func TestCorkCoalesces(t *testing.T) {
	c, cnt, peer := pair(t)
	var want bytes.Buffer
	c.Cork()
	for i := range 50 {
		p := []byte{byte(i), byte(i), byte(i)}
		want.Write(p)
		if n, err := c.Write(p); n != 3 || err != nil {
			t.Fatalf("corked write: %d %v", n, err)
		}
	}
	if got := cnt.n.Load(); got != 0 {
		t.Fatalf("%d writes reached the socket while corked, want 0", got)
	}
	if err := c.Flush(time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := cnt.n.Load(); got != 1 {
		t.Fatalf("%d socket writes for one flush, want 1", got)
	}
	if got := readAll(t, peer, want.Len()); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("peer read %v, want %v", got, want.Bytes())
	}
	// Negative control: without a cork every write is its own syscall.
	for range 3 {
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if got := cnt.n.Load(); got != 4 || c.Writes() != 4 {
		t.Fatalf("socket writes %d (Writes() %d), want 4: uncorked writes must pass through", got, c.Writes())
	}
	readAll(t, peer, 3)
	if err := c.Flush(time.Time{}); err != nil || cnt.n.Load() != 4 {
		t.Fatalf("empty flush: %v, %d writes", err, cnt.n.Load())
	}
}

// TestCorkBounded: a corked batch larger than maxBuffered flushes on its own.
func TestCorkBounded(t *testing.T) {
	c, cnt, peer := pair(t)
	done := make(chan []byte, 1)
	go func() {
		b := make([]byte, maxBuffered+10)
		_, _ = io.ReadFull(peer, b)
		done <- b
	}()
	c.Cork()
	chunk := bytes.Repeat([]byte("a"), 1024)
	for range maxBuffered / len(chunk) {
		if _, err := c.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if got := cnt.n.Load(); got != 1 {
		t.Fatalf("%d socket writes after %d buffered bytes, want 1 (self-flush)", got, maxBuffered)
	}
	if _, err := c.Write(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-done:
		if len(b) != maxBuffered+10 {
			t.Fatalf("peer read %d bytes", len(b))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("peer did not get the bytes")
	}
}

// TestFlushErrorSticks: a flush on a closed socket fails, and so does every
// later write: nothing is silently dropped after a failure.
func TestFlushErrorSticks(t *testing.T) {
	c, _, _ := pair(t)
	c.Cork()
	if _, err := c.Write([]byte("lost")); err != nil {
		t.Fatal(err)
	}
	_ = c.Conn.Close()
	err := c.Flush(time.Now().Add(time.Second))
	if err == nil {
		t.Fatal("flush on a closed socket succeeded")
	}
	if _, err2 := c.Write([]byte("x")); !errors.Is(err2, err) {
		t.Fatalf("write after a failed flush: %v, want the flush's error %v", err2, err)
	}
}
