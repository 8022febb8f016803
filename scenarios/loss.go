package scenarios

import (
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive
	. "github.com/onsi/gomega"    //nolint:revive

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness"
)

// lossPlan is the load every zero-loss entry runs: 3 clients with 2
// channels each, 20 msg/s up per client and 10 msg/s down per channel, for
// 1.2s, with tl as the faults.
func lossPlan(name string, tl harness.Timeline) harness.Plan {
	return harness.Plan{
		Name:     name,
		Client:   fastClient(),
		Load:     harness.Load{Clients: 3, Channels: 2, Up: 20, Down: 10, Duration: ms(1200)},
		Timeline: tl,
		Drain:    6 * time.Second,
	}
}

// window is a fault from 300ms to 700ms.
func window(f harness.Fault) harness.Timeline {
	return harness.Timeline{{At: ms(300), Duration: ms(400), Fault: f}}
}

// expectZeroLoss asserts exact counts: everything sent was acked and
// delivered once, in order, in both directions, and nothing was handed back
// or abandoned.
func expectZeroLoss(res *harness.Result) {
	GinkgoHelper()
	m := res.Messages
	published := 0
	for _, c := range res.Clients {
		published += c.Published
	}
	Expect(m.Up.Sent).To(Equal(published), "every accepted publish is on an upstream queue")
	Expect(m.Up.Sent).To(BeNumerically(">", 0))
	Expect(m.Down.Sent).To(BeNumerically(">", m.Up.Sent), "echoes plus server messages")
	for _, q := range m.Queues {
		Expect(q.Delivered).To(Equal(q.Sent), "queue %s/%s/%s delivered", q.Dir, q.Channel, q.Receiver)
	}
	Expect(m.Total).To(Equal(harness.MessageCounts{Sent: m.Total.Sent, Acked: m.Total.Sent, Delivered: m.Total.Sent}),
		"all acked; lost, duplicated, reordered, unexpected, handed back, abandoned must all be 0")
	Expect(res.Summary.ContinuityLost).To(Equal(0))
	Expect(res.Summary.Unrecovered).To(Equal(0))
	AddReportEntry("messages "+res.Name, res.Messages.Total)
}

