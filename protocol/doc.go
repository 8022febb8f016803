// Package protocol defines the wschaos session protocol: the wire messages
// exchanged by the reconnecting client (package client) and the fault server
// (package faultserver) on the session endpoint.
//
// Every frame is one JSON object in a WebSocket text frame, with a protocol
// version "v" and a message "type". JSON keeps frames readable in logs, in
// wscat and in curl-driven debugging sessions, which matters more for a chaos
// tool than the few bytes a binary encoding would save; payloads are carried
// as base64 so any bytes travel unchanged.
//
// Entry points:
//   - [Encode] turns a message into a frame.
//   - [Decode] parses a frame strictly: unknown types, unknown fields, missing
//     required fields and oversized frames are [*Error] values, never panics.
//
// The full exchange (hello, resume, attach, publish, ack, ...) is documented
// in docs/PROTOCOL.md.
package protocol
