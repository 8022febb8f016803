package report

import (
	"fmt"
	"math"
	"sort"
)

// Chart geometry is computed here, in Go, so the template only places
// shapes. Every coordinate is in SVG user units.

const (
	chartWidth = 1200.0
	labelWidth = 110.0
	plotWidth  = chartWidth - labelWidth - 20
	rowHeight  = 14.0
	rowGap     = 3.0
	axisHeight = 24.0
	// maxClientRows caps the timeline's height; the rest are summarised.
	maxClientRows = 60
)

var stateColors = map[string]string{
	"connected":    "#2e9e44",
	"connecting":   "#e0b000",
	"reconnecting": "#f07c1a",
	"failed":       "#d62f2f",
	"closed":       "#8a8a8a",
}

func stateColor(s string) string {
	if c, ok := stateColors[s]; ok {
		return c
	}
	return "#b5b5b5"
}

type rect struct {
	X, Y, W, H float64
	Fill       string
	Title      string
}

type text struct {
	X, Y   float64
	Anchor string
	Text   string
}

type line struct {
	X1, Y1, X2, Y2 float64
	Stroke         string
}

type circle struct {
	X, Y, R float64
	Fill    string
	Title   string
}

type chart struct {
	Width, Height float64
	Rects         []rect
	Texts         []text
	Lines         []line
	Circles       []circle
	// Bands are drawn translucent over everything else.
	Bands []rect
	Note  string
}

// timelineChart draws one row per fault and one per client over the run.
func timelineChart(r *Report) chart {
	total := math.Max(r.DurationMS, r.Scenario.PlannedMS)
	if total <= 0 {
		total = 1
	}
	x := func(ms float64) float64 { return labelWidth + plotWidth*clamp(ms/total, 0, 1) }
	c := chart{Width: chartWidth}
	var bands []rect // faint bands down the client rows line them up with each fault
	y := 4.0
	for _, f := range r.Faults {
		x0, x1 := x(f.StartMS), x(f.EndMS)
		w := math.Max(x1-x0, 3) // instant faults get a visible tick
		fill := "#7b5cd6"
		if f.Network {
			fill = "#3a7bd5"
		}
		if f.Error != "" {
			fill = "#d62f2f"
		}
		title := fmt.Sprintf("step %d: %s, %s to %s", f.Step, f.Description, msDuration(f.StartMS), msDuration(f.EndMS))
		c.Rects = append(c.Rects, rect{X: x0, Y: y, W: w, H: rowHeight, Fill: fill, Title: title})
		c.Texts = append(c.Texts, text{X: labelWidth - 6, Y: y + rowHeight - 3, Anchor: "end", Text: f.Kind})
		bands = append(bands, rect{X: x0, W: w, Fill: fill})
		y += rowHeight + rowGap
	}
	if len(r.Faults) > 0 {
		y += 6
	}
	clientsTop := y
	shown := r.Clients
	if len(shown) > maxClientRows {
		shown = shown[:maxClientRows]
		c.Note = fmt.Sprintf("showing %d of %d clients", maxClientRows, len(r.Clients))
	}
	if r.Scale.Compact {
		c.Note = fmt.Sprintf("showing the %d worst of %d clients (least uptime, failed ones); every client is in the state counts below",
			len(shown), r.Scale.Clients)
	}
	for _, cl := range shown {
		c.Texts = append(c.Texts, text{X: labelWidth - 6, Y: y + rowHeight - 3, Anchor: "end", Text: fmt.Sprintf("client %d", cl.ID)})
		for _, s := range cl.States {
			x0, x1 := x(s.StartMS), x(s.EndMS)
			if x1-x0 < 0.5 {
				x1 = x0 + 0.5
			}
			title := fmt.Sprintf("client %d %s %s to %s", cl.ID, s.State, msDuration(s.StartMS), msDuration(s.EndMS))
			c.Rects = append(c.Rects, rect{X: x0, Y: y, W: x1 - x0, H: rowHeight, Fill: stateColor(s.State), Title: title})
		}
		y += rowHeight + rowGap
	}
	for _, b := range bands {
		b.Y, b.H = clientsTop, math.Max(y-clientsTop, 0)
		c.Bands = append(c.Bands, b)
	}
	c.Lines, c.Texts = timeAxis(c.Lines, c.Texts, y+2, total, x)
	c.Height = y + axisHeight + 4
	return c
}

// timeAxis draws ticks at a round step along the bottom.
func timeAxis(ls []line, ts []text, y, total float64, x func(float64) float64) ([]line, []text) {
	step := niceStep(total / 10)
	ls = append(ls, line{X1: labelWidth, Y1: y, X2: labelWidth + plotWidth, Y2: y, Stroke: "#444"})
	for t := 0.0; t <= total+1e-9; t += step {
		ls = append(ls, line{X1: x(t), Y1: y, X2: x(t), Y2: y + 5, Stroke: "#444"})
		ts = append(ts, text{X: x(t), Y: y + 17, Anchor: "middle", Text: msDuration(t)})
	}
	return ls, ts
}

