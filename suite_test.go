package wschaos_test

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	_ "github.com/wschaos/wschaos/scenarios"
)

// TestScenarios runs the chaos scenarios of package scenarios.
func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "wschaos chaos scenarios")
}

var goroutinesAtStart []gleak.Goroutine

var _ = BeforeSuite(func() {
	goroutinesAtStart = gleak.Goroutines()
})

// Every spec closes what it started; at the end nothing may be left running.
//
// One exception, justified: Toxiproxy v2.12.0's latency toxic, when it is
// interrupted (a toxic added or removed) while its link is closing, blocks
// for ever re-sending its last chunk on the link's channel that nobody reads
// any more (toxics/latency.go:44, "Don't drop any data on the floor"). That
// goroutine belongs to the embedded Toxiproxy, not to our code; we ignore
// exactly that function in exactly that state.
var _ = AfterSuite(func() {
	Eventually(gleak.Goroutines).WithTimeout(10 * time.Second).ShouldNot(gleak.HaveLeaked(goroutinesAtStart,
		gleak.IgnoringTopFunction("github.com/Shopify/toxiproxy/v2/toxics.(*LatencyToxic).Pipe [chan send]")))
})
