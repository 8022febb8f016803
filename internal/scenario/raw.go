package scenario

// The raw* types mirror the file format one to one. Durations stay strings
// here so a bad one is reported by validation with its field and place,
// rather than as a decoder error. Pointers tell "absent" from zero.

type rawScenario struct {
	Name        string    `yaml:"name"`
	Description string    `yaml:"description"`
	Seed        *uint64   `yaml:"seed"`
	Stack       rawStack  `yaml:"stack"`
	Client      rawClient `yaml:"client"`
	Load        rawLoad   `yaml:"load"`
	Timeline    []rawStep `yaml:"timeline"`
	SLOs        []string  `yaml:"slos"`
	Short       rawShort  `yaml:"short"`
}

type rawStack struct {
	Mode      string `yaml:"mode"`
	Target    string `yaml:"target"`
	Toxiproxy string `yaml:"toxiproxy"`
	Proxy     string `yaml:"proxy"`
}

type rawClient struct {
	HandshakeTimeout string       `yaml:"handshake_timeout"`
	MinUptime        string       `yaml:"min_uptime"`
	Backoff          rawBackoff   `yaml:"backoff"`
	Limits           rawLimits    `yaml:"limits"`
	Heartbeat        rawHeartbeat `yaml:"heartbeat"`
	Queue            rawQueue     `yaml:"queue"`
}

type rawBackoff struct {
	Base       string   `yaml:"base"`
	Cap        string   `yaml:"cap"`
	Multiplier *float64 `yaml:"multiplier"`
	Jitter     string   `yaml:"jitter"`
	Fraction   *float64 `yaml:"fraction"`
}

type rawLimits struct {
	MaxAttempts *int   `yaml:"max_attempts"`
	MaxElapsed  string `yaml:"max_elapsed"`
}

type rawHeartbeat struct {
	Interval string `yaml:"interval"`
	Timeout  string `yaml:"timeout"`
	Disabled bool   `yaml:"disabled"`
}

type rawQueue struct {
	MaxMessages *int   `yaml:"max_messages"`
	MaxBytes    *int   `yaml:"max_bytes"`
	Overflow    string `yaml:"overflow"`
}

type rawLoad struct {
	Clients     *int       `yaml:"clients"`
	Channels    *int       `yaml:"channels"`
	Publish     rawPublish `yaml:"publish"`
	MessageSize *int       `yaml:"message_size"`
	Duration    string     `yaml:"duration"`
	// ConnectTimeout bounds the connect phase (string: see rawScenario).
	ConnectTimeout string `yaml:"connect_timeout"`
}

type rawPublish struct {
	Up   *float64 `yaml:"up"`
	Down *float64 `yaml:"down"`
}

type rawStep struct {
	At         string         `yaml:"at"`
	Fault      string         `yaml:"fault"`
	Duration   string         `yaml:"duration"`
	Attributes map[string]any `yaml:"attributes"`
}

type rawShort struct {
	TimeScale *float64 `yaml:"time_scale"`
	Clients   *int     `yaml:"clients"`
}
