package protocol

import "fmt"

// Validate checks the required fields of m. Decode calls it on every frame and
// Encode on every message, so both peers enforce the same rules.
func Validate(m Message) error {
	var field, why string
	switch m := m.(type) {
	case Hello:
		field, why = firstProblem(
			pair(checkLen("client_id", m.ClientID, 0, MaxChannelBytes)),
			check("read_limit", m.ReadLimit >= 0, "must not be negative"),
			check("producer", validProducer(m.Producer), "must be empty or 32 to 128 hex digits"),
		)
	case Welcome:
		field, why = firstProblem(
			check("session", m.Session != "", "required"),
			check("token", m.Token != "", "required"),
			check("heartbeat_ms", m.HeartbeatMS >= 0, "must not be negative"),
			check("resume_ttl_ms", m.ResumeTTLMS >= 0, "must not be negative"),
			checkLimits(m.Limits),
		)
	case Resume:
		field, why = firstProblem(
			check("session", m.Session != "", "required"),
			check("token", m.Token != "", "required"),
			check("read_limit", m.ReadLimit >= 0, "must not be negative"),
		)
	case Resumed:
		field, why = firstProblem(check("session", m.Session != "", "required"), checkLimits(m.Limits))
	case ResumeFailed:
	case Attach:
		field, why = checkChannel(m.Channel)
	case Attached:
		field, why = checkChannel(m.Channel)
	case Detach:
		field, why = checkChannel(m.Channel)
	case Detached:
		field, why = checkChannel(m.Channel)
	case Publish:
		field, why = firstProblem(
			check("seq", m.Seq > 0, "must be at least 1"),
			pair(checkChannel(m.Channel)),
		)
	case Ack:
	case ChannelMessage:
		field, why = firstProblem(
			pair(checkChannel(m.Channel)),
			check("serial", m.Serial > 0, "must be at least 1"),
		)
	case DeliverAck:
		field, why = checkChannel(m.Channel)
	case Skipped:
		field, why = firstProblem(
			pair(checkChannel(m.Channel)),
			check("serial", m.Serial > 0, "must be at least 1"),
			check("size", m.Size >= 0, "must not be negative"),
		)
	case Rejected:
		field, why = firstProblem(
			check("seq", m.Seq > 0, "must be at least 1"),
			check("code", m.Code != "", "required"),
		)
	case ErrorMessage:
		field, why = firstProblem(check("code", m.Code != "", "required"))
	case nil:
		return &Error{Err: fmt.Errorf("%w: nil message", ErrInvalidField)}
	default:
		// No m.MessageType() here: m may be a nil pointer (e.g. (*Hello)(nil)),
		// and calling a value method through it would panic.
		return &Error{Err: fmt.Errorf("%w: %T", ErrUnknownType, m)}
	}
	if field == "" {
		return nil
	}
	return &Error{Type: m.MessageType(), Field: field, Err: fmt.Errorf("%w: %s", ErrInvalidField, why)}
}

type problem struct{ field, why string }

func check(field string, ok bool, why string) problem {
	if ok {
		return problem{}
	}
	return problem{field, why}
}

func pair(field, why string) problem { return problem{field, why} }

func firstProblem(ps ...problem) (string, string) {
	for _, p := range ps {
		if p.field != "" {
			return p.field, p.why
		}
	}
	return "", ""
}

func checkChannel(ch string) (string, string) {
	if ch == "" {
		return "channel", "required"
	}
	return checkLen("channel", ch, 1, MaxChannelBytes)
}

func checkLen(field, s string, lo, hi int) (string, string) {
	if len(s) < lo || len(s) > hi {
		return field, fmt.Sprintf("length %d outside [%d, %d]", len(s), lo, hi)
	}
	return "", ""
}

// checkLimits reports the first negative limit, as "limits.<name>".
func checkLimits(l Limits) problem {
	return firstOf(
		check("limits.max_frame", l.MaxFrame >= 0, "must not be negative"),
		check("limits.history", l.History >= 0, "must not be negative"),
		check("limits.window", l.Window >= 0, "must not be negative"),
		check("limits.deliver_window", l.DeliverWindow >= 0, "must not be negative"),
		check("limits.max_channels", l.MaxChannels >= 0, "must not be negative"),
		check("limits.dedupe_ttl_ms", l.DedupeTTLMS >= 0, "must not be negative"),
		check("limits.session_window", l.SessionWindow >= 0, "must not be negative"),
	)
}

func firstOf(ps ...problem) problem {
	field, why := firstProblem(ps...)
	return problem{field, why}
}

// validProducer accepts "" (no producer) or 32 to 128 hex digits: at least
// the 128 random bits the contract asks for.
func validProducer(p string) bool {
	if p == "" {
		return true
	}
	if len(p) < 32 || len(p) > 128 {
		return false
	}
	for i := range len(p) {
		c := p[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
