package fault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// entry is one registered kind.
type entry struct {
	name    string
	doc     string
	newFn   func() Fault
	aliases []string
}

var registry = struct {
	sync.RWMutex
	byName  map[string]*entry
	ordered []*entry
}{byName: map[string]*entry{}}

// Register adds a kind: name is its canonical name, doc a one-line
// description (docs/SCENARIO.md's table), newFn returns a pointer to a
// zero value to decode into, and aliases are old spellings also accepted.
// It panics on a duplicate name, as a programming error in an init.
func Register(name, doc string, newFn func() Fault, aliases ...string) {
	registry.Lock()
	defer registry.Unlock()
	e := &entry{name: name, doc: doc, newFn: newFn, aliases: aliases}
	for _, n := range append([]string{name}, aliases...) {
		if _, dup := registry.byName[n]; dup {
			panic("fault: kind registered twice: " + n)
		}
		registry.byName[n] = e
	}
	registry.ordered = append(registry.ordered, e)
}

// Info describes a registered kind.
type Info struct {
	Name    string
	Doc     string
	Tags    Tags
	Aliases []string
	// Attrs are its attributes, in field order.
	Attrs []Attr
}

// Attr is one attribute of a kind.
type Attr struct {
	Name     string
	Type     string // "duration", "integer", "number", "string", "stream"
	Required bool
}

// Kinds lists every registered kind, network kinds first, in registration
// order otherwise.
func Kinds() []Info {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]Info, 0, len(registry.ordered))
	for _, e := range registry.ordered {
		out = append(out, info(e))
	}
	slices.SortStableFunc(out, func(a, b Info) int {
		an, bn := a.Tags.Has(Network), b.Tags.Has(Network)
		switch {
		case an == bn:
			return 0
		case an:
			return -1
		}
		return 1
	})
	return out
}

// Lookup returns the kind called name (canonical or alias).
func Lookup(name string) (Info, bool) {
	registry.RLock()
	e, ok := registry.byName[name]
	registry.RUnlock()
	if !ok {
		return Info{}, false
	}
	return info(e), true
}

// Names lists the canonical names in Kinds order.
func Names() []string {
	var out []string
	for _, k := range Kinds() {
		out = append(out, k.Name)
	}
	return out
}

// New returns a zero value of the kind called name, as a pointer.
func New(name string) (Fault, error) {
	registry.RLock()
	e, ok := registry.byName[name]
	registry.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q; known faults: %s", ErrUnknown, name, strings.Join(Names(), ", "))
	}
	return e.newFn(), nil
}

// Decode reads attrs (a JSON object of attribute names, "{}" or empty for
// none) into a value of kind name. Unknown attributes are an error
// (an [*AttrError] naming it); the value is not validated. The result is
// the kind's value type (not a pointer).
func Decode(name string, attrs []byte) (Fault, error) {
	p, err := New(name)
	if err != nil {
		return nil, err
	}
	kind := p.Name()
	if len(bytes.TrimSpace(attrs)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(attrs))
		dec.DisallowUnknownFields()
		if err := dec.Decode(p); err != nil {
			return nil, decodeError(kind, err)
		}
	}
	return reflect.ValueOf(p).Elem().Interface().(Fault), nil
}

// decodeError names the attribute a JSON decoding error is about.
func decodeError(kind string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return attrErr(kind, te.Field, "%s is not %s", te.Value, typeDoc(te.Type))
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		in, _ := Lookup(kind)
		if len(in.Attrs) == 0 {
			return attrErr(kind, name, "%s takes no attributes", kind)
		}
		names := make([]string, len(in.Attrs))
		for i, a := range in.Attrs {
			names[i] = a.Name
		}
		slices.Sort(names)
		return attrErr(kind, name, "unknown attribute %q for %s; it accepts: %s", name, kind, strings.Join(names, ", "))
	}
	// A field's own UnmarshalJSON (Duration, Stream) failed: the message
	// says what, but not which field; name it when encoding/json does.
	return attrErr(kind, "", "%s", strings.TrimPrefix(msg, "json: "))
}

func typeDoc(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.String:
		return "a string"
	}
	return t.String()
}

var (
	durationType = reflect.TypeFor[Duration]()
	streamType   = reflect.TypeFor[Stream]()
)

// info reflects over the kind's fields: the json tag names the attribute,
// `fault:"required"` marks it required.
func info(e *entry) Info {
	v := e.newFn()
	in := Info{Name: e.name, Doc: e.doc, Tags: v.Tags(), Aliases: slices.Clone(e.aliases)}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for f := range t.Fields() {
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			a := Attr{Name: name, Required: f.Tag.Get("fault") == "required"}
			switch {
			case f.Type == durationType:
				a.Type = "duration"
			case f.Type == streamType:
				a.Type = "stream"
			default:
				a.Type = strings.TrimPrefix(strings.TrimPrefix(typeDoc(f.Type), "an "), "a ")
			}
			in.Attrs = append(in.Attrs, a)
		}
	}
	walk(reflect.TypeOf(v).Elem())
	return in
}

// Encode writes f as a flat JSON object: "kind" plus its attributes.
func Encode(f Fault) ([]byte, error) {
	attrs, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(attrs, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	m["kind"], _ = json.Marshal(f.Name())
	return json.Marshal(m)
}

// DecodeFlat reads the form Encode writes.
func DecodeFlat(data []byte) (Fault, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("fault: %w", err)
	}
	var kind string
	if err := json.Unmarshal(m["kind"], &kind); err != nil {
		return nil, fmt.Errorf("fault: kind: %w", err)
	}
	delete(m, "kind")
	rest, _ := json.Marshal(m)
	return Decode(kind, rest)
}
