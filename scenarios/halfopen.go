package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive
	. "github.com/onsi/gomega"    //nolint:revive
	"github.com/onsi/gomega/gmeasure"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/history"
)

// detections returns, per client, the time from start to its first loss of
// the connection at or after start.
func detections(res *harness.Result, start time.Time) []time.Duration {
	var out []time.Duration
	for _, c := range res.Clients {
		for _, r := range res.Records {
			if r.Kind == history.RecState && r.Client == c.Index && r.From == client.StateConnected.String() && !r.Time.Before(start) {
				out = append(out, r.Time.Sub(start))
				break
			}
		}
	}
	return out
}

var _ = Describe("Half-open detection", Label("halfopen"), func() {
	// The heartbeat fires PongTimeout (600ms) after the last inbound frame.
	// Frames arrive at least every PingInterval (200ms, the pongs) and here
	// every ~50ms (traffic), so detection lies in [600-200ms, 600ms] after
	// the fault began, plus scheduling slack: 150ms (-race on 2 busy cores).
	// Without the heartbeat nothing would notice until the fault ends (1s).
	const lo, hi = 400 * time.Millisecond, 750 * time.Millisecond

	DescribeTable("is detected within the heartbeat bound",
		func(ctx SpecContext, f harness.Fault) {
			plan := harness.Plan{
				Name:     "halfopen-" + string(f.Kind),
				Stack:    harness.StackOptions{Server: serverConfig()},
				Client:   fastClient(),
				Load:     harness.Load{Clients: 4, Channels: 1, Up: 20, Down: 20, Duration: ms(1700)},
				Timeline: harness.Timeline{{At: ms(300), Duration: ms(1000), Fault: f}},
				Drain:    6 * time.Second,
			}
			res, err := harness.Run(ctx, plan, harness.RunOptions{KeepRecords: true})
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Errors).To(BeEmpty())
			ds := detections(res, res.Faults[0].Start)
			Expect(ds).To(HaveLen(4), "every client noticed")

			exp := gmeasure.NewExperiment("half-open detection: " + string(f.Kind))
			for _, d := range ds {
				exp.RecordDuration("detection", d, gmeasure.Precision(time.Millisecond))
			}
			AddReportEntry(exp.Name, exp)
			for _, d := range ds {
				Expect(d).To(BeNumerically(">=", lo))
				Expect(d).To(BeNumerically("<=", hi))
			}
			expectZeroLoss(res)
		},
		Entry("timeout toxic (black hole)", harness.Fault{Kind: harness.FaultTimeout}, SpecTimeout(entryTimeout)),
		Entry("server stall", harness.Fault{Kind: harness.FaultStall}, SpecTimeout(entryTimeout)),
	)
})
