package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"time"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms":    msDuration,
	"count": Count,
	"pct":   func(f float64) string { return strconv.FormatFloat(f*100, 'f', 2, 64) + "%" },
	"pct3":  func(f *float64) string { return pct3(f) },
}).Parse(htmlSource))

type legendEntry struct{ Name, Color string }

type direction struct {
	Name string
	C    DirectionCounts
}

type htmlView struct {
	R                            *Report
	Start, Duration              string
	Legend                       []legendEntry
	Directions                   []direction
	Timeline, Histogram, Backoff chart
	// Area and Bands are the compact report's population charts.
	Area, Bands chart
}

// WriteHTML writes r as one self-contained HTML page: inline CSS and SVG,
// no script, nothing fetched from the network.
func WriteHTML(w io.Writer, r *Report) error {
	v := htmlView{
		R:        r,
		Start:    r.Start.UTC().Format(time.RFC3339),
		Duration: msDuration(r.DurationMS),
		Directions: []direction{
			{"up (client to server)", r.Messages.Up},
			{"down (server to client)", r.Messages.Down},
		},
		Timeline:  timelineChart(r),
		Histogram: histogramChart(r),
		Backoff:   backoffChart(r),
	}
	if r.Scale.Compact {
		v.Area, v.Bands = stateAreaChart(r), recoveryBandsChart(r)
	}
	for _, s := range []string{"connecting", "connected", "reconnecting", "failed", "closed"} {
		v.Legend = append(v.Legend, legendEntry{s, stateColor(s)})
	}
	if err := htmlTemplate.Execute(w, v); err != nil {
		return fmt.Errorf("report: failed to write HTML: %w", err)
	}
	return nil
}

// pct3 renders an optional ratio as a percentage to three places, "n/a"
// when absent.
func pct3(f *float64) string {
	if f == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*f*100, 'f', 3, 64) + "%"
}
