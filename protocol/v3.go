package protocol

// downgradeV3 strips the v3-only fields of m (channel epochs, the session
// window) for a v1 or v2 frame: a v2 peer's strict decoder rejects keys it
// does not know.
func downgradeV3(m Message) Message {
	switch m := m.(type) {
	case Attach:
		m.Epoch = 0
		return m
	case Attached:
		m.Epoch = 0
		return m
	case Welcome:
		m.Limits.SessionWindow = 0
		return m
	case Resumed:
		m.Limits.SessionWindow = 0
		return m
	}
	return m
}
