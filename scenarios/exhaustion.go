package scenarios

import (
	"context"
	"errors"
	"time"

	"github.com/gorilla/websocket"
	. "github.com/onsi/ginkgo/v2" //nolint:revive
	. "github.com/onsi/gomega"    //nolint:revive
	"github.com/onsi/gomega/gleak"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/harness/history"
)

// rawClient starts a client with cfg on the stack's echo endpoint, its
// states and dials recorded in a fresh history.Recorder.
func rawClient(stack *harness.Stack, cfg client.Config) (*client.Client, *history.Recorder) {
	GinkgoHelper()
	rec := history.NewRecorder()
	c, err := client.New(stack.URL(faultserver.EchoPath), rec.Instrument(0, cfg))
	Expect(err).NotTo(HaveOccurred())
	return c, rec
}

// reconnecting returns the client's entries into reconnecting.
func reconnecting(rs []history.Record) []history.Record {
	var out []history.Record
	for _, r := range rs {
		if r.Kind == history.RecState && r.To == client.StateReconnecting.String() {
			out = append(out, r)
		}
	}
	return out
}

// dials returns the times of the client's TCP dials.
func dials(rs []history.Record) []time.Time {
	var out []time.Time
	for _, r := range rs {
		if r.Kind == history.RecDial {
			out = append(out, r.Time)
		}
	}
	return out
}

func waitFailed(c *client.Client, within time.Duration) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	err := c.WaitFor(ctx, client.StateFailed)
	Expect(err).NotTo(HaveOccurred())
}

var _ = Describe("Retry-limit exhaustion", Label("exhaustion"), func() {
	var (
		stack  *harness.Stack
		before []gleak.Goroutine
	)
	BeforeEach(func() {
		stack = newStack(harness.StackOptions{})
		before = gleak.Goroutines()
	})
	// Each client below is closed in its spec; nothing of it may remain.
	expectNoClientGoroutines := func() {
		GinkgoHelper()
		Eventually(gleak.Goroutines).WithTimeout(5*time.Second).ShouldNot(gleak.HaveLeaked(before),
			"the failed client left goroutines behind")
	}

	It("makes exactly MaxAttempts attempts against a server that never returns, then hands the queue back", func(ctx SpecContext) {
		_, err := stack.Apply(ctx, harness.Fault{Kind: harness.FaultProxyDown}, 0)
		Expect(err).NotTo(HaveOccurred())
		cfg := fastClient()
		cfg.MaxAttempts = 5
		c, rec := rawClient(stack, cfg)
		queued := []client.Outbound{
			{Type: websocket.TextMessage, Data: []byte("one")},
			{Type: websocket.TextMessage, Data: []byte("two")},
			{Type: websocket.BinaryMessage, Data: []byte{3}},
		}
		for _, m := range queued {
			Expect(c.Send(ctx, m)).To(Succeed())
		}
		waitFailed(c, 5*time.Second)

		Expect(dials(rec.Records())).To(HaveLen(5), "TCP dials")
		Expect(c.Stats().Attempts).To(Equal(uint64(5)))
		var le *client.LimitError
		Expect(errors.As(c.Err(), &le)).To(BeTrue(), "terminal error %v", c.Err())
		Expect(le.Kind).To(Equal(client.LimitMaxAttempts))
		Expect(le.Attempts).To(Equal(5))
		Expect(c.Err().Error()).To(ContainSubstring("max attempts"))
		Expect(c.Undelivered()).To(Equal(queued), "every queued message handed back, in order")
		Expect(c.Send(ctx, queued[0])).To(MatchError(client.ErrFailed))
		Expect(c.Close(ctx)).To(Succeed())
		expectNoClientGoroutines()
	}, SpecTimeout(15*time.Second))

	It("gives up at MaxElapsed rather than wait past it", func(ctx SpecContext) {
		_, err := stack.Apply(ctx, harness.Fault{Kind: harness.FaultProxyDown}, 0)
		Expect(err).NotTo(HaveOccurred())
		cfg := fastClient()
		cfg.MaxElapsed = 300 * time.Millisecond
		start := time.Now()
		c, err := client.New(stack.URL(faultserver.EchoPath), cfg)
		Expect(err).NotTo(HaveOccurred())
		waitFailed(c, 5*time.Second)
		took := time.Since(start)
		var le *client.LimitError
		Expect(errors.As(c.Err(), &le)).To(BeTrue())
		Expect(le.Kind).To(Equal(client.LimitMaxElapsed))
		Expect(le.Elapsed).To(BeNumerically("<=", 300*time.Millisecond))
		Expect(le.Attempts).To(BeNumerically(">=", 2))
		// It fails before the delay that would overrun the budget, so it never
		// takes longer than the budget (plus a dial and scheduling slack).
		Expect(took).To(BeNumerically("<", 300*time.Millisecond+100*time.Millisecond))
		Expect(c.Close(ctx)).To(Succeed())
		expectNoClientGoroutines()
	}, SpecTimeout(15*time.Second))

	It("honours Retry-After on a 503 within the cap", func(ctx SpecContext) {
		Expect(stack.Server().RejectHandshakes(faultserver.RejectSpec{Count: 1, Status: 503, RetryAfter: time.Second})).To(Succeed())
		cfg := fastClient()
		cfg.Backoff.Cap = 2 * time.Second
		c, rec := rawClient(stack, cfg)
		DeferCleanup(func(ctx SpecContext) { Expect(c.Close(ctx)).To(Succeed()) })
		Expect(c.WaitFor(ctx, client.StateConnected)).To(Succeed())

		rs := rec.Records()
		rc := reconnecting(rs)
		Expect(rc).To(HaveLen(1))
		Expect(rc[0].HTTPStatus).To(Equal(503))
		Expect(rc[0].RetryAfter).To(Equal(time.Second))
		Expect(rc[0].Delay).To(BeNumerically(">=", time.Second), "without Retry-After the delay would be < 20ms")
		ds := dials(rs)
		Expect(ds).To(HaveLen(2))
		Expect(ds[1].Sub(ds[0])).To(BeNumerically(">=", time.Second))
	}, SpecTimeout(15*time.Second))

	It("stops at once on a fatal handshake status", func(ctx SpecContext) {
		Expect(stack.Server().RejectHandshakes(faultserver.RejectSpec{Status: 401})).To(Succeed())
		cfg := fastClient()
		cfg.MaxAttempts = 10
		start := time.Now()
		c, rec := rawClient(stack, cfg)
		waitFailed(c, 5*time.Second)
		Expect(time.Since(start)).To(BeNumerically("<", time.Second))
		Expect(dials(rec.Records())).To(HaveLen(1), "no retry after 401")
		var fe *client.FatalError
		Expect(errors.As(c.Err(), &fe)).To(BeTrue(), "terminal error %v", c.Err())
		Expect(fe.HTTPStatus).To(Equal(401))
		Expect(c.Close(ctx)).To(Succeed())
		expectNoClientGoroutines()
	}, SpecTimeout(15*time.Second))
})
