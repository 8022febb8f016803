// Package leakcheck is the one goroutine-leak check of wschaos's tests:
// every package's TestMain calls [Main], single tests call [Check], and the
// root Ginkgo suite uses [Snapshot] and [Verify] in BeforeSuite/AfterSuite.
// It imports neither client nor faultserver, so any package may use it.
//
// The one exception lives here, in [ToxiproxyStranded]: in embedded mode
// Toxiproxy v2.12.0 can strand goroutines of a link when a toxic is added or
// removed while the link is closing: a toxic stub restarted by
// ToxicLink.AddToxic/RemoveToxic, or the link's reader
// (stream.ChanWriter.Write), blocks for ever sending a chunk into the next
// pipeline stage, whose goroutine has already exited (seen at
// toxics/latency.go:44, toxics/noop.go:16, stream/io_chan.go:29). They belong
// to the embedded Toxiproxy, not to our code, and hold only a chunk of a
// closed connection; in external mode they live in the toxiproxy-server
// process. Exactly those are ignored: Toxiproxy goroutines parked in a
// channel send. One parked anywhere else (e.g. reading a connection nobody
// closed) still fails the check.
package leakcheck

import (
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"github.com/onsi/gomega/types"
)

// Timeout is how long goroutines get to end after the tests.
const Timeout = 10 * time.Second

// ToxiproxyStranded matches the Toxiproxy goroutines the package doc
// explains, the only ones a check ignores.
func ToxiproxyStranded() types.GomegaMatcher {
	return gomega.And(gleak.IgnoringInBacktrace("github.com/Shopify/toxiproxy/v2"),
		gomega.HaveField("State", "chan send"))
}

// Snapshot returns the goroutines running now.
func Snapshot() []gleak.Goroutine { return gleak.Goroutines() }

// Verify fails through g when a goroutine not in before is still running
// after Timeout (the Toxiproxy exception aside). Idle keep-alive
// connections of http.DefaultTransport are closed first.
func Verify(g gomega.Gomega, before []gleak.Goroutine) {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	g.Eventually(gleak.Goroutines).WithTimeout(Timeout).WithPolling(50 * time.Millisecond).
		ShouldNot(gleak.HaveLeaked(before, ToxiproxyStranded()))
}

// Main runs m and, if the tests passed, fails the run when goroutines
// leaked. Use it as the whole body of a TestMain: leakcheck.Main(m).
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main without the exit, for a TestMain that cleans up after the
// tests: it returns the exit code, 1 when goroutines leaked.
func Run(m *testing.M) int {
	before := Snapshot()
	code := m.Run()
	if code == 0 {
		g := gomega.NewGomega(func(msg string, _ ...int) {
			fmt.Fprintln(os.Stderr, "goroutine leak:", msg)
			code = 1
		})
		Verify(g, before)
	}
	return code
}

// Check snapshots the goroutines now and, when t ends, fails it if one
// started meanwhile is still running.
func Check(t testing.TB) {
	t.Helper()
	before := Snapshot()
	t.Cleanup(func() { Verify(gomega.NewWithT(t), before) })
}
