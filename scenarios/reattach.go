package scenarios

import (
	"context"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive
	. "github.com/onsi/gomega"    //nolint:revive

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/history"
	"github.com/wschaos/wschaos/protocol"
)

// reattachRun runs 2 clients with 3 channels each through tl, keeping the
// raw records.
func reattachRun(ctx context.Context, tl harness.Timeline) *harness.Result {
	GinkgoHelper()
	plan := harness.Plan{
		Name:     "reattach",
		Stack:    harness.StackOptions{Server: serverConfig()},
		Client:   fastClient(),
		Load:     harness.Load{Clients: 2, Channels: 3, Up: 10, Down: 10, Duration: ms(1000)},
		Timeline: tl,
		Drain:    5 * time.Second,
	}
	res, err := harness.Run(ctx, plan, harness.RunOptions{KeepRecords: true})
	Expect(err).NotTo(HaveOccurred())
	Expect(res.Errors).To(BeEmpty())
	return res
}

// expectReattached checks, for every client and channel, that the server saw
// a re-attach after the fault began, that it asked for exactly what followed
// the last serial the client had, and that the client's serials on the
// channel are then contiguous: nothing skipped, nothing twice.
func expectReattached(res *harness.Result, faultAt time.Time) {
	GinkgoHelper()
	for _, c := range res.Clients {
		Expect(c.Channels).To(HaveLen(3))
		for _, ch := range c.Channels {
			var attaches []faultserver.Event
			for _, e := range events(res, faultserver.EventAttach) {
				if e.Channel == ch && slices.Contains(c.Sessions, e.Session) && e.Time.After(faultAt) {
					attaches = append(attaches, e)
				}
			}
			Expect(attaches).NotTo(BeEmpty(), "client %d re-attached %s after the fault", c.Index, ch)
			var serials []uint64
			for _, r := range res.Records {
				if r.Kind == history.RecDeliver && r.Client == c.Index && r.Channel == ch {
					serials = append(serials, r.Serial)
				}
			}
			Expect(serials).NotTo(BeEmpty())
			for i, s := range serials {
				Expect(s).To(Equal(uint64(i+1)), "client %d %s: serials must run 1..n without gaps or repeats", c.Index, ch)
			}
			for _, a := range attaches {
				Expect(a.ContinuityLost).To(BeFalse())
				Expect(a.After).To(BeNumerically("<=", serials[len(serials)-1]),
					"client %d %s resumed from serial %d, beyond what it got", c.Index, ch, a.After)
			}
		}
	}
}

func faultStart(res *harness.Result) time.Time {
	GinkgoHelper()
	Expect(res.Faults).NotTo(BeEmpty())
	return res.Faults[0].Start
}

var _ = Describe("State re-attachment", Label("reattach"), func() {
	DescribeTable("after each fault kind every channel is re-attached and the session resumed",
		func(ctx SpecContext, tl harness.Timeline) {
			res := reattachRun(ctx, tl)
			at := faultStart(res)
			expectReattached(res, at)
			for _, c := range res.Clients {
				Expect(c.Sessions).To(HaveLen(1), "client %d kept its session id", c.Index)
				Expect(c.Resumes).To(BeNumerically(">=", 1))
				Expect(c.Resyncs).To(Equal(0))
				var resumed int
				for _, e := range events(res, faultserver.EventResume) {
					if e.Session == c.Sessions[0] && e.Time.After(at) {
						resumed++
					}
				}
				Expect(resumed).To(BeNumerically(">=", 1), "the server resumed client %d's session", c.Index)
			}
			expectZeroLoss(res)
		},
		Entry("drop", harness.Timeline{{At: ms(300), Fault: harness.Fault{Kind: harness.FaultDrop}}}, SpecTimeout(entryTimeout)),
		Entry("close 1001", harness.Timeline{{At: ms(300), Fault: harness.Fault{Kind: harness.FaultClose, Code: 1001}}}, SpecTimeout(entryTimeout)),
		Entry("restart", window(harness.Fault{Kind: harness.FaultRestart}), SpecTimeout(entryTimeout)),
		Entry("proxy down", window(harness.Fault{Kind: harness.FaultProxyDown}), SpecTimeout(entryTimeout)),
		Entry("reset_peer", window(harness.Fault{Kind: harness.FaultResetPeer}), SpecTimeout(entryTimeout)),
		Entry("timeout (black hole)", window(harness.Fault{Kind: harness.FaultTimeout}), SpecTimeout(entryTimeout)),
		// Longer than PongTimeout (600ms): a shorter stall ends before the
		// heartbeat notices, and the connection simply carries on.
		Entry("stall", harness.Timeline{{At: ms(200), Duration: ms(800), Fault: harness.Fault{Kind: harness.FaultStall}}}, SpecTimeout(entryTimeout)),
		Entry("limit_data", window(harness.Fault{Kind: harness.FaultLimitData, Bytes: 1500}), SpecTimeout(entryTimeout)),
	)

	It("resyncs with a new session when the server forgot the old one", func(ctx SpecContext) {
		res := reattachRun(ctx, harness.Timeline{
			{At: ms(300), Fault: harness.Fault{Kind: harness.FaultForget}},
			{At: ms(300), Fault: harness.Fault{Kind: harness.FaultDrop}},
		})
		at := faultStart(res)
		expectReattached(res, at)
		// The client learns of the loss either on its next connection (the
		// resume fails) or, when the forget reaches a connection that is
		// still up, from the no_session error to its next frame (it then
		// resyncs on that connection). Each client's loss is one of the two.
		failed := events(res, faultserver.EventResumeFailed)
		noSession := map[uint64]bool{}
		for _, e := range events(res, faultserver.EventProtocolError) {
			if e.ErrorCode == protocol.CodeNoSession {
				noSession[e.Conn] = true
			}
		}
		viaResume := 0
		for _, c := range res.Clients {
			Expect(c.Sessions).To(HaveLen(2), "client %d: old session, then a new one", c.Index)
			Expect(c.Resyncs).To(Equal(1))
			for _, e := range failed {
				if e.Session == c.Sessions[0] {
					viaResume++
					break
				}
			}
		}
		Expect(viaResume+len(noSession)).To(BeNumerically(">=", len(res.Clients)),
			"every client's loss seen by the server: %d failed resumes, %d no_session answers", viaResume, len(noSession))
		expectZeroLoss(res)
	}, SpecTimeout(entryTimeout))
})
