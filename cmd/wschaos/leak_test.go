package main

import (
	"testing"

	"github.com/wschaos/wschaos/internal/leakcheck"
)

// checkNoLeaks fails t if a goroutine started during it outlives it (a run
// must stop every client, proxy and server it started).
func checkNoLeaks(t *testing.T) {
	t.Helper()
	leakcheck.Check(t)
}
