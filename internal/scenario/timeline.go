package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

func (d *doc) timeline(raw []rawStep, s *Scenario) []Step {
	steps := make([]Step, 0, len(raw))
	for i, r := range raw {
		path := fmt.Sprintf("timeline[%d]", i)
		line, col := d.pos(path)
		st := Step{Fault: r.Fault, Index: i, Pos: Pos{File: d.file, Line: line, Column: col}}
		ok := true
		before := len(d.errs)
		if r.At == "" {
			d.errKey(path, "at is required: when the fault starts, from the start of the run")
		} else {
			st.At = d.dur(path+".at", r.At)
		}
		st.Duration = d.dur(path+".duration", r.Duration)
		info, known := LookupFault(r.Fault)
		switch {
		case r.Fault == "":
			d.errKey(path, "fault is required, one of: %s", strings.Join(faultNames(), ", "))
			ok = false
		case !known:
			d.errAt(path+".fault", "unknown fault %s; known faults: %s", quote(r.Fault), strings.Join(faultNames(), ", "))
			ok = false
		}
		if ok {
			st.Attributes = d.attributes(path, info, r.Attributes)
			switch {
			case info.Instant && r.Duration != "" && st.Duration != 0:
				d.errAt(path+".duration", "%s is instant: it takes no duration", info.Name)
			case !info.Instant && r.Duration == "" && !(info.Name == "reject" && st.Attributes["count"] != nil):
				d.errKey(path, "duration is required for %s: how long the fault lasts", info.Name)
			case !info.Instant && r.Duration != "" && st.Duration == 0 && len(d.errs) == before:
				d.errAt(path+".duration", "must be positive")
			}
			if !info.Network && s.Stack.Target != "" {
				d.errAt(path+".fault", "%s is a fault-server action and needs wschaos's own fault server; against an external target only network faults (toxics) apply", info.Name)
			}
		}
		if len(d.errs) > before {
			continue
		}
		if s.Load.Duration > 0 {
			if st.At >= s.Load.Duration {
				d.errAt(path+".at", "%v is not before the end of the run (load.duration %v)", st.At, s.Load.Duration)
				continue
			}
			if st.End() > s.Load.Duration {
				d.errAt(path+".duration", "fault ends at %v, after the run ends (load.duration %v)", st.End(), s.Load.Duration)
				continue
			}
		}
		steps = append(steps, st)
	}
	d.overlaps(steps)
	return steps
}

// attributes checks a step's attributes against the fault's table and
// converts them to typed values.
func (d *doc) attributes(path string, info FaultInfo, raw map[string]any) map[string]any {
	out := map[string]any{}
	for name, v := range raw {
		apath := path + ".attributes." + name
		t, ok := info.attrs[name]
		if !ok {
			if len(info.attrs) == 0 {
				d.errKey(apath, "%s takes no attributes", info.Name)
			} else {
				d.errKey(apath, "unknown attribute %s for %s; it accepts: %s", quote(name), info.Name, strings.Join(info.Attributes(), ", "))
			}
			continue
		}
		if x, err := typed(t, v); err != nil {
			d.errAt(apath, "%v: want %s", err, t)
		} else {
			out[name] = x
		}
	}
	for _, name := range info.required {
		if _, ok := raw[name]; !ok {
			d.errKey(path, "%s needs attribute %s", info.Name, name)
		}
	}
	d.ranges(path, info, out)
	return out
}

func typed(t attrType, v any) (any, error) {
	s := fmt.Sprint(v)
	switch t {
	case attrDuration:
		str, ok := v.(string)
		if !ok {
			if n, isNum := asInt(v); isNum && n == 0 {
				return time.Duration(0), nil
			}
			return nil, fmt.Errorf("%v has no unit", v)
		}
		x, err := time.ParseDuration(str)
		if err != nil {
			return nil, fmt.Errorf("%s is not a duration", quote(str))
		}
		if x < 0 {
			return nil, fmt.Errorf("%s is negative", str)
		}
		return x, nil
	case attrInt:
		n, ok := asInt(v)
		if !ok {
			return nil, fmt.Errorf("%s is not an integer", quote(s))
		}
		return n, nil
	case attrFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		default:
			if n, ok := asInt(v); ok {
				return float64(n), nil
			}
		}
		return nil, fmt.Errorf("%s is not a number", quote(s))
	case attrString:
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s is not a string", quote(s))
		}
		return str, nil
	case attrStream:
		switch v {
		case "both", "upstream", "downstream":
			return v, nil
		}
		return nil, fmt.Errorf("%s is not a stream", quote(s))
	}
	return nil, fmt.Errorf("unsupported attribute type")
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// ranges checks attribute values the way the harness will, so a bad value
// is reported with its place before a run starts.
func (d *doc) ranges(path string, info FaultInfo, a map[string]any) {
	p := func(name string) string { return path + ".attributes." + name }
	i := func(name string) (int64, bool) { v, ok := a[name].(int64); return v, ok }
	dur := func(name string) time.Duration { v, _ := a[name].(time.Duration); return v }
	if t, ok := a["toxicity"].(float64); ok && !(t > 0 && t <= 1) {
		d.errAt(p("toxicity"), "%v: want a probability in (0, 1]", t)
	}
	switch info.Name {
	case "latency":
		if _, ok := a["latency"]; ok && dur("latency") == 0 {
			d.errAt(p("latency"), "must be positive")
		}
		if dur("jitter") > dur("latency") {
			d.errAt(p("jitter"), "%v exceeds latency %v, which would ask for negative delays", dur("jitter"), dur("latency"))
		}
	case "bandwidth":
		if v, ok := i("rate_kbps"); ok && v <= 0 {
			d.errAt(p("rate_kbps"), "%d: must be positive", v)
		}
	case "slicer":
		avg, okA := i("average_size")
		vr, _ := i("size_variation")
		if okA && (avg <= 0 || vr < 0 || vr >= avg) {
			d.errAt(p("average_size"), "want average_size > size_variation >= 0, got %d and %d", avg, vr)
		}
	case "limit_data":
		if v, ok := i("bytes"); ok && v <= 0 {
			d.errAt(p("bytes"), "%d: must be positive", v)
		}
	case "close":
		if v, ok := i("code"); ok && (v < 1000 || v > 4999) {
			d.errAt(p("code"), "%d: want a close code in 1000..4999", v)
		}
	case "reject":
		if v, ok := i("status"); ok && (v < 400 || v > 599) {
			d.errAt(p("status"), "%d: want an HTTP error status 400..599", v)
		}
		if v, ok := i("count"); ok && v < 0 {
			d.errAt(p("count"), "%d: must not be negative", v)
		}
	case "delay_handshake":
		if _, ok := a["delay"]; ok && dur("delay") == 0 {
			d.errAt(p("delay"), "must be positive")
		}
	}
}
