package scenario

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// maxFileSize bounds what Parse reads: scenario files are small, and a bound
// keeps a hostile input from costing much.
const maxFileSize = 1 << 20

// Parse reads a scenario from data; file names it in errors. Unknown keys,
// values of the wrong type, bad durations, impossible timelines and unknown
// SLO metrics are all errors. On failure the error is [Errors], one
// [*FieldError] per problem, each naming file:line:column and the field.
func Parse(file string, data []byte) (*Scenario, error) {
	d := &doc{file: file, values: map[string]ast.Node{}, keys: map[string]ast.Node{}}
	if len(data) > maxFileSize {
		return nil, Errors{{File: file, Msg: fmt.Sprintf("file is %d bytes; scenario files are limited to %d", len(data), maxFileSize)}}
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, Errors{d.fromYAMLError(err)}
	}
	var docs []*ast.DocumentNode
	for _, dn := range f.Docs {
		if dn != nil && dn.Body != nil {
			docs = append(docs, dn)
		}
	}
	switch len(docs) {
	case 0:
		return nil, Errors{{File: file, Msg: "empty scenario: want a YAML mapping with at least name, load and slos"}}
	case 1:
	default:
		tk := docs[1].Body.GetToken()
		return nil, Errors{{File: file, Line: tk.Position.Line, Column: tk.Position.Column, Msg: "more than one YAML document; a scenario file holds exactly one"}}
	}
	body := docs[0].Body
	d.walk(body, "", nil, reflect.TypeOf(rawScenario{}))
	if len(d.errs) > 0 {
		return nil, d.sorted()
	}
	var raw rawScenario
	if err := yaml.NodeToValue(body, &raw, yaml.Strict()); err != nil {
		return nil, Errors{d.fromYAMLError(err)}
	}
	s := d.convert(&raw)
	if len(d.errs) > 0 {
		return nil, d.sorted()
	}
	s.Source = file
	return s, nil
}

// doc holds one file's AST index and the problems found so far.
type doc struct {
	file string
	// values and keys map a field path ("timeline[1].at") to its value node
	// and, for mapping entries, its key node.
	values map[string]ast.Node
	keys   map[string]ast.Node
	errs   Errors
}

// walk checks node against the Go type t that will receive it: every mapping
// key must name a field, mappings and sequences must sit where structs and
// slices are expected. It indexes every node by path on the way.
func (d *doc) walk(node ast.Node, path string, key ast.Node, t reflect.Type) {
	node = unwrap(node)
	if node == nil {
		return
	}
	d.values[path] = node
	if key != nil {
		d.keys[path] = key
	}
	if _, isNull := node.(*ast.NullNode); isNull {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		entries, ok := mappingEntries(node)
		if !ok {
			d.errAt(path, "want a mapping of %s", strings.Join(fieldNames(t), ", "))
			return
		}
		fields := yamlFields(t)
		for _, mv := range entries {
			name := keyName(mv.Key)
			sub := join(path, name)
			ft, ok := fields[name]
			if !ok {
				d.errs = append(d.errs, d.errNode(mv.Key, sub, fmt.Sprintf("unknown field %q; known fields: %s", name, strings.Join(fieldNames(t), ", "))))
				continue
			}
			d.walk(mv.Value, sub, mv.Key, ft)
		}
	case reflect.Slice:
		seq, ok := node.(*ast.SequenceNode)
		if !ok {
			d.errAt(path, "want a list")
			return
		}
		for i, v := range seq.Values {
			d.walk(v, fmt.Sprintf("%s[%d]", path, i), nil, t.Elem())
		}
	case reflect.Map:
		entries, ok := mappingEntries(node)
		if !ok {
			d.errAt(path, "want a mapping")
			return
		}
		for _, mv := range entries {
			sub := join(path, keyName(mv.Key))
			d.keys[sub] = mv.Key
			if v := unwrap(mv.Value); v != nil {
				d.values[sub] = v
				if _, scalar := v.(ast.ScalarNode); !scalar {
					d.errAt(sub, "want a single value, not a mapping or list")
				}
			}
		}
	case reflect.Interface:
		// free-form value: nothing to check here
	default:
		if _, scalar := node.(ast.ScalarNode); !scalar {
			d.errAt(path, "want a single value, not a mapping or list")
		}
	}
}