// niceStep rounds v up to 1, 2 or 5 times a power of ten.
func niceStep(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func clamp(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

const (
	smallW, smallH         = 560.0, 300.0
	padL, padR, padT, padB = 60.0, 16.0, 12.0, 40.0
)

// histogramChart bins recovery times (reattached) into up to 20 bars.
func histogramChart(r *Report) chart {
	c := chart{Width: smallW, Height: smallH}
	// The histogram the report carries covers every sample; a compact
	// report's sample list holds only the slowest.
	bins := r.Scale.RecoveryHistogram
	if len(bins) == 0 {
		bins = histogram(r.Recovery.Samples)
	}
	if len(bins) == 0 {
		c.Note = "no recoveries measured"
		return c
	}
	n := len(bins)
	width := bins[0].HiMS - bins[0].LoMS
	counts := make([]int, n)
	for i, b := range bins {
		counts[i] = b.Count
	}
	maxCount := 0
	for _, k := range counts {
		maxCount = max(maxCount, k)
	}
	pw, ph := smallW-padL-padR, smallH-padT-padB
	bw := pw / float64(n)
	for i, k := range counts {
		h := ph * float64(k) / float64(maxCount)
		title := fmt.Sprintf("%s to %s: %d", msDuration(float64(i)*width), msDuration(float64(i+1)*width), k)
		c.Rects = append(c.Rects, rect{X: padL + float64(i)*bw + 1, Y: padT + ph - h, W: math.Max(bw-2, 1), H: h, Fill: "#3a7bd5", Title: title})
	}
	c.Lines, c.Texts = frame(c.Lines, c.Texts, pw, ph)
	for i := 0; i <= n; i += max(1, n/5) {
		c.Texts = append(c.Texts, text{X: padL + float64(i)*bw, Y: smallH - padB + 16, Anchor: "middle", Text: msDuration(float64(i) * width)})
	}
	c.Texts = append(c.Texts,
		text{X: padL - 6, Y: padT + 10, Anchor: "end", Text: fmt.Sprint(maxCount)},
		text{X: padL - 6, Y: padT + ph, Anchor: "end", Text: "0"},
		text{X: padL + pw/2, Y: smallH - 4, Anchor: "middle", Text: "fault end to connected and re-attached"})
	return c
}

// backoffChart plots observed delays per attempt over the configured range.
func backoffChart(r *Report) chart {
	c := chart{Width: smallW, Height: smallH}
	obs := r.Backoff.Observations
	if len(obs) == 0 {
		c.Note = "no reconnect delays observed"
		return c
	}
	type band struct{ lo, hi float64 }
	bands := map[int]band{}
	maxAttempt, hi := 1, 0.0
	for _, o := range obs {
		a := max(o.Attempt, 1)
		b, ok := bands[a]
		if !ok {
			b = band{o.MinMS, o.MaxMS}
		}
		b.lo, b.hi = math.Min(b.lo, o.MinMS), math.Max(b.hi, o.MaxMS)
		bands[a] = b
		maxAttempt = max(maxAttempt, a)
		hi = math.Max(hi, o.MaxMS)
		if o.ObservedMS != nil {
			hi = math.Max(hi, *o.ObservedMS)
		}
	}
	hi = math.Max(hi, 1) * 1.05
	pw, ph := smallW-padL-padR, smallH-padT-padB
	colW := pw / float64(maxAttempt)
	xOf := func(a int) float64 { return padL + (float64(a)-0.5)*colW }
	yOf := func(ms float64) float64 { return padT + ph - ph*clamp(ms/hi, 0, 1) }
	attempts := make([]int, 0, len(bands))
	for a := range bands {
		attempts = append(attempts, a)
	}
	sort.Ints(attempts)
	for _, a := range attempts {
		b := bands[a]
		c.Rects = append(c.Rects, rect{X: xOf(a) - colW*0.4, Y: yOf(b.hi), W: colW * 0.8, H: math.Max(yOf(b.lo)-yOf(b.hi), 1),
			Fill: "#cfe0f7", Title: fmt.Sprintf("attempt %d: configured %s to %s", a, msDuration(b.lo), msDuration(b.hi))})
	}
	for i, o := range obs {
		if o.ObservedMS == nil {
			continue
		}
		a := max(o.Attempt, 1)
		// Spread points across the column deterministically so they don't stack.
		dx := (float64(i%9)/8 - 0.5) * colW * 0.6
		fill := "#1d5fbf"
		if !o.InRange {
			fill = "#d62f2f"
		}
		title := fmt.Sprintf("client %d attempt %d: scheduled %s, observed %s", o.Client, o.Attempt, msDuration(o.ScheduledMS), msDuration(*o.ObservedMS))
		if o.RetryAfter {
			title += " (Retry-After)"
			fill = "#7b5cd6"
		}
		c.Circles = append(c.Circles, circle{X: xOf(a) + dx, Y: yOf(*o.ObservedMS), R: 2.5, Fill: fill, Title: title})
	}
	c.Lines, c.Texts = frame(c.Lines, c.Texts, pw, ph)
	for _, a := range attempts {
		if len(attempts) <= 12 || a%max(1, maxAttempt/10) == 0 {
			c.Texts = append(c.Texts, text{X: xOf(a), Y: smallH - padB + 16, Anchor: "middle", Text: fmt.Sprint(a)})
		}
	}
	c.Texts = append(c.Texts,
		text{X: padL - 6, Y: padT + 10, Anchor: "end", Text: msDuration(hi)},
		text{X: padL - 6, Y: padT + ph, Anchor: "end", Text: "0"},
		text{X: padL + pw/2, Y: smallH - 4, Anchor: "middle", Text: "attempt (shaded: configured range; dots: observed delay)"})
	return c
}

func frame(ls []line, ts []text, pw, ph float64) ([]line, []text) {
	ls = append(ls,
		line{X1: padL, Y1: padT, X2: padL, Y2: padT + ph, Stroke: "#444"},
		line{X1: padL, Y1: padT + ph, X2: padL + pw, Y2: padT + ph, Stroke: "#444"})
	return ls, ts
}
