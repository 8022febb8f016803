package explore

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/wschaos/wschaos/harness"
	"github.com/wschaos/wschaos/internal/scenario"
)

// Plan is one generated outage in scenario-file space: what a scenario file
// says, typed. [Plan.YAML] writes it as a file that `wschaos run FILE`
// replays, and [FromScenario] reads a parsed file back, so a reproducer is
// exactly the plan that failed. Client and Load are the scenario parser's
// own types; zero fields mean the documented defaults.
type Plan struct {
	Name        string
	Description string
	Seed        uint64
	Client      scenario.Client
	Load        scenario.Load
	Timeline    []Step
	// SLOs are the invariants as SLO expressions (see [InvariantSLOs]).
	SLOs []string
}

// Step is one fault on a plan's timeline. Attributes hold the registry's
// types: time.Duration, int64, float64 or string.
type Step struct {
	At       time.Duration
	Duration time.Duration
	Fault    string
	// Attributes are the fault's parameters; nil for none.
	Attributes map[string]any
}

// End is when the step's fault is undone.
func (s Step) End() time.Duration { return s.At + s.Duration }

// Clone returns a deep copy of p, safe to change.
func (p Plan) Clone() Plan {
	q := p
	q.Timeline = make([]Step, len(p.Timeline))
	for i, st := range p.Timeline {
		q.Timeline[i] = st
		if st.Attributes != nil {
			q.Timeline[i].Attributes = make(map[string]any, len(st.Attributes))
			for k, v := range st.Attributes {
				q.Timeline[i].Attributes[k] = v
			}
		}
	}
	q.SLOs = slices.Clone(p.SLOs)
	return q
}

// Summary is a one-line description of the plan for progress lines.
func (p Plan) Summary() string {
	kinds := make([]string, 0, len(p.Timeline))
	for _, st := range p.Timeline {
		kinds = append(kinds, st.Fault)
	}
	return fmt.Sprintf("%s, %d clients x %d channels, up %g down %g msg/s, %dB, faults [%s]",
		p.Load.Duration, p.Load.Clients, p.Load.Channels, p.Load.Up, p.Load.Down, p.Load.MessageSize, strings.Join(kinds, " "))
}

// The file* types are the YAML shape docs/SCENARIO.md documents; only what a
// generated plan sets is written.
type fileScenario struct {
	Name        string      `yaml:"name"`
	Description string      `yaml:"description,omitempty"`
	Seed        uint64      `yaml:"seed"`
	Client      *fileClient `yaml:"client,omitempty"`
	Load        fileLoad    `yaml:"load"`
	Timeline    []fileStep  `yaml:"timeline,omitempty"`
	SLOs        []string    `yaml:"slos"`
	Short       *fileShort  `yaml:"short,omitempty"`
}

type fileClient struct {
	HandshakeTimeout string         `yaml:"handshake_timeout,omitempty"`
	MinUptime        string         `yaml:"min_uptime,omitempty"`
	Backoff          *fileBackoff   `yaml:"backoff,omitempty"`
	Limits           *fileLimits    `yaml:"limits,omitempty"`
	Heartbeat        *fileHeartbeat `yaml:"heartbeat,omitempty"`
	Queue            *fileQueue     `yaml:"queue,omitempty"`
}

type fileBackoff struct {
	Base       string  `yaml:"base,omitempty"`
	Cap        string  `yaml:"cap,omitempty"`
	Multiplier float64 `yaml:"multiplier,omitempty"`
	Jitter     string  `yaml:"jitter,omitempty"`
	Fraction   float64 `yaml:"fraction,omitempty"`
}

type fileLimits struct {
	MaxAttempts int    `yaml:"max_attempts,omitempty"`
	MaxElapsed  string `yaml:"max_elapsed,omitempty"`
}

type fileHeartbeat struct {
	Interval string `yaml:"interval,omitempty"`
	Timeout  string `yaml:"timeout,omitempty"`
	Disabled bool   `yaml:"disabled,omitempty"`
}

type fileQueue struct {
	MaxMessages int    `yaml:"max_messages,omitempty"`
	MaxBytes    int    `yaml:"max_bytes,omitempty"`
	Overflow    string `yaml:"overflow,omitempty"`
}

type fileLoad struct {
	Clients     int         `yaml:"clients"`
	Channels    int         `yaml:"channels"`
	Publish     filePublish `yaml:"publish"`
	MessageSize int         `yaml:"message_size"`
	Duration    string      `yaml:"duration"`
}

type filePublish struct {
	Up   float64 `yaml:"up"`
	Down float64 `yaml:"down"`
}

type fileStep struct {
	At         string         `yaml:"at"`
	Fault      string         `yaml:"fault"`
	Duration   string         `yaml:"duration,omitempty"`
	Attributes map[string]any `yaml:"attributes,omitempty"`
}

