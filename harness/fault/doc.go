// Package fault is wschaos's one fault vocabulary: every fault kind the
// harness can inject, as a small typed value, registered by name.
//
// Each kind lives in its own file (latency.go, close.go, ...) and is one
// struct whose fields are its attributes (their json tags are the names
// used in scenario files, the harness's JSON and the docs), plus:
//
//   - Name: its canonical name; Tags: network / server / outage / instant;
//   - Validate: the rules the fault server or Toxiproxy would enforce, so a
//     bad value fails before a run, with the attribute named ([AttrError]);
//   - Apply: how it is injected on an [Env] (a Toxiproxy proxy and, for
//     server kinds, a local fault server) and the [Undo] that lifts it.
//
// The file registers the kind in an init with [Register]. Decoding
// ([Decode]), listings ([Kinds]), the scenario file format, the JSON schema
// and docs/SCENARIO.md's table (both checked against the registry by tests)
// all come from there.
//
// Adding a fault kind is one new file here plus its test: a type with the
// methods of [Fault] and a Register call; add a row for it to
// docs/SCENARIO.md and docs/scenario.schema.json, which the tests demand.
package fault
