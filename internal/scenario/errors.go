package scenario

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is one problem in a scenario file. Line and Column are 1-based;
// zero when the problem has no place in the file (an empty file, say).
type FieldError struct {
	File   string
	Line   int
	Column int
	// Field is the dotted path of the offending field, e.g.
	// "timeline[2].duration"; empty for file-level problems.
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// Errors is every problem found in one file, in file order. It is the error
// [Parse] returns; errors.As finds it, and each element is a *FieldError.
type Errors []*FieldError

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap exposes each *FieldError to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// ErrNotFound is wrapped when [Resolve] finds neither a file nor a built-in.
var ErrNotFound = errors.New("scenario not found")
