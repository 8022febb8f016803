// Package conformtest runs the conformance cases inside a Ginkgo v2 suite:
// one spec per case, so a team grades its own client in its own suite.
package conformtest

import (
	"context"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	"github.com/wschaos/wschaos/conformance"
)

// Describe registers an Ordered container named text that runs cfg once
// (bounded by timeout) and then one spec per selected case. Without a
// baseline a spec fails when its case is FAILED; with one, when its grade
// differs from the baseline's (a regression or a stale entry).
func Describe(text string, cfg conformance.Config, baseline *conformance.Baseline, timeout time.Duration) bool {
	ids := cfg.Cases
	if len(ids) == 0 {
		for _, c := range conformance.Cases {
			ids = append(ids, c.ID)
		}
	}
	return ginkgo.Describe(text, ginkgo.Ordered, func() {
		var rep conformance.ClientReport
		ginkgo.BeforeAll(func(ctx ginkgo.SpecContext) {
			rctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			var err error
			rep, err = conformance.Run(rctx, cfg)
			gomega.Expect(err).NotTo(gomega.HaveOccurred())
		}, ginkgo.NodeTimeout(timeout+10*time.Second))
		for _, id := range ids {
			c, _ := conformance.CaseByID(id)
			ginkgo.It(id+" "+c.Desc, func() {
				var r conformance.Result
				for _, x := range rep.Results {
					if x.Case == id {
						r = x
					}
				}
				gomega.Expect(r.Case).To(gomega.Equal(id), "case %s has no result", id)
				ginkgo.AddReportEntry(id, string(r.Grade)+": "+r.Detail)
				if baseline != nil {
					one := conformance.ClientReport{Client: rep.Client, Results: []conformance.Result{r}}
					sub := conformance.Baseline{Client: baseline.Client, Expected: map[string]conformance.Grade{}}
					if g, ok := baseline.Expected[id]; ok {
						sub.Expected[id] = g
					}
					diffs, err := sub.Compare(one)
					gomega.Expect(err).NotTo(gomega.HaveOccurred(), "%v", diffs)
					return
				}
				gomega.Expect(r.Grade).NotTo(gomega.Equal(conformance.Failed), "%s\n%s", r.Detail, r.Stderr)
			})
		}
	})
}
