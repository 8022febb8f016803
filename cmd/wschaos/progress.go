package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/wschaos/wschaos/harness"
)

// progressMode says how live progress is shown.
type progressMode int

const (
	progressNone  progressMode = iota
	progressPlain              // a line every plainEvery and on each phase change
	progressTTY                // one status line rewritten in place
)

const plainEvery = 5 * time.Second

// detectProgress picks TTY mode when w is a terminal.
func detectProgress(w io.Writer) progressMode {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return progressTTY
	}
	return progressPlain
}

// progressPrinter renders harness progress snapshots. The harness calls it
// from one goroutine; the mutex only guards finish against a late call.
type progressPrinter struct {
	mu        sync.Mutex
	w         io.Writer
	mode      progressMode
	now       func() time.Time
	lastPhase harness.Phase
	lastPrint time.Time
	dirty     bool // a TTY status line is on screen
}

func newProgressPrinter(w io.Writer, mode progressMode) *progressPrinter {
	return &progressPrinter{w: w, mode: mode, now: time.Now}
}

func (p *progressPrinter) update(pr harness.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.mode {
	case progressTTY:
		// \r and erase-line rewrite the status in place.
		fmt.Fprintf(p.w, "\r\x1b[K%s", statusLine(pr))
		p.dirty = true
	case progressPlain:
		now := p.now()
		if pr.Phase != p.lastPhase || now.Sub(p.lastPrint) >= plainEvery {
			fmt.Fprintln(p.w, statusLine(pr))
			p.lastPhase, p.lastPrint = pr.Phase, now
		}
	}
}

// finish ends the TTY status line so later output starts on a fresh line.
func (p *progressPrinter) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dirty {
		fmt.Fprintln(p.w)
		p.dirty = false
	}
	p.mode = progressNone
}

func statusLine(pr harness.Progress) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%-7s] %5.1fs/%s", pr.Phase, pr.Elapsed.Seconds(), pr.Total)
	fmt.Fprintf(&b, "  connected %d/%d", pr.Connected, pr.Clients)
	fmt.Fprintf(&b, "  sent %d  in flight %d", pr.Sent, pr.InFlight)
	if len(pr.Faults) == 0 {
		b.WriteString("  fault: none")
	} else {
		names := make([]string, len(pr.Faults))
		for i, f := range pr.Faults {
			names[i] = f.String()
		}
		b.WriteString("  fault: " + strings.Join(names, ", "))
	}
	return b.String()
}
