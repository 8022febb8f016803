package report

import (
	"fmt"
	"math"
)

// Charts of a compact report (more than CompactAbove clients): the
// population as a stacked area of state counts, and recovery percentiles
// per fault over the run, in place of one row per client.

const (
	areaHeight = 240.0
	bandHeight = 260.0
)

// stackOrder is bottom to top: up first, so the green area's top edge reads
// as "clients connected".
var stackOrder = []string{"connected", "connecting", "reconnecting", "failed", "closed"}

// stateAreaChart stacks, per time bucket, the mean number of clients in
// each state, with the faults as bands behind.
func stateAreaChart(r *Report) chart {
	c := chart{Width: chartWidth, Height: areaHeight + axisHeight + 8}
	bs := r.Scale.States
	if len(bs) == 0 {
		c.Note = "no state data"
		return c
	}
	total := math.Max(bs[len(bs)-1].EndMS, 1)
	x := func(ms float64) float64 { return labelWidth + plotWidth*clamp(ms/total, 0, 1) }
	top := 4.0
	n := float64(max(r.Scale.Clients, 1))
	y := func(v float64) float64 { return top + areaHeight*(1-clamp(v/n, 0, 1)) }
	for _, f := range r.Faults {
		fill := "#7b5cd6"
		if f.Network {
			fill = "#3a7bd5"
		}
		c.Bands = append(c.Bands, rect{X: x(f.StartMS), Y: top, W: math.Max(x(f.EndMS)-x(f.StartMS), 2), H: areaHeight, Fill: fill})
	}
	for _, b := range bs {
		x0, x1 := x(b.StartMS), x(b.EndMS)
		below := 0.0
		for _, st := range stackOrder {
			v := *stateField(&b, st)
			if v <= 0 {
				continue
			}
			title := fmt.Sprintf("%s to %s: %.1f %s", msDuration(b.StartMS), msDuration(b.EndMS), v, st)
			c.Rects = append(c.Rects, rect{X: x0, Y: y(below + v), W: math.Max(x1-x0, 0.5) + 0.4, H: y(below) - y(below+v), Fill: stateColor(st), Title: title})
			below += v
		}
	}
	c.Lines = append(c.Lines, line{X1: labelWidth, Y1: top, X2: labelWidth, Y2: top + areaHeight, Stroke: "#444"})
	c.Texts = append(c.Texts,
		text{X: labelWidth - 6, Y: top + 10, Anchor: "end", Text: fmt.Sprintf("%d clients", r.Scale.Clients)},
		text{X: labelWidth - 6, Y: top + areaHeight, Anchor: "end", Text: "0"})
	c.Lines, c.Texts = timeAxis(c.Lines, c.Texts, top+areaHeight+2, total, x)
	return c
}

// recoveryBandsChart draws, at each fault's end, its recovery p50 to p90
// (dark) and p90 to p99 (light) as bands, the max as a dot, and joins the
// faults' p50 and p99 so a trend over the run shows.
func recoveryBandsChart(r *Report) chart {
	c := chart{Width: chartWidth, Height: bandHeight + axisHeight + 8}
	fs := r.Scale.RecoveryByFault
	if len(fs) == 0 {
		c.Note = "no recoveries measured"
		return c
	}
	total := math.Max(math.Max(r.DurationMS, r.Scenario.PlannedMS), 1)
	hi := 1.0
	for _, f := range fs {
		hi = math.Max(hi, f.MaxMS)
	}
	hi *= 1.05
	top := 4.0
	x := func(ms float64) float64 { return labelWidth + plotWidth*clamp(ms/total, 0, 1) }
	y := func(ms float64) float64 { return top + bandHeight*(1-clamp(ms/hi, 0, 1)) }
	w := math.Max(math.Min(plotWidth/float64(len(fs))*0.6, 24), 4)
	for i, f := range fs {
		cx := x(f.FaultEndMS)
		title := fmt.Sprintf("step %d %s (%d clients): p50 %s p90 %s p99 %s max %s", f.Step, f.Fault, f.Count,
			msDuration(f.P50MS), msDuration(f.P90MS), msDuration(f.P99MS), msDuration(f.MaxMS))
		c.Rects = append(c.Rects,
			rect{X: cx - w/2, Y: y(f.P99MS), W: w, H: math.Max(y(f.P90MS)-y(f.P99MS), 1), Fill: "#a9c4ee", Title: title},
			rect{X: cx - w/2, Y: y(f.P90MS), W: w, H: math.Max(y(f.P50MS)-y(f.P90MS), 1), Fill: "#3a7bd5", Title: title})
		c.Lines = append(c.Lines, line{X1: cx - w/2, Y1: y(f.P50MS), X2: cx + w/2, Y2: y(f.P50MS), Stroke: "#0b2e66"})
		c.Circles = append(c.Circles, circle{X: cx, Y: y(f.MaxMS), R: 2.5, Fill: "#d62f2f", Title: title})
		if i > 0 {
			p := fs[i-1]
			c.Lines = append(c.Lines,
				line{X1: x(p.FaultEndMS), Y1: y(p.P50MS), X2: cx, Y2: y(f.P50MS), Stroke: "#0b2e66"},
				line{X1: x(p.FaultEndMS), Y1: y(p.P99MS), X2: cx, Y2: y(f.P99MS), Stroke: "#a9c4ee"})
		}
	}
	c.Lines = append(c.Lines, line{X1: labelWidth, Y1: top, X2: labelWidth, Y2: top + bandHeight, Stroke: "#444"})
	c.Texts = append(c.Texts,
		text{X: labelWidth - 6, Y: top + 10, Anchor: "end", Text: msDuration(hi)},
		text{X: labelWidth - 6, Y: top + bandHeight, Anchor: "end", Text: "0"})
	c.Lines, c.Texts = timeAxis(c.Lines, c.Texts, top+bandHeight+2, total, x)
	return c
}
