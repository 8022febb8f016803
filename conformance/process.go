package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// ErrAdapter is wrapped by every failure of the adapter process itself: it
// did not start, broke the protocol or did not answer in time.
var ErrAdapter = errors.New("conformance: adapter")

// stderrLimit bounds the stderr kept per process for the report.
const stderrLimit = 16 << 10

// Stamped is a report with the time it was read.
type Stamped struct {
	Time time.Time
	Report
}

// adapter is one running adapter process.
type adapter struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	wmu    sync.Mutex
	caps   Capabilities
	name   string
	done   chan struct{} // closed when stdout ends
	stderr *capped

	mu      sync.Mutex
	reports []Stamped
	notify  chan struct{} // closed and replaced on every report
}

type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := stderrLimit - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// startSlots bounds the adapters starting at once, process-wide: 16 Node
// processes started together on 2 loaded cores each took over the 10s
// hello timeout; started one per core, each takes about a second there.
// The hello timeout runs from the slot, not from the queue.
var startSlots = make(chan struct{}, max(2, runtime.NumCPU()))

// startAdapter runs argv and completes the hello handshake within timeout.
func startAdapter(ctx context.Context, argv []string, timeout time.Duration) (*adapter, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("%w: no command", ErrAdapter)
	}
	select {
	case startSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting to start %s: %w", ErrAdapter, argv[0], ctx.Err())
	}
	defer func() { <-startSlots }()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // kill the whole group, npx-style wrappers included
	a := &adapter{cmd: cmd, done: make(chan struct{}), stderr: &capped{}, notify: make(chan struct{})}
	cmd.Stderr = a.stderr
	var err error
	if a.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAdapter, err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAdapter, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: start %s: %w", ErrAdapter, argv[0], err)
	}
	go a.read(out)
	if err := a.send(Command{Cmd: "hello", Version: ProtocolVersion}); err != nil {
		a.kill()
		return nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, err := a.waitFor(hctx, 0, func(r Report) bool { return r.Type == "hello" })
	if err != nil {
		a.kill()
		return nil, fmt.Errorf("%w: no hello within %v: %w (stderr: %.300s)", ErrAdapter, timeout, err, a.stderr.String())
	}
	a.name = r.Name
	if r.Capabilities != nil {
		a.caps = *r.Capabilities
	}
	if !validDelivery(a.caps.Delivery) {
		a.kill()
		return nil, fmt.Errorf("%w: hello declares delivery %q; want %q, %q or %q", ErrAdapter, a.caps.Delivery,
			DeliveryAtMostOnce, DeliveryAtLeastOnce, DeliveryExactlyOnce)
	}
	return a, nil
}

func (a *adapter) read(out io.Reader) {
	defer close(a.done)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r Report
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Type == "" {
			r = Report{Type: "log", Data: sc.Text()} // not protocol: keep it as a log line
		}
		a.mu.Lock()
		a.reports = append(a.reports, Stamped{Time: time.Now(), Report: r})
		close(a.notify)
		a.notify = make(chan struct{})
		a.mu.Unlock()
	}
}

func (a *adapter) send(c Command) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAdapter, err)
	}
	a.wmu.Lock()
	defer a.wmu.Unlock()
	if _, err := a.stdin.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("%w: write %s: %w", ErrAdapter, c.Cmd, err)
	}
	return nil
}

// snapshot returns the reports so far.
func (a *adapter) snapshot() []Stamped {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Stamped(nil), a.reports...)
}

// waitFor waits for a report at index >= from that matches, bounded by ctx.
func (a *adapter) waitFor(ctx context.Context, from int, match func(Report) bool) (Report, error) {
	for {
		a.mu.Lock()
		for i := from; i < len(a.reports); i++ {
			if match(a.reports[i].Report) {
				r := a.reports[i].Report
				a.mu.Unlock()
				return r, nil
			}
		}
		from = len(a.reports)
		ch := a.notify
		a.mu.Unlock()
		select {
		case <-ch:
		case <-a.done:
			a.mu.Lock()
			n := len(a.reports)
			a.mu.Unlock()
			if n == from {
				return Report{}, fmt.Errorf("%w: process ended", ErrAdapter)
			}
		case <-ctx.Done():
			return Report{}, ctx.Err()
		}
	}
}

// kill ends the process group and waits (bounded) for it.
func (a *adapter) kill() {
	_ = a.send(Command{Cmd: "close"})
	_ = a.stdin.Close()
	if a.cmd.Process != nil {
		_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
	}
	waited := make(chan struct{})
	go func() { _ = a.cmd.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
	}
}
