package scenario

import "fmt"

// overlaps rejects timelines that cannot be injected as written: the same
// fault twice at once on the same stream, a toxic on a proxy that is down,
// and a server action while the server is restarting. Each conflict is
// reported once, on the later step.
func (d *doc) overlaps(steps []Step) {
	for i := range steps {
		for j := 0; j < i; j++ {
			a, b := steps[j], steps[i]
			if a.At > b.At {
				a, b = b, a
			}
			if !overlap(a, b) {
				continue
			}
			if why := conflict(a, b); why != "" {
				later, earlier := steps[i], steps[j]
				d.errKey(fmt.Sprintf("timeline[%d]", later.Index), "%s overlaps timeline[%d] %s (%v..%v): %s",
					later.Fault, earlier.Index, earlier.Fault, earlier.At, earlier.End(), why)
			}
		}
	}
}

// overlap reports whether a (starting first) and b share any instant. An
// instant fault occupies the single instant At.
func overlap(a, b Step) bool {
	if a.Duration == 0 {
		return b.At == a.At
	}
	return b.At < a.End()
}

func conflict(a, b Step) string {
	ia, _ := LookupFault(a.Fault)
	ib, _ := LookupFault(b.Fault)
	switch {
	case a.Fault == b.Fault && (!ia.Network || sameStream(a, b)):
		return "the same fault cannot be injected twice at once"
	case ia.Network && ib.Network && (a.Fault == "proxy_down" || b.Fault == "proxy_down"):
		return "a toxic on a disabled proxy has no effect"
	case !ia.Network && !ib.Network && (a.Fault == "restart" || b.Fault == "restart") && !beforeRestart(a, b):
		return "the server is down while it restarts"
	}
	return ""
}

func sameStream(a, b Step) bool {
	sa, _ := a.Attributes["stream"].(string)
	sb, _ := b.Attributes["stream"].(string)
	if sa == "" {
		sa = "both"
	}
	if sb == "" {
		sb = "both"
	}
	return sa == sb || sa == "both" || sb == "both"
}

// beforeRestart allows the deploy pattern "close, then restart": an action
// listed before a restart that starts at the same instant runs first, while
// the server is still up.
func beforeRestart(a, b Step) bool {
	first, second := a, b
	if b.Index < a.Index {
		first, second = b, a
	}
	return second.Fault == "restart" && first.Fault != "restart" && first.At == second.At
}
