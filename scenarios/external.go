package scenarios

import (
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive
	. "github.com/onsi/gomega"    //nolint:revive

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/history"
	"github.com/wschaos/wschaos/internal/wstest"
)

// echoTarget is a plain gorilla echo server on loopback, standing in for a
// staging server that knows nothing of the session protocol.
func echoTarget() string {
	srv := httptest.NewServer(wstest.EchoHandler())
	DeferCleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/echo"
}

var _ = Describe("External Toxiproxy", Label("external"), func() {
	BeforeEach(func() {
		if os.Getenv(harness.EnvToxiproxyURL) == "" {
			Skip("needs a running toxiproxy-server: set " + harness.EnvToxiproxyURL + " (see scripts/ci-external.sh)")
		}
	})

	It("drives the canonical proxy declared in toxiproxy.json", Serial, func(ctx SpecContext) {
		cfg, err := harness.LoadToxiproxyConfig("toxiproxy.json")
		Expect(err).NotTo(HaveOccurred())
		Expect(cfg[0].Name).To(Equal(harness.DefaultProxyName))
		plan := harness.Plan{
			Name:   "external-canonical",
			Stack:  harness.StackOptions{ProxyName: harness.DefaultProxyName, Server: serverConfig()},
			Client: fastClient(),
			Load:   harness.Load{Clients: 3, Channels: 2, Up: 20, Down: 10, Duration: ms(1500)},
			Timeline: harness.Timeline{
				{At: ms(200), Duration: ms(600), Fault: harness.Fault{Kind: harness.FaultLatency, Latency: ms(30), Jitter: ms(10)}},
				{At: ms(400), Fault: harness.Fault{Kind: harness.FaultDrop}},
				{At: ms(900), Duration: ms(300), Fault: harness.Fault{Kind: harness.FaultProxyDown}},
			},
			Drain: 5 * time.Second,
		}
		res := run(ctx, plan)
		expectZeroLoss(res)
		Expect(res.Summary.Recoveries).To(BeNumerically(">=", 6))
		for _, f := range res.Faults {
			if f.Fault.Name() == string(harness.FaultLatency) {
				Expect(f.Toxics).To(HaveLen(2), "one toxic per direction, on the external server")
			}
		}
	}, SpecTimeout(60*time.Second))

	It("puts network faults in front of an external target without a fault server", func(ctx SpecContext) {
		stack := newStack(harness.StackOptions{Target: echoTarget()})
		Expect(stack.Embedded()).To(BeFalse())
		Expect(stack.Server()).To(BeNil())
		_, err := stack.Apply(ctx, harness.Fault{Kind: harness.FaultDrop}, 0)
		Expect(errors.Is(err, harness.ErrNeedsServer)).To(BeTrue())

		rec := history.NewRecorder()
		c, err := client.Dial(ctx, stack.URL(""), rec.Instrument(0, fastClient()))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) { Expect(c.Close(ctx)).To(Succeed()) })
		undo, err := stack.Apply(ctx, harness.Fault{Kind: harness.FaultProxyDown}, 0)
		Expect(err).NotTo(HaveOccurred())
		Eventually(c.State).WithContext(ctx).Should(Equal(client.StateReconnecting))
		Expect(undo(ctx)).To(Succeed())
		Expect(c.WaitFor(ctx, client.StateConnected)).To(Succeed())
		Expect(reconnecting(rec.Records())).NotTo(BeEmpty())
	}, SpecTimeout(30*time.Second))
})
