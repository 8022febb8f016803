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
		g.Eventually(gleak.Goroutines).WithTimeout(5 * time.Second).WithPolling(50 * time.Millisecond).
			ShouldNot(gleak.HaveLeaked(before))
	})
}
