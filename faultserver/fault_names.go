package faultserver

import (
	"fmt"
	"time"
)

// Canonical fault names: the admin route POST /faults/{name}, the Fault of
// fault events, and the keys of ActiveFaults. The harness's scenario
// vocabulary uses the same names.
const (
	FaultDrop           = "drop"
	FaultClose          = "close"
	FaultReject         = "reject"
	FaultDelayHandshake = "delay_handshake" // alias "delay", still accepted
	FaultStall          = "stall"
	FaultForgetSessions = "forget_sessions" // alias "forget", still accepted
	FaultRestart        = "restart"
	FaultLossy          = "lossy"
)

// CanonicalFault returns the canonical name of a fault given by its name or
// an alias ("delay" -> "delay_handshake", "forget" -> "forget_sessions").
func CanonicalFault(name string) (string, bool) {
	k, ok := lookupFault(name)
	return k.name, ok
}

// ValidateSpec checks a fault specification with the rules the server
// enforces when the fault is applied, so a caller (the harness validating a
// scenario file) can refuse it before any run. spec is the fault's spec
// type: CloseSpec, RejectSpec, DelaySpec, StallSpec, LossySpec, Selector
// (drop), time.Duration (restart's down time) or nil (forget_sessions).
// Errors are *SpecError, or wrap ErrUnknownFault.
func ValidateSpec(name string, spec any) error {
	canon, ok := CanonicalFault(name)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownFault, name)
	}
	switch sp := spec.(type) {
	case CloseSpec:
		if canon == FaultClose {
			return sp.Validate()
		}
	case RejectSpec:
		if canon == FaultReject {
			return sp.Validate()
		}
	case DelaySpec:
		if canon == FaultDelayHandshake {
			return sp.Validate()
		}
	case StallSpec:
		if canon == FaultStall {
			return sp.Validate()
		}
	case LossySpec:
		if canon == FaultLossy {
			return sp.Validate()
		}
	case Selector:
		if canon == FaultDrop {
			return sp.validate(FaultDrop)
		}
	case time.Duration:
		if canon == FaultRestart {
			if sp < 0 {
				return &SpecError{FaultRestart, "down must not be negative"}
			}
			return nil
		}
	case nil:
		if canon == FaultForgetSessions {
			return nil
		}
	}
	return &SpecError{canon, fmt.Sprintf("spec of type %T does not describe this fault", spec)}
}
