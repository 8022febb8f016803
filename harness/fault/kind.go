package fault

// Kind is a registered kind's canonical name ("latency", "reject", ...),
// the type records and reports name a fault by.
type Kind string

// Tags returns the registered kind's tags (none if k is not registered).
func (k Kind) Tags() Tags {
	in, _ := Lookup(string(k))
	return in.Tags
}

// IsNetwork reports whether k is applied on the Toxiproxy proxy.
func (k Kind) IsNetwork() bool { return k.Tags().Has(Network) }

// IsServer reports whether k is a fault-server action.
func (k Kind) IsServer() bool { return k.Tags().Has(Server) }

// IsOutage reports whether k makes the service unavailable while it lasts.
// Uptime "excluding injected outages" leaves these windows out.
func (k Kind) IsOutage() bool { return k.Tags().Has(Outage) }

// IsInstant reports whether k is a one-shot action with nothing to undo.
func (k Kind) IsInstant() bool { return k.Tags().Has(Instant) }
