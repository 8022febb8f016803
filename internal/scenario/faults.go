package scenario

import (
	"slices"

	"github.com/wschaos/wschaos/harness/fault"
)

// attrType is the type of one fault attribute, as the registry names it
// (fault.Attr.Type).
type attrType string

func (t attrType) String() string {
	switch t {
	case "duration":
		return "a duration such as 250ms"
	case "integer":
		return "an integer"
	case "number":
		return "a number"
	case "string":
		return "a string"
	case "stream":
		return "one of both, upstream, downstream"
	}
	return "unknown"
}

// FaultInfo describes one fault of the vocabulary. It is read from the
// harness's registry (package harness/fault), the one list of fault kinds.
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

func infoOf(in fault.Info) FaultInfo {
	f := FaultInfo{Name: in.Name, Network: in.Tags.Has(fault.Network), Instant: in.Tags.Has(fault.Instant),
		Doc: in.Doc, attrs: map[string]attrType{}}
	for _, a := range in.Attrs {
		f.attrs[a.Name] = attrType(a.Type)
		if a.Required {
			f.required = append(f.required, a.Name)
		}
	}
	return f
}

// Faults returns the fault vocabulary in documentation order.
func Faults() []FaultInfo {
	var out []FaultInfo
	for _, in := range fault.Kinds() {
		out = append(out, infoOf(in))
	}
	return out
}

// LookupFault returns the fault called name (its canonical name or a
// documented alias).
func LookupFault(name string) (FaultInfo, bool) {
	in, ok := fault.Lookup(name)
	if !ok {
		return FaultInfo{}, false
	}
	return infoOf(in), true
}

// Attributes returns the names of the attributes f accepts, sorted.
func (f FaultInfo) Attributes() []string {
	out := make([]string, 0, len(f.attrs))
	for k := range f.attrs {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Required returns the attributes f cannot do without.
func (f FaultInfo) Required() []string { return append([]string(nil), f.required...) }

func faultNames() []string { return fault.Names() }
