package shard

import (
	"testing"

	"github.com/wschaos/wschaos/internal/leakcheck"
)

// TestMain fails the run if any goroutine started by the tests outlives them.
func TestMain(m *testing.M) { leakcheck.Main(m) }
