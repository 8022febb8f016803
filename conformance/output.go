package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable writes one line per case and client.
func WriteTable(w io.Writer, reps []ClientReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT\tCASE\tGRADE\tDETAIL")
	for _, r := range reps {
		for _, x := range r.Results {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Client, x.Case, x.Grade, x.Detail)
		}
	}
	return tw.Flush()
}

// WriteJSON writes the reports with the case catalogue.
func WriteJSON(w io.Writer, reps []ClientReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Cases   []Case         `json:"cases"`
		Clients []ClientReport `json:"clients"`
	}{Cases, reps})
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
	SystemErr string        `xml:"system-err,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes one test suite per client, one test case per case:
// FAILED is a failure, UNIMPLEMENTED skipped, the rest pass with the grade
// in system-out.
func WriteJUnit(w io.Writer, reps []ClientReport) error {
	var out junitSuites
	for _, r := range reps {
		s := junitSuite{Name: "conformance/" + r.Client, Time: r.Wall.Seconds()}
		for _, x := range r.Results {
			c, _ := CaseByID(x.Case)
			jc := junitCase{Name: x.Case + " " + c.Desc, Classname: "conformance." + r.Client,
				Time: x.Duration.Seconds(), SystemOut: string(x.Grade) + ": " + x.Detail}
			switch x.Grade {
			case Failed:
				jc.Failure = &junitMessage{x.Detail}
				jc.SystemErr = x.Stderr
				s.Failures++
			case Unimplemented:
				jc.Skipped = &junitMessage{x.Detail}
				s.Skipped++
			}
			s.Cases = append(s.Cases, jc)
			s.Tests++
		}
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return enc.Encode(out)
}

// matrix is cases x clients.
type matrix struct {
	Clients []string
	Rows    []matrixRow
	Wall    string
}

type matrixRow struct {
	Case  Case
	Cells []Result
}

func newMatrix(reps []ClientReport) matrix {
	m := matrix{}
	var wall time.Duration
	byCase := map[string][]Result{}
	var order []string
	for ci, r := range reps {
		m.Clients = append(m.Clients, r.Client)
		wall = max(wall, r.Wall)
		for _, x := range r.Results {
			if _, ok := byCase[x.Case]; !ok {
				order = append(order, x.Case)
				byCase[x.Case] = make([]Result, len(reps))
			}
			byCase[x.Case][ci] = x
		}
	}
	for _, c := range Cases {
		if cells, ok := byCase[c.ID]; ok {
			m.Rows = append(m.Rows, matrixRow{c, cells})
		}
	}
	m.Wall = wall.Round(time.Second).String()
	return m
}

// WriteMatrixMarkdown writes the cases x clients matrix as a Markdown table.
func WriteMatrixMarkdown(w io.Writer, reps []ClientReport) error {
	m := newMatrix(reps)
	var b strings.Builder
	b.WriteString("| case | " + strings.Join(m.Clients, " | ") + " |\n|---|")
	b.WriteString(strings.Repeat("---|", len(m.Clients)) + "\n")
	for _, r := range m.Rows {
		fmt.Fprintf(&b, "| %s %s |", r.Case.ID, r.Case.Desc)
		for _, c := range r.Cells {
			fmt.Fprintf(&b, " %s |", c.Grade)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var htmlTmpl = template.Must(template.New("m").Funcs(template.FuncMap{
	"cls": func(g Grade) string { return strings.ToLower(strings.ReplaceAll(string(g), "-", "")) },
}).Parse(`<!doctype html><html><head><meta charset="utf-8"><title>wschaos conformance</title>
<style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px}
th{background:#eee}td.ok{background:#0c0}td.nonstrict{background:#cc0}td.informational{background:#9cf}
td.unimplemented{background:#ccc}td.failed{background:#f33;color:#fff}td.c{text-align:left}</style></head><body>
<h1>wschaos conformance</h1><p>Longest client run: {{.Wall}}. Hover a cell for the detail.</p>
<table><tr><th>case</th>{{range .Clients}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td class="c" title="{{.Case.Checks}} / {{.Case.Grading}}">{{.Case.ID}} {{.Case.Desc}}</td>
{{range .Cells}}<td class="{{cls .Grade}}" title="{{.Detail}}">{{.Grade}}</td>{{end}}</tr>
{{end}}</table></body></html>
`))

// WriteHTML writes a self-contained HTML matrix of cases x clients.
func WriteHTML(w io.Writer, reps []ClientReport) error {
	return htmlTmpl.Execute(w, newMatrix(reps))
}
