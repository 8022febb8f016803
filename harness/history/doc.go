// Package history holds what a chaos run observed and the checkers that
// judge it: [Record] and the concurrent [Recorder], [CheckMessages]
// (Jepsen total-queue semantics, duplicates are failures; a message is lost
// only if the system took it on and it vanished silently, while what a
// client that failed or closed was still owed is abandoned, see
// [MessageCounts]) and [CheckTiming] (recovery, uptime, backoff), with the
// one backoff-violation rule [BackoffObservation.Judge].
//
// The checkers work on any []Record, so hand-made histories test them, and
// specs that drive raw clients record through [Recorder.Instrument] the way
// the harness's engine records its load. The package sits below the engine
// (github.com/wschaos/wschaos/harness, which re-exports these names as
// aliases) and imports only client, harness/fault and harness/stats.
//
// Recorder is safe for concurrent use.
package history
