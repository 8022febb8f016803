// Package scenarios holds the wschaos chaos specs. They register at package
// level (var _ = Describe(...)); the root suite_test.go blank-imports this
// package and runs them. Labels select them:
//
//	smoke       one quick end-to-end run
//	backoff     reconnect-delay distributions (KS tests)
//	exhaustion  retry limits, Retry-After, fatal handshakes
//	reattach    channel re-attachment and session resume per fault
//	loss        zero message loss per fault, plus the lossy negative control
//	halfopen    heartbeat detection of half-open connections
//	storm       500 clients reconnecting after a restart (Serial)
//	external    a running toxiproxy-server from $TOXIPROXY_URL (skipped without)
//
// Every spec starts its own stack on ephemeral loopback ports, so specs run
// in parallel (ginkgo -p) except the Serial ones.
package scenarios

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // Ginkgo's DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/internal/wstest"
)

// fastClient is wstest.FastClient, named for the many call sites here.
func fastClient() client.Config { return wstest.FastClient() }

// serverConfig is the fault server config specs use: no admin listener,
// a history deep enough that no run outgrows it.
func serverConfig() faultserver.Config {
	return faultserver.Config{DisableAdmin: true, HistorySize: 8192}
}

// newStack starts a stack for the current spec and closes it at cleanup.
func newStack(opts harness.StackOptions) *harness.Stack {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if opts.Target == "" && opts.Server == (faultserver.Config{}) {
		opts.Server = serverConfig()
	}
	s, err := harness.NewStack(ctx, opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx SpecContext) {
		Expect(s.Close(ctx)).To(Succeed())
	}, NodeTimeout(20*time.Second))
	return s
}

// run executes plan and fails the spec if the run itself had problems.
func run(ctx context.Context, plan harness.Plan) *harness.Result {
	GinkgoHelper()
	if plan.Stack.Server == (faultserver.Config{}) {
		plan.Stack.Server = serverConfig()
	}
	res, err := harness.Run(ctx, plan, harness.RunOptions{})
	Expect(err).NotTo(HaveOccurred())
	Expect(res.Errors).To(BeEmpty(), "run errors")
	return res
}

// events returns the server events of kind k.
func events(res *harness.Result, k faultserver.EventKind) []faultserver.Event {
	var out []faultserver.Event
	for _, e := range res.ServerEvents {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// ms is a shorthand for harness durations in milliseconds.
func ms(n int) harness.Duration { return harness.Duration(time.Duration(n) * time.Millisecond) }

// entryTimeout bounds each table entry (a SpecTimeout: Ginkgo hands the
// entry's function a SpecContext that ends then or when the spec ends).
const entryTimeout = 30 * time.Second
