package explore

import (
	"testing"

	"github.com/wschaos/wschaos/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
