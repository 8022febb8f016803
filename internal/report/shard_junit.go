package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteMergedJUnit writes r as [WriteJUnit] does and, for a merged report,
// adds the per-shard breakdown: properties naming the run, and one test
// case per shard (an error when that shard reported harness errors or its
// harness failed, making it inconclusive; its
// figures in system-out), so a CI view shows which pod to look at. The SLO
// cases still carry the one verdict over all shards.
func WriteMergedJUnit(w io.Writer, r *Report) error {
	if r.Shards == nil {
		return WriteJUnit(w, r)
	}
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r); err != nil {
		return err
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil || len(doc.Suites) != 1 {
		return fmt.Errorf("report: failed to add shards to JUnit: %v", err)
	}
	s := &doc.Suites[0]
	b := r.Shards
	s.Properties = append(s.Properties, junitProperty{"run_id", b.RunID}, junitProperty{"shards", strconv.Itoa(b.Count)},
		junitProperty{"scenario_sha256", b.ScenarioSHA256})
	class := "wschaos." + r.Scenario.Name + ".shards"
	for _, sh := range b.Shards {
		c := junitCase{Name: fmt.Sprintf("shard %d/%d", sh.Index, b.Count), Classname: class, Time: "0"}
		text := fmt.Sprintf("clients %d-%d (%s): sent %d, delivered %d, lost %d, duplicated %d; %d recoveries, %d unrecovered, %d failed clients, uptime %.2f%%",
			sh.ClientsLo, sh.ClientsHi-1, sh.Source, sh.Up.Sent+sh.Down.Sent, sh.Up.Delivered+sh.Down.Delivered,
			sh.Up.Lost+sh.Down.Lost, sh.Up.Duplicated+sh.Down.Duplicated, sh.Recoveries, sh.Unrecovered, sh.Failed, sh.Uptime*100)
		errs := sh.Errors
		if sh.Harness.Inconclusive {
			errs = append(append([]string{}, errs...), "inconclusive: the harness failed during the shard's run ("+harnessKinds(sh.Harness)+")")
		}
		if len(errs) > 0 {
			msg := strings.Join(errs, "; ")
			c.Error = &junitFailure{Message: msg, Type: "shard", Text: text + "\n" + msg}
			s.Errors++
			doc.Errors++
		} else {
			s.SystemOut += fmt.Sprintf("shard %d/%d: %s\n", sh.Index, b.Count, text)
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests = len(s.Cases)
	doc.Tests = s.Tests
	return writeJUnitDoc(w, doc)
}

// harnessKinds lists the kinds of h's unexpected events.
func harnessKinds(h Harness) string {
	var kinds []string
	for _, e := range h.Events {
		if !e.Expected {
			kinds = append(kinds, e.Kind)
		}
	}
	return strings.Join(kinds, ", ")
}