type fileShort struct {
	TimeScale float64 `yaml:"time_scale"`
	Clients   int     `yaml:"clients"`
}

func durText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// YAML renders p as a scenario file (docs/SCENARIO.md).
func (p Plan) YAML() ([]byte, error) {
	f := fileScenario{Name: p.Name, Description: p.Description, Seed: p.Seed, SLOs: p.SLOs,
		Load: fileLoad{Clients: p.Load.Clients, Channels: p.Load.Channels, MessageSize: p.Load.MessageSize,
			Publish: filePublish{Up: p.Load.Up, Down: p.Load.Down}, Duration: p.Load.Duration.String()},
		// --short keeps the plan as it is: a reproducer is already minimal.
		Short: &fileShort{TimeScale: 1, Clients: p.Load.Clients},
	}
	f.Client = fileClientOf(p.Client)
	for _, st := range p.Timeline {
		fs := fileStep{At: st.At.String(), Fault: st.Fault, Duration: durText(st.Duration)}
		if len(st.Attributes) > 0 {
			fs.Attributes = map[string]any{}
			for k, v := range st.Attributes {
				if d, ok := v.(time.Duration); ok {
					v = d.String()
				}
				fs.Attributes[k] = v
			}
		}
		f.Timeline = append(f.Timeline, fs)
	}
	out, err := yaml.MarshalWithOptions(f, yaml.Indent(2), yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("explore: failed to render plan %s: %w", p.Name, err)
	}
	return out, nil
}

func fileClientOf(c scenario.Client) *fileClient {
	if c == (scenario.Client{}) {
		return nil
	}
	fc := &fileClient{HandshakeTimeout: durText(c.HandshakeTimeout), MinUptime: durText(c.MinUptime)}
	if b := c.Backoff; b != (scenario.Backoff{}) {
		fc.Backoff = &fileBackoff{Base: durText(b.Base), Cap: durText(b.Cap), Multiplier: b.Multiplier, Fraction: b.Fraction}
		if b.Jitter != 0 {
			fc.Backoff.Jitter = b.Jitter.String()
		}
	}
	if c.MaxAttempts != 0 || c.MaxElapsed != 0 {
		fc.Limits = &fileLimits{MaxAttempts: c.MaxAttempts, MaxElapsed: durText(c.MaxElapsed)}
	}
	if c.PingInterval != 0 || c.PongTimeout != 0 || c.HeartbeatDisabled {
		fc.Heartbeat = &fileHeartbeat{Interval: durText(c.PingInterval), Timeout: durText(c.PongTimeout), Disabled: c.HeartbeatDisabled}
	}
	if c.QueueMessages != 0 || c.QueueBytes != 0 || c.Overflow != 0 {
		fc.Queue = &fileQueue{MaxMessages: c.QueueMessages, MaxBytes: c.QueueBytes}
		if c.Overflow != 0 {
			fc.Queue.Overflow = c.Overflow.String()
		}
	}
	return fc
}

// Scenario renders p and parses it back with the scenario parser, the path
// `wschaos run FILE` takes; file names it in errors.
func (p Plan) Scenario(file string) (*scenario.Scenario, error) {
	data, err := p.YAML()
	if err != nil {
		return nil, err
	}
	s, err := scenario.Parse(file, data)
	if err != nil {
		return nil, fmt.Errorf("explore: plan %s does not parse: %w", p.Name, err)
	}
	return s, nil
}

// HarnessPlan is the harness plan `wschaos run FILE` would run for p.
func (p Plan) HarnessPlan() (harness.Plan, error) {
	s, err := p.Scenario(p.Name + ".yaml")
	if err != nil {
		return harness.Plan{}, err
	}
	return s.Plan(p.Seed)
}

// FromScenario reads a parsed scenario back into a Plan (the inverse of
// [Plan.Scenario] for the fields a plan holds).
func FromScenario(s *scenario.Scenario) Plan {
	p := Plan{Name: s.Name, Description: s.Description, Seed: s.Seed, Client: s.Client, Load: s.Load}
	for _, st := range s.Timeline {
		ps := Step{At: st.At, Duration: st.Duration, Fault: st.Fault}
		if len(st.Attributes) > 0 {
			ps.Attributes = make(map[string]any, len(st.Attributes))
			for k, v := range st.Attributes {
				ps.Attributes[k] = v
			}
		}
		p.Timeline = append(p.Timeline, ps)
	}
	for _, e := range s.SLOs {
		p.SLOs = append(p.SLOs, e.Expr.String())
	}
	return p
}

// roundRate keeps generated rates to one decimal so the file is readable.
func roundRate(r float64) float64 { return math.Round(r*10) / 10 }
