package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes r as JUnit XML: one suite per run, one test case per
// SLO (failed when the SLO did not hold), and one error case per run error,
// so a CI system shows each objective as a test.
func WriteJUnit(w io.Writer, r *Report) error {
	secs := strconv.FormatFloat(r.DurationMS/1000, 'f', 3, 64)
	class := "wschaos." + r.Scenario.Name
	s := junitSuite{
		Name:      "wschaos run " + r.Scenario.Name,
		Time:      secs,
		Timestamp: r.Start.UTC().Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{
			{"scenario", r.Scenario.Name},
			{"source", r.Scenario.Source},
			{"seed", strconv.FormatUint(r.Scenario.Seed, 10)},
			{"short", strconv.FormatBool(r.Scenario.Short)},
			{"stack", r.Stack.Mode},
			{"schema_version", strconv.Itoa(r.SchemaVersion)},
		},
	}
	for _, slo := range r.SLOs {
		c := junitCase{Name: slo.Name, Classname: class, Time: "0"}
		if !slo.Pass {
			msg := fmt.Sprintf("SLO %s failed: observed %s", slo.Name, slo.ObservedText)
			c.Failure = &junitFailure{Message: msg, Type: "slo", Text: msg}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	for i, e := range r.Errors {
		s.Cases = append(s.Cases, junitCase{Name: fmt.Sprintf("run error %d", i+1), Classname: class, Time: "0",
			Error: &junitFailure{Message: e, Type: "run", Text: e}})
		s.Errors++
	}
	s.Tests = len(s.Cases)
	var out strings.Builder
	if err := WriteSummary(&out, r); err == nil {
		s.SystemOut = out.String()
	}
	doc := junitSuites{Name: "wschaos", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Time: secs, Suites: []junitSuite{s}}
	return writeJUnitDoc(w, doc)
}

// writeJUnitDoc writes doc as an indented JUnit XML document.
func writeJUnitDoc(w io.Writer, doc junitSuites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("report: failed to write JUnit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: failed to write JUnit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("report: failed to write JUnit: %w", err)
	}
	return nil
}
