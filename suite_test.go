package wschaos_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	"github.com/wschaos/wschaos/internal/leakcheck"
	_ "github.com/wschaos/wschaos/scenarios"
)

// TestScenarios runs the chaos scenarios of package scenarios.
func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "wschaos chaos scenarios")
}

var goroutinesAtStart []gleak.Goroutine

var _ = BeforeSuite(func() {
	gleak.IgnoreGinkgoParallelClient()
	goroutinesAtStart = leakcheck.Snapshot()
})

// Every spec closes what it started; at the end nothing may be left running
// (the one Toxiproxy exception is documented in internal/leakcheck).
var _ = AfterSuite(func() { leakcheck.Verify(Default, goroutinesAtStart) })
