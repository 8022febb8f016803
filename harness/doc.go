// Package harness is the wschaos chaos engine: a fault server behind a
// Toxiproxy proxy, a fault vocabulary placed on a timeline, client load, a
// recorder of every send, ack, delivery and state change, and checkers that
// turn those records into verdicts.
//
// Entry points:
//   - [Run] executes a [Plan] (stack, client config, load, timeline) and
//     returns a [Result]: message verdicts, recovery samples, uptime, state
//     timelines, backoff observations, the fault log and the fault server's
//     event log. [RunOptions.Progress] reports phases and live figures.
//   - [NewStack] starts the pieces by hand: a [faultserver.Server] (or an
//     external Target) behind a Toxiproxy proxy. [Stack.URL] is what clients
//     dial; [Stack.Apply] injects one [Fault]; [Stack.RunTimeline] plays a
//     [Timeline].
//   - Records and checkers ([Record], [Recorder], [CheckMessages],
//     [CheckTiming], [BackoffObservation.Judge]) live in package
//     harness/history, which raw-client specs use without the engine; the
//     names here are aliases of those, kept for callers.
//   - Package harness/stats holds the KS tests and the backoff oracle.
//
// Seeds: [Plan.Seed] seeds the fault server and each client's backoff
// jitter (a stream per client, through client.Config.Rand), so a rerun with
// the same seed schedules the same reconnect delays; Toxiproxy's own
// randomness cannot be seeded (below).
//
// Toxiproxy modes: by default every Stack runs its own Toxiproxy API server
// in this process (github.com/Shopify/toxiproxy/v2) on an ephemeral loopback
// port, so stacks in parallel specs share nothing. With $TOXIPROXY_URL (or
// StackOptions.ToxiproxyURL) the stack drives a running toxiproxy-server
// through its Go client instead, creating a uniquely named proxy on
// 127.0.0.1:0 per stack (or repointing a named one from toxiproxy.json).
//
// Target mode: with StackOptions.Target the stack fronts a server the
// harness did not start, and [Run] drives its load there: the clients dial
// the proxy ([Stack.SessionURL], [Stack.ThroughProxy] for Host and TLS name),
// the agent dials the target directly ([Stack.DirectSessionURL]), so the
// target must speak the session protocol. Only network faults apply; a plan
// with fault-server actions is refused ([ErrInvalidPlan], [ErrNeedsServer]).
//
// Toxiproxy's sharp edges, handled or documented where they bite: toxicity 0
// means never (a zero Fault.Toxicity is sent as 1.0); reset_peer added to a
// live connection yields EOF, not RST; limit_data counts the handshake bytes;
// removing a timeout toxic closes the connections it held; -seed does not make
// Toxiproxy reproducible (toxics draw from math/rand's global source). The
// embedded mode silences zerolog's global logger in init (the bandwidth toxic
// logs through it) and gives each server a private prometheus registry.
//
// Concurrency: Stack, Recorder (history.Recorder) and FaultLog are safe for concurrent use. Run
// calls the Progress callback from one goroutine at a time.
package harness
