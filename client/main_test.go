package client

import (
	"testing"

	"github.com/wschaos/wschaos/internal/leakcheck"
)

// TestMain fails the run if any goroutine started by the tests outlives them.
// (It is the package's only TestMain: session tests share it.)
func TestMain(m *testing.M) { leakcheck.Main(m) }
