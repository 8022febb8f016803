package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive
	. "github.com/onsi/gomega"    //nolint:revive

	"github.com/wschaos/wschaos/explore"
)

// The explore spec drives generated outages through the Go API, as a spec
// of your own would: a fixed first seed, two plans, nothing may fail. The
// negative controls (a lossy server, broken clients) live in package explore
// and cmd/wschaos and run in make explore-ci.
var _ = Describe("Explore", Label("explore"), func() {
	It("finds nothing on two generated plans, and says what it covered", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		sum, err := explore.Explore(ctx, explore.Options{FirstSeed: 100, Seeds: 2, OutDir: dir,
			Bounds: explore.Bounds{MaxClients: 3, MaxDuration: 4 * time.Second},
			Progress: func(e explore.Event) {
				GinkgoWriter.Printf("seed %d: %s -> %s %s\n", e.Seed, e.Plan, e.Verdict, e.Detail)
			}})
		Expect(err).NotTo(HaveOccurred())
		Expect(sum.Plans).To(Equal(2))
		Expect(sum.Failed).To(Equal(0), "a failure here has its reproducer in the report entry")
		Expect(sum.Passed + sum.Inconclusive).To(Equal(2))
		Expect(sum.Faults).To(BeNumerically(">", 0))
		Expect(sum.Messages).To(BeNumerically(">", 0))
		AddReportEntry("explore summary", sum)
		// Room for one hung run (explore.HangBound, about 80s here), which
		// explore counts inconclusive rather than failing.
	}, SpecTimeout(5*time.Minute))

	It("judges a generated plan with the checkers the other specs use", func(ctx SpecContext) {
		p := explore.Generate(101, explore.Bounds{MaxClients: 2, MaxDuration: 3 * time.Second, Kinds: []string{"drop"}})
		Expect(p.Timeline).NotTo(BeEmpty())
		o, err := explore.RunPlan(ctx, p, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(o.Violations).To(BeEmpty())
		Expect(o.FailedSLOs).To(BeEmpty())
		Expect(o.Summary.Lost).To(Equal(0))
		Expect(o.Summary.Sent).To(BeNumerically(">", 0))
	}, SpecTimeout(time.Minute))
})
