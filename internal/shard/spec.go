package shard

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Spec is shard Index of Count (0 <= Index < Count). The zero value is not a
// valid spec; [Single] is the unsharded run.
type Spec struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Single is an unsharded run: shard 0 of 1.
var Single = Spec{Index: 0, Count: 1}

// CompletionIndexEnv is the variable a Kubernetes Indexed Job sets in each
// pod to the pod's index.
const CompletionIndexEnv = "JOB_COMPLETION_INDEX"

// SpecError is a shard spec that cannot be used; Input is what was given.
type SpecError struct {
	Input  string
	Reason string
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("invalid shard %q: %s (want i/n with 0 <= i < n, e.g. 0/4)", e.Input, e.Reason)
}

// ErrSpec is matched by errors.Is for every *SpecError.
var ErrSpec = errors.New("invalid shard")

// Is makes errors.Is(err, ErrSpec) true.
func (e *SpecError) Is(target error) bool { return target == ErrSpec }

// String is "i/n", the form ParseSpec reads.
func (s Spec) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Validate reports a spec outside 0 <= Index < Count.
func (s Spec) Validate() error {
	switch {
	case s.Count < 1:
		return &SpecError{Input: s.String(), Reason: "n must be at least 1"}
	case s.Index < 0:
		return &SpecError{Input: s.String(), Reason: "i must not be negative"}
	case s.Index >= s.Count:
		return &SpecError{Input: s.String(), Reason: fmt.Sprintf("i must be below n (shards are numbered 0..%d)", s.Count-1)}
	}
	return nil
}

// ParseSpec reads "i/n" (the --shard flag).
func ParseSpec(text string) (Spec, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(text), "/")
	if !ok {
		return Spec{}, &SpecError{Input: text, Reason: "no '/'"}
	}
	i, err := strconv.Atoi(is)
	if err != nil {
		return Spec{}, &SpecError{Input: text, Reason: fmt.Sprintf("i %q is not an integer", is)}
	}
	n, err := strconv.Atoi(ns)
	if err != nil {
		return Spec{}, &SpecError{Input: text, Reason: fmt.Sprintf("n %q is not an integer", ns)}
	}
	s := Spec{Index: i, Count: n}
	if err := s.Validate(); err != nil {
		var se *SpecError
		if errors.As(err, &se) {
			se.Input = text
		}
		return Spec{}, err
	}
	return s, nil
}

// SpecFromEnv builds the spec from the completion index in the environment
// (lookup is os.LookupEnv in production) and the shard count n.
func SpecFromEnv(lookup func(string) (string, bool), n int) (Spec, error) {
	v, ok := lookup(CompletionIndexEnv)
	if !ok || strings.TrimSpace(v) == "" {
		return Spec{}, &SpecError{Input: "$" + CompletionIndexEnv, Reason: "not set"}
	}
	return ParseSpec(strings.TrimSpace(v) + "/" + strconv.Itoa(n))
}
