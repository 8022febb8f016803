//go:build !wschaos_broken

package client

// Test hooks for deliberately broken client variants (negative controls for
// wschaos explore). In normal builds they do nothing and inline away; the
// wschaos_broken build tag replaces them (testhooks_broken.go).

// testhookKeepDuplicate reports whether a replayed serial at or below the
// subscription's position is delivered instead of dropped.
func testhookKeepDuplicate() bool { return false }

// testhookReattached is told that sub was re-attached after a reconnect.
func testhookReattached(*Subscription) {}

// testhookDropDelivery reports whether this delivery is silently dropped.
func testhookDropDelivery(*Subscription) bool { return false }

// testhookAfter returns the position an attach asks the server to replay
// after, given the subscription's last serial.
func testhookAfter(last uint64) uint64 { return last }
