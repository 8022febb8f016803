package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
)

// checkNoLeaks snapshots the goroutines now and, when the test ends, fails
// it if a goroutine started meanwhile is still running after a grace period
// (a run must stop every client, proxy and server it started).
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before := gleak.Goroutines()
	t.Cleanup(func() {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		g := gomega.NewWithT(t)
		// Toxiproxy may strand a link goroutine in a channel send when a toxic
		// changes while a link closes (see the root suite_test.go); only that
		// is ignored.
		stranded := gomega.And(gleak.IgnoringInBacktrace("github.com/Shopify/toxiproxy/v2"),
			gomega.HaveField("State", "chan send"))
		g.Eventually(gleak.Goroutines).WithTimeout(5 * time.Second).WithPolling(50 * time.Millisecond).
			ShouldNot(gleak.HaveLeaked(before, stranded))
	})
}
