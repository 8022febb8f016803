package report

import (
	"time"
)

func ptr(f float64) *float64 { return &f }

func iptr(n int) *int { return &n }

// sample is a deterministic report shaped like a real run: two faults, three
// clients (one failed), recoveries and backoff observations, one failed SLO.
func sample() *Report {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &Report{
		Tool:     Tool{Name: "wschaos", Version: "test"},
		Scenario: ScenarioInfo{Name: "sample", Description: "a <sample> & test", Source: "builtin:sample", Seed: 7, PlannedMS: 20000, Clients: 3, Channels: 2},
		Stack:    StackInfo{Mode: "embedded", Target: "ws://127.0.0.1:40000/session", Toxiproxy: "http://127.0.0.1:40001", Proxy: "p"},
		Start:    start,
		End:      start.Add(20*time.Second + 150*time.Millisecond),
		SLOs: []SLOResult{
			{Name: "recovery_p99 < 30s", Metric: "recovery_p99", Op: "<", Threshold: "30s", ThresholdValue: 30, Unit: "seconds", Observed: ptr(1.5), ObservedText: "1.5s", Pass: true},
			{Name: "lost == 0", Metric: "lost", Op: "==", Threshold: "0", ThresholdValue: 0, Unit: "count", Observed: ptr(2), ObservedText: "2", Pass: false},
			{Name: "uptime >= 99%", Metric: "uptime", Op: ">=", Threshold: "99%", ThresholdValue: 0.99, Unit: "ratio", Observed: nil, ObservedText: "not measured", Pass: false},
		},
		Metrics: map[string]float64{"lost": 2, "recovery_p99": 1.5},
		Messages: Messages{
			Up:   DirectionCounts{Sent: 100, Acked: iptr(98), Delivered: 98, Lost: 2, HandedBack: 0},
			Down: DirectionCounts{Sent: 200, Acked: iptr(196), Delivered: 190, HandedBack: 4, Abandoned: 6},
		},
		Recovery: Recovery{Count: 3, Unrecovered: 1, P50MS: 800, P90MS: 1400, P99MS: 1500, MaxMS: 1500, MeanMS: 1000,
			Samples: []RecoverySample{
				{Client: 0, Step: 1, Fault: "restart", FaultEndMS: 10000, ConnectedMS: 700, ReattachedMS: 800},
				{Client: 1, Step: 1, Fault: "restart", FaultEndMS: 10000, ConnectedMS: 600, ReattachedMS: 700},
				{Client: 2, Step: 0, Fault: "latency", FaultEndMS: 6000, ConnectedMS: 1400, ReattachedMS: 1500},
			}},
		Uptime: Uptime{IncludingOutages: 0.8, ExcludingOutages: 0.95},
		Clients: []Client{
			{ID: 0, Attempts: 3, Reconnects: 1, Disconnects: 1, FinalState: "connected", Uptime: 0.85, States: []Span{
				{"connecting", 0, 50}, {"connected", 50, 8000}, {"reconnecting", 8000, 10700}, {"connected", 10700, 20150}}},
			{ID: 1, Attempts: 2, Reconnects: 1, Disconnects: 1, FinalState: "connected", Uptime: 0.9, States: []Span{
				{"connecting", 0, 40}, {"connected", 40, 8000}, {"reconnecting", 8000, 10600}, {"connected", 10600, 20150}}},
			{ID: 2, Attempts: 7, Reconnects: 0, Disconnects: 1, FinalState: "failed", Uptime: 0.4, States: []Span{
				{"connecting", 0, 60}, {"connected", 60, 8000}, {"reconnecting", 8000, 12000}, {"failed", 12000, 20150}}},
		},
		Faults: []Fault{
			{Step: 0, Kind: "latency", Description: "latency 200ms±50ms", Network: true, StartMS: 3000, EndMS: 6000},
			{Step: 1, Kind: "restart", Description: "restart", StartMS: 8000, EndMS: 10000},
			{Step: 2, Kind: "drop", Description: "drop", StartMS: 15000, EndMS: 15000, Error: "boom"},
		},
		Backoff: Backoff{
			Configured: BackoffConfig{BaseMS: 100, CapMS: 2000, Multiplier: 2, Jitter: "proportional", Fraction: 0.25},
			Observations: []BackoffObservation{
				{Client: 0, AtMS: 8000, Attempt: 1, ScheduledMS: 110, ObservedMS: ptr(112), MinMS: 75, MaxMS: 125, InRange: true},
				{Client: 0, AtMS: 8200, Attempt: 2, ScheduledMS: 210, ObservedMS: ptr(215), MinMS: 150, MaxMS: 250, InRange: true},
				{Client: 2, AtMS: 8300, Attempt: 3, ScheduledMS: 900, ObservedMS: ptr(1900), MinMS: 300, MaxMS: 500, InRange: false},
				{Client: 2, AtMS: 11000, Attempt: 4, ScheduledMS: 700, ObservedMS: nil, MinMS: 600, MaxMS: 1000, InRange: true},
				{Client: 1, AtMS: 8100, Attempt: 1, ScheduledMS: 3000, ObservedMS: ptr(3005), MinMS: 75, MaxMS: 3000, RetryAfter: true, InRange: true},
			},
			Violations: 1,
		},
		Errors: []string{"step 2 drop: boom"},
	}
	r.Finish()
	return r
}
