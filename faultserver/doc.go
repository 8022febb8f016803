// Package faultserver is a WebSocket server that speaks the wschaos session
// protocol (package protocol) and injects faults on command, so a
// reconnecting client can be shown to survive them.
//
// Entry points:
//   - [New] validates a [Config]; [Server.Start] binds the listeners and
//     serves; [Server.Close] stops every goroutine it started.
//   - [Server.SessionURL] is the session endpoint (/ws); [Server.EchoURL] is a
//     plain echo endpoint (/echo) for generic-mode clients.
//   - Faults, each in its own file: [Server.DropConnections],
//     [Server.CloseConnections], [Server.RejectHandshakes],
//     [Server.DelayHandshakes], [Server.Stall], [Server.ForgetSessions],
//     [Server.Restart], [Server.SetLossy]; [Server.ClearFaults] lifts them all.
//   - [Server.Events] and [Server.WaitEvent] read the timestamped event log;
//     [Server.Stats] and [Server.Sessions] report counters and session state.
//   - The same controls are served as JSON on the admin listener
//     ([Server.AdminURL]); see admin.go for the routes.
//
// Session semantics (what a client may rely on):
//   - hello creates a session (id: 128 random bits, token: 256 random bits).
//     It outlives its connection for Config.SessionTTL; resume with the right
//     token binds it to the new connection (a connection still holding it is
//     dropped). Unknown, expired or wrong-token resumes get resume_failed.
//   - publish is deduplicated by sequence number: seq == acked+1 is accepted
//     and acked; seq <= acked is acked again and dropped; a gap (seq >
//     acked+1) gets an error and a re-ack of the current position.
//   - Each accepted publish gets the channel's next serial and is fanned out
//     to every session attached to the channel, the publisher's own session
//     included when it is attached. The ack is queued before the fan-out.
//   - attach{after: N} replays retained serials > N, then live messages.
//     after = 0 means "from now on" for a session new to the channel; for a
//     session already attached (a resumed one) it means "from my last
//     deliver_ack". If history no longer reaches N+1, attached carries
//     continuity_lost = true. attached.serial is the channel head and
//     attached.oldest the first retained serial (head+1 when none is).
//   - deliver_ack records per session and channel what the client has
//     delivered. After resume the server redelivers, per attached channel,
//     everything after the last deliver_ack when history still reaches it
//     (otherwise nothing; the client's re-attach reports continuity_lost).
//     A client that also re-attaches may therefore see serials twice and must
//     skip those it already delivered, as the protocol requires anyway.
//   - Lossy mode's skip_every leaves a serial gap on the live stream; the
//     message stays in history, so a client that re-attaches on gaps heals
//     it. drop_every is the true loss: acked, never stored.
//   - Every handler logs its event before queuing its reply, so a client
//     that has seen a reply finds the event in the log.
//   - A connection whose send queue overflows (Config.SendQueue frames) is
//     dropped as a slow consumer; its session redelivers on resume.
//
// Concurrency: every exported method is safe for concurrent use.
package faultserver
