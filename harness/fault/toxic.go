package fault

import (
	"context"
	"errors"
	"fmt"
)

// Stream is the direction a toxic applies to.
type Stream string

// Streams.
const (
	StreamBoth       Stream = "both"
	StreamUpstream   Stream = "upstream"   // client to server
	StreamDownstream Stream = "downstream" // server to client
)

// UnmarshalText accepts both, upstream or downstream.
func (s *Stream) UnmarshalText(b []byte) error {
	switch v := Stream(b); v {
	case StreamBoth, StreamUpstream, StreamDownstream:
		*s = v
		return nil
	}
	return fmt.Errorf("stream %q: want both, upstream or downstream", b)
}

// Toxic holds the attributes every Toxiproxy toxic shares. Kinds embed it.
type Toxic struct {
	// Stream selects the direction: both (default), upstream or downstream.
	Stream Stream `json:"stream,omitempty"`
	// Toxicity is the probability that a connection is affected, in
	// (0, 1]. Zero means 1.0: Toxiproxy itself would read 0 as "never".
	Toxicity float64 `json:"toxicity,omitempty"`
}

func (t Toxic) validate(kind string) error {
	switch t.Stream {
	case "", StreamBoth, StreamUpstream, StreamDownstream:
	default:
		return attrErr(kind, "stream", "%q: want both, upstream or downstream", t.Stream)
	}
	if t.Toxicity < 0 || t.Toxicity > 1 {
		return attrErr(kind, "toxicity", "%v: want a probability in (0, 1]", t.Toxicity)
	}
	return nil
}

// suffix is the description's tail: stream and toxicity when not default.
func (t Toxic) suffix() string {
	s := ""
	if t.Stream != "" && t.Stream != StreamBoth {
		s += " " + string(t.Stream)
	}
	if t.Toxicity > 0 && t.Toxicity < 1 {
		s += fmt.Sprintf(" toxicity %.2f", t.Toxicity)
	}
	return s
}

// add adds one toxic per stream and returns an undo removing them all.
func (t Toxic) add(ctx context.Context, env Env, typ string, attrs map[string]any) (Undo, error) {
	streams := []Stream{StreamDownstream, StreamUpstream}
	if t.Stream != "" && t.Stream != StreamBoth {
		streams = []Stream{t.Stream}
	}
	toxicity := float32(t.Toxicity)
	if toxicity == 0 {
		toxicity = 1 // Toxiproxy reads 0 as "never"
	}
	var undos []Undo
	remove := func(ctx context.Context) error {
		var errs []error
		for _, u := range undos {
			errs = append(errs, u(ctx))
		}
		return errors.Join(errs...)
	}
	for _, st := range streams {
		u, err := env.AddToxic(ctx, typ, st, toxicity, attrs)
		if err != nil {
			return nil, errors.Join(err, remove(context.WithoutCancel(ctx)))
		}
		undos = append(undos, u)
	}
	return remove, nil
}

func nonNegative(kind string, ds map[string]Duration) error {
	for name, d := range ds {
		if d < 0 {
			return attrErr(kind, name, "%v is negative", d)
		}
	}
	return nil
}

func ms(d Duration) int64 { return d.D().Milliseconds() }
