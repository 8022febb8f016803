// Package e2e holds end-to-end tests of the client session layer against a
// real faultserver on loopback. It has tests only: client must not import
// faultserver, so their meeting point lives here.
package e2e

import (
	"testing"

	"github.com/wschaos/wschaos/internal/leakcheck"
)

// TestMain fails the run if any goroutine started by the tests outlives them.
func TestMain(m *testing.M) { leakcheck.Main(m) }