func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		default:
			return n
		}
	}
}

func mappingEntries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

func keyName(k ast.MapKeyNode) string {
	if k == nil {
		return ""
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out[name] = f.Type
		}
	}
	return out
}

func fieldNames(t reflect.Type) []string {
	fs := yamlFields(t)
	out := make([]string, 0, len(fs))
	for k := range fs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pos finds where path is in the file: its key when it has one (so the
// message points at the field name), else its value, else the nearest
// enclosing field.
func (d *doc) pos(path string) (line, col int) {
	for p := path; ; {
		if p == "" {
			return 1, 1 // a missing top-level field: point at the file's start
		}
		if n, ok := d.keys[p]; ok && n.GetToken() != nil {
			return n.GetToken().Position.Line, n.GetToken().Position.Column
		}
		if n, ok := d.values[p]; ok && n.GetToken() != nil {
			return n.GetToken().Position.Line, n.GetToken().Position.Column
		}
		p = parent(p)
	}
}

// valuePos is like pos but prefers the value, for messages about a value.
func (d *doc) valuePos(path string) (line, col int) {
	if n, ok := d.values[path]; ok && n.GetToken() != nil {
		if _, isNull := n.(*ast.NullNode); !isNull {
			return n.GetToken().Position.Line, n.GetToken().Position.Column
		}
	}
	return d.pos(path)
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// errAt records a problem with the value at path.
func (d *doc) errAt(path, format string, args ...any) {
	line, col := d.valuePos(path)
	d.errs = append(d.errs, &FieldError{File: d.file, Line: line, Column: col, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// errKey records a problem with the field at path as a whole.
func (d *doc) errKey(path, format string, args ...any) {
	line, col := d.pos(path)
	d.errs = append(d.errs, &FieldError{File: d.file, Line: line, Column: col, Field: path, Msg: fmt.Sprintf(format, args...)})
}

func (d *doc) errNode(n ast.Node, path, msg string) *FieldError {
	e := &FieldError{File: d.file, Field: path, Msg: msg}
	if tk := n.GetToken(); tk != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}

// fromYAMLError turns a go-yaml error into a FieldError, naming the field
// whose node holds the offending token when the index knows it.
func (d *doc) fromYAMLError(err error) *FieldError {
	e := &FieldError{File: d.file, Msg: err.Error()}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return e
	}
	e.Msg = ye.GetMessage()
	var te *yaml.TypeError
	var oe *yaml.OverflowError
	switch {
	case errors.As(err, &te) && te.DstType != nil:
		e.Msg = fmt.Sprintf("%s: want %s", valueText(te.Token), kindText(te.DstType))
	case errors.As(err, &oe) && oe.DstType != nil:
		e.Msg = fmt.Sprintf("%s: out of range, want %s", oe.SrcNum, kindText(oe.DstType))
	}
	if tk := ye.GetToken(); tk != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
		e.Field = d.pathOf(tk)
	}
	return e
}

func (d *doc) pathOf(tk *token.Token) string {
	best := ""
	found := false
	for p, n := range d.values {
		nt := n.GetToken()
		if nt != nil && nt.Position.Line == tk.Position.Line && nt.Position.Column == tk.Position.Column {
			// Several paths can share a token (a mapping and its first key);
			// the longest is the most specific.
			if !found || len(p) > len(best) {
				best, found = p, true
			}
		}
	}
	return best
}

func (d *doc) sorted() Errors {
	sort.SliceStable(d.errs, func(i, j int) bool {
		a, b := d.errs[i], d.errs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return d.errs
}

// quote renders a user value in messages.
func quote(s string) string { return strconv.Quote(s) }

func valueText(tk *token.Token) string {
	if tk == nil {
		return "value"
	}
	return quote(tk.Value)
}

// kindText names a Go type the way the scenario docs do.
func kindText(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		return "a non-negative integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return t.String()
}