var _ = Describe("Zero message loss", Label("loss"), func() {
	DescribeTable("under each network toxic",
		func(ctx SpecContext, f harness.Fault) {
			res := run(ctx, lossPlan("loss-"+string(f.Kind), window(f)))
			expectZeroLoss(res)
		},
		Entry("latency with jitter", harness.Fault{Kind: harness.FaultLatency, Latency: ms(80), Jitter: ms(40)}, SpecTimeout(entryTimeout)),
		Entry("bandwidth", harness.Fault{Kind: harness.FaultBandwidth, RateKBps: 2}, SpecTimeout(entryTimeout)),
		Entry("slow_close", harness.Fault{Kind: harness.FaultSlowClose, Delay: ms(200)}, SpecTimeout(entryTimeout)),
		Entry("timeout (black hole)", harness.Fault{Kind: harness.FaultTimeout}, SpecTimeout(entryTimeout)),
		Entry("reset_peer", harness.Fault{Kind: harness.FaultResetPeer}, SpecTimeout(entryTimeout)),
		Entry("slicer", harness.Fault{Kind: harness.FaultSlicer, AverageSize: 16, SizeVariation: 8, Delay: ms(1)}, SpecTimeout(entryTimeout)),
		Entry("limit_data", harness.Fault{Kind: harness.FaultLimitData, Bytes: 2000}, SpecTimeout(entryTimeout)),
		Entry("proxy down", harness.Fault{Kind: harness.FaultProxyDown}, SpecTimeout(entryTimeout)),
	)

	DescribeTable("under each fault-server fault",
		func(ctx SpecContext, tl harness.Timeline) {
			res := run(ctx, lossPlan("loss-"+tl[0].Fault.Name(), tl))
			expectZeroLoss(res)
		},
		Entry("drop", harness.Timeline{{At: ms(300), Fault: harness.Fault{Kind: harness.FaultDrop}}}, SpecTimeout(entryTimeout)),
		Entry("close 1012", harness.Timeline{{At: ms(300), Fault: harness.Fault{Kind: harness.FaultClose, Code: 1012, Reason: "restart"}}}, SpecTimeout(entryTimeout)),
		Entry("reject 503 after a drop", harness.Timeline{
			{At: ms(300), Duration: ms(400), Fault: harness.Fault{Kind: harness.FaultReject, Status: 503}},
			{At: ms(300), Fault: harness.Fault{Kind: harness.FaultDrop}},
		}, SpecTimeout(entryTimeout)),
		Entry("delay_handshake after a drop", harness.Timeline{
			{At: ms(300), Duration: ms(400), Fault: harness.Fault{Kind: harness.FaultDelayHandshake, Delay: ms(300)}},
			{At: ms(300), Fault: harness.Fault{Kind: harness.FaultDrop}},
		}, SpecTimeout(entryTimeout)),
		Entry("stall longer than the heartbeat timeout", harness.Timeline{{At: ms(200), Duration: ms(900), Fault: harness.Fault{Kind: harness.FaultStall}}}, SpecTimeout(entryTimeout)),
		Entry("forget_sessions with a drop (stateless restart)", harness.Timeline{
			{At: ms(300), Fault: harness.Fault{Kind: harness.FaultForget}},
			{At: ms(300), Fault: harness.Fault{Kind: harness.FaultDrop}},
		}, SpecTimeout(entryTimeout)),
		Entry("restart", window(harness.Fault{Kind: harness.FaultRestart}), SpecTimeout(entryTimeout)),
	)

	It("holds through a mixed timeline", func(ctx SpecContext) {
		plan := lossPlan("loss-mixed", harness.Timeline{
			{At: ms(200), Duration: ms(700), Fault: harness.Fault{Kind: harness.FaultLatency, Latency: ms(30), Jitter: ms(20)}},
			{At: ms(300), Fault: harness.Fault{Kind: harness.FaultDrop}},
			{At: ms(500), Duration: ms(200), Fault: harness.Fault{Kind: harness.FaultRestart}},
			{At: ms(900), Duration: ms(200), Fault: harness.Fault{Kind: harness.FaultProxyDown}},
			{At: ms(1000), Fault: harness.Fault{Kind: harness.FaultReject, Status: 503, Count: 3}},
			{At: ms(1200), Fault: harness.Fault{Kind: harness.FaultClose, Code: 1001}},
		})
		plan.Load.Duration = ms(1500)
		res := run(ctx, plan)
		expectZeroLoss(res)
		Expect(res.Faults).To(HaveLen(6))
		// Five disruptive faults per client, but a client still recovering
		// when the next fault hits has one disruption (CheckTiming attributes
		// it to one fault), so how many samples there are depends on timing:
		// at least one per client, and every client recovered.
		Expect(res.Summary.Recoveries).To(BeNumerically(">=", 3))
		Expect(res.Summary.Unrecovered).To(Equal(0))
	}, SpecTimeout(30*time.Second))

	// Negative control: lossy mode acks every 7th publish and drops it. The
	// checker must report exactly the messages the server's event log says
	// it dropped: each dropped client publish is lost upstream and (as the
	// echo) downstream; each dropped server publish is lost downstream.
	It("reports lossy mode as loss, exactly", func(ctx SpecContext) {
		plan := lossPlan("lossy", harness.Timeline{{Fault: harness.Fault{Kind: harness.FaultLossy}}})
		plan.Drain = 1500 * time.Millisecond
		res := run(ctx, plan)
		var clientSessions []string
		for _, c := range res.Clients {
			clientSessions = append(clientSessions, c.Sessions...)
		}
		drops := events(res, faultserver.EventLossyDrop)
		byClients := 0
		for _, e := range drops {
			if slices.Contains(clientSessions, e.Session) {
				byClients++
			}
		}
		Expect(drops).NotTo(BeEmpty())
		Expect(res.Messages.OK()).To(BeFalse())
		Expect(res.Messages.Up.Lost).To(Equal(byClients))
		Expect(res.Messages.Down.Lost).To(Equal(len(drops)))
		Expect(res.Summary.Lost).To(Equal(byClients + len(drops)))
		Expect(res.Summary.Duplicated + res.Summary.Reordered + res.Summary.Unexpected).To(Equal(0))
		AddReportEntry("lossy negative control", res.Messages.Total)
	}, SpecTimeout(30*time.Second))
})
