package harness

import (
	"time"

	"github.com/wschaos/wschaos/harness/history"
)

// The records and checkers live in package
// [github.com/wschaos/wschaos/harness/history], which specs driving raw
// clients use without the engine. The names below are aliases and thin
// wrappers kept so the harness's public names stay valid; new code can use
// package history directly.

// Record is [history.Record].
type Record = history.Record

// Recorder is [history.Recorder].
type Recorder = history.Recorder

// RecordKind is [history.RecordKind].
type RecordKind = history.RecordKind

// Direction is [history.Direction].
type Direction = history.Direction

// Directions: [history.Up], [history.Down].
const (
	Up   = history.Up
	Down = history.Down
)

// Record kinds: the [history] constants of the same names.
const (
	RecSend           = history.RecSend
	RecSendFailed     = history.RecSendFailed
	RecAck            = history.RecAck
	RecDeliver        = history.RecDeliver
	RecHandedBack     = history.RecHandedBack
	RecState          = history.RecState
	RecAttach         = history.RecAttach
	RecContinuityLost = history.RecContinuityLost
	RecResumed        = history.RecResumed
	RecResync         = history.RecResync
	RecDial           = history.RecDial
)

// Checker types: aliases of the [history] types of the same names.
type (
	MessageCounts      = history.MessageCounts
	QueueKey           = history.QueueKey
	QueueReport        = history.QueueReport
	MessageReport      = history.MessageReport
	ChannelCounts      = history.ChannelCounts
	TimingInput        = history.TimingInput
	StateSpan          = history.StateSpan
	RecoverySample     = history.RecoverySample
	BackoffObservation = history.BackoffObservation
	BackoffJudgement   = history.BackoffJudgement
	ClientTiming       = history.ClientTiming
	TimingReport       = history.TimingReport
)

// NewRecorder is [history.NewRecorder].
func NewRecorder() *Recorder { return history.NewRecorder() }

// CheckMessages is [history.CheckMessages].
func CheckMessages(recs []Record, end time.Time) MessageReport {
	return history.CheckMessages(recs, end)
}

// CheckTiming is [history.CheckTiming].
func CheckTiming(in TimingInput, recs []Record) TimingReport { return history.CheckTiming(in, recs) }

// BackoffObservations is [history.BackoffObservations].
func BackoffObservations(idx int, rs []Record) []BackoffObservation {
	return history.BackoffObservations(idx, rs)
}

// Count is [history.Count].
func Count(rs []Record, kind RecordKind, idx int) int { return history.Count(rs, kind, idx) }
