package shard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// FormatVersion is the partial-result schema version. A decoder refuses any
// other: merging across schema versions would silently drop fields.
// Version 2 added the harness section ([Harness]).
const FormatVersion = 2

// envelope is the JSON document: the version first, so a reader of a future
// version can tell before decoding the rest.
type envelope struct {
	Version int      `json:"wschaos_partial"`
	Partial *Partial `json:"partial"`
}

// ErrVersion is wrapped by [Decode] for a document of another FormatVersion.
var ErrVersion = errors.New("unsupported partial format version")

// Encode writes p as one versioned JSON document.
func Encode(w io.Writer, p *Partial) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(envelope{Version: FormatVersion, Partial: p}); err != nil {
		return fmt.Errorf("failed to encode partial: %w", err)
	}
	return nil
}

// Decode reads one document written by [Encode]. Unknown fields, trailing
// data, a missing partial or sketch, and another version are errors.
func Decode(r io.Reader) (*Partial, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("failed to read partial: %w", err)
	}
	var probe struct {
		Version *int `json:"wschaos_partial"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("failed to decode partial: %w", err)
	}
	if probe.Version == nil {
		return nil, errors.New("failed to decode partial: no wschaos_partial version field: not a partial result")
	}
	if *probe.Version == 1 {
		return nil, fmt.Errorf("failed to decode partial: version 1 predates the harness section (whether the shard's harness failed), without which no verdict can stand: rerun the shards with this wschaos: %w", ErrVersion)
	}
	if *probe.Version != FormatVersion {
		return nil, fmt.Errorf("failed to decode partial: version %d, want %d: %w", *probe.Version, FormatVersion, ErrVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var env envelope
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("failed to decode partial: %w", err)
	}
	if dec.More() {
		return nil, errors.New("failed to decode partial: trailing data after the document")
	}
	p := env.Partial
	switch {
	case p == nil:
		return nil, errors.New("failed to decode partial: no partial")
	case p.Recovery == nil || p.Latency == nil:
		return nil, errors.New("failed to decode partial: recovery and latency sketches are required")
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("failed to decode partial: %w", err)
	}
	return p, nil
}
