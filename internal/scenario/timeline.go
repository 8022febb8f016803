package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wschaos/wschaos/harness/fault"
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
			st.Fault = info.Name // an alias reads as the canonical name
			if len(d.errs) == before {
				st.Value = d.value(path, info, st.Attributes)
			}
			switch {
			case info.Instant && r.Duration != "" && st.Duration != 0:
				d.errAt(path+".duration", "%s is instant: it takes no duration", info.Name)
			case !info.Instant && r.Duration == "" && !(info.Name == "reject" && st.Attributes["count"] != nil):
				d.errKey(path, "duration is required for %s: how long the fault lasts", info.Name)
			case !info.Instant && r.Duration != "" && st.Duration == 0 && len(d.errs) == before:
				d.errAt(path+".duration", "must be positive")
			}
			if msg := targetRule(st, s.Stack.Target); msg != "" {
				d.errAt(path+".fault", "%s", msg)
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
	return out
}

func typed(t attrType, v any) (any, error) {
	s := fmt.Sprint(v)
	switch t {
	case "duration":
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
	case "integer":
		n, ok := asInt(v)
		if !ok {
			return nil, fmt.Errorf("%s is not an integer", quote(s))
		}
		return n, nil
	case "number":
		switch x := v.(type) {
		case float64:
			return x, nil
		default:
			if n, ok := asInt(v); ok {
				return float64(n), nil
			}
		}
		return nil, fmt.Errorf("%s is not a number", quote(s))
	case "string":
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s is not a string", quote(s))
		}
		return str, nil
	case "stream":
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

// value decodes a step's typed attributes into the registered kind's
// value and validates it with the kind's own rules (those the fault server
// and Toxiproxy enforce), reporting an error at the attribute it names.
func (d *doc) value(path string, info FaultInfo, attrs map[string]any) fault.Fault {
	m := make(map[string]any, len(attrs))
	for k, v := range attrs {
		if x, ok := v.(time.Duration); ok {
			v = x.String()
		}
		m[k] = v
	}
	data, err := json.Marshal(m)
	if err != nil {
		d.errKey(path, "%s: %v", info.Name, err)
		return nil
	}
	f, err := fault.Decode(info.Name, data)
	if err == nil {
		err = f.Validate()
	}
	if err != nil {
		var ae *fault.AttrError
		if errors.As(err, &ae) && ae.Attr != "" {
			if _, given := attrs[ae.Attr]; given {
				d.errAt(path+".attributes."+ae.Attr, "%s", ae.Msg)
			} else {
				d.errKey(path, "%s needs attribute %s: %s", info.Name, ae.Attr, ae.Msg)
			}
		} else {
			d.errKey(path, "%v", err)
		}
		return nil
	}
	return f
}
