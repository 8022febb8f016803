package scenario

import "sort"

// attrType is the type of one fault attribute.
type attrType int

const (
	attrDuration attrType = iota + 1
	attrInt
	attrFloat
	attrString
	attrStream
)

func (t attrType) String() string {
	switch t {
	case attrDuration:
		return "a duration such as 250ms"
	case attrInt:
		return "an integer"
	case attrFloat:
		return "a number"
	case attrString:
		return "a string"
	case attrStream:
		return "one of both, upstream, downstream"
	}
	return "unknown"
}

// FaultInfo describes one fault of the vocabulary, which mirrors the
// harness's (harness.FaultKind); docs/SCENARIO.md lists the same table.
type FaultInfo struct {
	Name string
	// Network faults act on the Toxiproxy proxy; the rest are fault-server
	// actions, which need wschaos's own fault server (no stack target).
	Network bool
	// Instant faults are one-shot actions: they take no duration.
	Instant bool
	Doc     string

	attrs    map[string]attrType
	required []string
}

// toxicAttrs are accepted by every toxic.
var toxicAttrs = map[string]attrType{"stream": attrStream, "toxicity": attrFloat}

func toxic(name, doc string, attrs map[string]attrType, required ...string) FaultInfo {
	all := map[string]attrType{}
	for k, v := range toxicAttrs {
		all[k] = v
	}
	for k, v := range attrs {
		all[k] = v
	}
	return FaultInfo{Name: name, Network: true, Doc: doc, attrs: all, required: required}
}

var faultCatalogue = []FaultInfo{
	toxic("latency", "delay every chunk by latency ± jitter", map[string]attrType{"latency": attrDuration, "jitter": attrDuration}, "latency"),
	toxic("bandwidth", "limit throughput to rate_kbps KB/s", map[string]attrType{"rate_kbps": attrInt}, "rate_kbps"),
	toxic("slow_close", "delay the close of a connection by delay", map[string]attrType{"delay": attrDuration}),
	toxic("timeout", "black hole: stop all data (half-open); with timeout > 0 close after that long", map[string]attrType{"timeout": attrDuration}),
	toxic("reset_peer", "close connections with TCP RST after timeout", map[string]attrType{"timeout": attrDuration}),
	toxic("slicer", "cut data into average_size ± size_variation byte pieces, delay apart", map[string]attrType{"average_size": attrInt, "size_variation": attrInt, "delay": attrDuration}, "average_size"),
	toxic("limit_data", "close a connection after bytes bytes", map[string]attrType{"bytes": attrInt}, "bytes"),
	{Name: "proxy_down", Network: true, Doc: "disable the proxy: refuse dials and close every proxied connection"},
	{Name: "drop", Instant: true, Doc: "drop every connection abruptly, without a close frame"},
	{Name: "close", Instant: true, Doc: "close every connection with code and reason", attrs: map[string]attrType{"code": attrInt, "reason": attrString}, required: []string{"code"}},
	{Name: "reject", Doc: "reject handshakes with status (and Retry-After): the next count, or all for the duration", attrs: map[string]attrType{"status": attrInt, "retry_after": attrDuration, "count": attrInt}, required: []string{"status"}},
	{Name: "delay_handshake", Doc: "delay every handshake by delay", attrs: map[string]attrType{"delay": attrDuration}, required: []string{"delay"}},
	{Name: "stall", Doc: "make live connections half-open: the server stops reading, writing and answering pings"},
	{Name: "forget_sessions", Instant: true, Doc: "forget every session: resumes fail and clients resync"},
	{Name: "restart", Doc: "take the server's listener down for the duration, dropping every connection"},
	{Name: "lossy", Doc: "deliberately broken: the server acks publishes and drops them (a negative control)"},
}

var faultByName = func() map[string]FaultInfo {
	m := map[string]FaultInfo{}
	for _, f := range faultCatalogue {
		m[f.Name] = f
	}
	return m
}()

// Faults returns the fault vocabulary in documentation order.
func Faults() []FaultInfo { return append([]FaultInfo(nil), faultCatalogue...) }

// LookupFault returns the fault called name.
func LookupFault(name string) (FaultInfo, bool) {
	f, ok := faultByName[name]
	return f, ok
}

// Attributes returns the names of the attributes f accepts, sorted.
func (f FaultInfo) Attributes() []string {
	out := make([]string, 0, len(f.attrs))
	for k := range f.attrs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Required returns the attributes f cannot do without.
func (f FaultInfo) Required() []string { return append([]string(nil), f.required...) }

func faultNames() []string {
	out := make([]string, len(faultCatalogue))
	for i, f := range faultCatalogue {
		out[i] = f.Name
	}
	return out
}
