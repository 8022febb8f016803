package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive
	. "github.com/onsi/gomega"    //nolint:revive

	"github.com/wschaos/wschaos/harness"
)

var _ = Describe("Smoke", Label("smoke"), func() {
	It("survives a short outage end to end with nothing lost", func(ctx SpecContext) {
		cfg := fastClient()
		res := run(ctx, harness.Plan{
			Name:   "smoke",
			Client: cfg,
			Load:   harness.Load{Clients: 4, Channels: 2, Duration: ms(1500)},
			Timeline: harness.Timeline{
				{At: ms(200), Duration: ms(600), Fault: harness.Fault{Kind: harness.FaultLatency, Latency: ms(40), Jitter: ms(10)}},
				{At: ms(500), Duration: ms(300), Fault: harness.Fault{Kind: harness.FaultProxyDown}},
			},
			Drain: 5 * time.Second,
		})
		expectZeroLoss(res)
		Expect(res.Summary.Recoveries).To(Equal(4), "each client recovers once from the proxy outage")
		Expect(res.Summary.RecoveryMax).To(BeNumerically("<=", cfg.WorstCaseRecovery()))
		Expect(res.Summary.ConnectedClients).To(Equal(4))
		Expect(res.Summary.BackoffViolations).To(Equal(0))
		AddReportEntry("smoke summary", res.Summary)
	}, SpecTimeout(30*time.Second))
})
