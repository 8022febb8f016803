// Package client is a WebSocket client that reconnects by itself: backoff
// with jitter, retry limits, heartbeats that catch half-open connections, and
// a bounded outbound queue that hands back whatever it could not deliver. On
// top of it, an optional session layer (acks, resume, channels) makes
// delivery lossless against a server speaking the wschaos protocol.
//
// # Transport entry points
//
//   - [Dial] connects and returns once connected; [New] returns at once and
//     connects in the background. Both take a [Config] whose zero value works.
//   - [Client.Send] queues a message; it is written in order on the current
//     or next connection. [QueueConfig] bounds the queue and picks the
//     overflow policy (block, error, drop oldest).
//   - [Client.State], [Client.WaitForStateChange] and [Client.WaitFor] expose
//     the state machine: connecting, connected, reconnecting, failed, closed.
//   - [Config.OnEvent] receives an ordered [Event] per state change, saying
//     why (error, close code, HTTP status, attempt number, delay chosen; on
//     Connected, the subprotocol the server picked).
//   - [Config.OnMessage] receives inbound data frames in order.
//   - [Client.Stats] is a snapshot of counters; [Client.Err] the terminal error
//     ([*LimitError] or [*FatalError], both errors.As-able).
//   - [Client.Close] stops everything; [Client.Undelivered] and the final
//     event hand back every queued message never written.
//   - [Backoff] computes delays (a pure value; see its table); [Config.Rand]
//     is the source of its jitter, so a reconnect schedule can be replayed.
//     [DefaultClassify] says which failures are fatal, [Config.Classify]
//     overrides it.
//
// # Session entry points
//
//   - [DialSession] / [NewSession] start a [Session] on a Client they own
//     ([SessionConfig.Client] configures it; OnMessage and Resubscribe must be
//     nil, the session owns every frame). [Session.Client] exposes its state.
//   - [Session.Attach] subscribes to a channel and returns a [Subscription];
//     [Subscription.Next] returns its messages ([Delivery], with a serial).
//   - [Session.Publish] numbers a message and returns a [Publication];
//     [Publication.Wait] waits for the server's ack ([Session.PublishAndWait]
//     does both). [SessionConfig.Window] bounds the unacked publications in
//     count, [SessionConfig.WindowBytes] in payload bytes. Publish refuses
//     with [ErrPayloadTooLarge], before it enters the window, a payload that
//     could never be delivered: over WindowBytes, a message frame over the
//     client's own ReadLimit (exact envelope size), or a publish frame over
//     the server's announced read limit.
//   - Session events share the OnEvent stream: [EventSessionStarted],
//     [EventResumed], [EventResynced], [EventAttached], [EventContinuityLost]
//     (Err is a [*ContinuityLostError] with the lost serials),
//     [EventDetached], [EventProtocolError], [EventSessionEnded].
//   - [Session.Close]; then [Session.Unacked] lists every publication never
//     acked, in publish order, each failed with the reason.
//
// # Life cycle
//
// One supervisor goroutine owns the state: it dials (bounded by
// HandshakeTimeout), runs the connection, and on any failure (failed
// handshake, read or write error, close frame, missed heartbeat) classifies
// it, checks MaxAttempts and MaxElapsed, and waits out a backoff delay in
// StateReconnecting. A connection counts as healthy only after MinUptime;
// until then its loss counts as a failed attempt, so a server that accepts
// and closes at once meets growing delays, not a hot loop. After each
// handshake the open hook runs (the session's hello or resume, and its
// attaches), then Config.Resubscribe's messages are written, then the state
// becomes Connected, then the queue flushes in order. Close at any point,
// the open hook included, sends a normal close frame on a live connection.
//
// Fatal by default: HTTP 3xx and most 4xx answers, protocol-mismatch close
// codes, and a server certificate that fails verification (unknown authority,
// wrong host name, expired): configuration errors no retry can fix. Other TLS
// failures, timeouts and 5xx are retried. An inbound message larger than
// ReadLimit ends the connection (the client sends close 1009; the error wraps
// websocket.ErrReadLimit) and is retried.
//
// Recovery bound: from the moment the server is reachable again, a client
// with the default Config is connected within HandshakeTimeout + the largest
// backoff delay + HandshakeTimeout = 5s + 12.5s + 5s = 22.5s (see
// [Config.WorstCaseRecovery]). A Session is open again (resumed or resynced,
// every subscription re-attached) within 2*(HandshakeTimeout +
// 3*ReplyTimeout) + the largest backoff delay = 82.5s with the defaults
// ([SessionConfig.WorstCaseRecovery]); a gap that arrives while a connection
// opens is repaired after the opening, on the same connection, and never
// abandons it. A silent (half-open) connection is declared
// dead PongTimeout (default 20s) after the last inbound frame, and then
// recovers within the same bound.
//
// # Delivery guarantees
//
// Transport (generic mode) is at-most-once across a drop for frames already
// written to the socket: the kernel may have accepted a frame the server
// never read. A frame whose write fails goes back to the head of the queue
// and is written first on the next connection, ahead of everything queued
// behind it; if the failing write had in fact reached the server, the server
// sees it twice. Nothing accepted by Send is dropped silently:
// OverflowDropOldest reports each discard to OnDrop, and on Failed or Closed
// the rest comes back through Undelivered.
//
// Session:
//   - Inbound: each channel's messages are delivered by Next exactly once and
//     in serial order across reconnects and resumes (each new connection
//     re-attaches asking for everything after the last serial received).
//     What the server can no longer replay, or a gap it never fills, raises
//     EventContinuityLost with the range: loss is never silent.
//   - Outbound: a publication stays in the unacked window until the server's
//     cumulative ack and is resent after every reconnect; within one server
//     session the server drops duplicates by sequence number (exactly once).
//     If a resume fails (the server forgot the session), a new session
//     starts (EventResynced) and the window is republished under new
//     session numbers but the same producer sequence (protocol v2: a
//     producer id stable for the Session's life, Publish.PSeq =
//     Publication.ID): a v2 server that remembers the producer (its
//     dedupe_ttl_ms horizon) fans each out once, so exactly once across a
//     resync; against a v1 server, at-least-once. A publication the server
//     refuses (v2 rejected) fails with a [*RejectedError] and is never
//     resent; a message too large for this client's ReadLimit (v2 skipped)
//     is not delivered, and raises EventContinuityLost (counted in
//     SessionStats.Unreadable). On Failed or Closed, Unacked hands back
//     what was never acked.
//   - Session loss on a live connection: when the server answers
//     error{no_session} (it forgot the session but the TCP connection stayed
//     up), the session resyncs on that same connection at once (hello,
//     re-attach, republish; EventResynced). Every error frame the server
//     sends is counted (SessionStats.ServerErrors) and raised as
//     EventProtocolError with a [*ServerError] (no_session matches
//     [ErrSessionLost]); none is dropped. A no_session during an opening
//     restarts it at once with a new session (SessionStats.OpeningLosses).
//   - Versions: the session speaks protocol v3 and falls back to v2 or v1
//     when the server refuses it (Session.WireVersion, docs/PROTOCOL.md); a
//     server speaking none fails the opening with [ErrUnsupportedVersion]. A
//     channel the server freed and recreated (v3: a new epoch) raises
//     EventContinuityLost with a [*ChannelResetError] and is delivered from
//     the new incarnation's oldest serial.
//
// # Concurrency contract
//
// All methods of Client, Session, Subscription and Publication are safe for
// concurrent use (one goroutine calling Next per Subscription is the intended
// pattern; to consume many subscriptions on a few goroutines, use
// Subscription.Notify and TryNext). Per live connection there is exactly one reader goroutine and one
// writer goroutine (gorilla's rule: one concurrent reader, one concurrent
// writer); pings go out from the writer, pongs from the reader's ping handler
// through WriteControl.
//
//   - OnMessage runs on the reader goroutine: while it blocks, nothing is read,
//     and a handler slower than PongTimeout gets the connection declared dead.
//     A Session reads on the same goroutine but never waits for the
//     application: channel messages go to each Subscription's buffer, acks
//     complete Publications there. The buffer is bounded by credit with a v2
//     server: it sends at most Limits.DeliverWindow messages of a channel
//     beyond the client's last deliver_ack, and the client deliver_acks
//     every 64 messages Next returns or when the buffer drains. Against a
//     server without credit (v1) or one ignoring it, the buffer is bounded by
//     SessionConfig.SubscriptionBuffer and SubscriptionBytes: what overflows
//     is dropped, counted and raised (EventSubscriptionOverflow), then
//     replayed by a re-attach once the consumer has caught up.
//   - Writes go through the connection's writer: the queue's messages (the
//     internal "written" callback runs there, after a successful write), the
//     open hook's and Resubscribe's frames, and a Session's publications and
//     delivery acks, which its own pump goroutine hands to the writer
//     directly rather than through the queue.
//   - OnEvent runs on one dispatch goroutine at a time, in order (the
//     goroutine exists only while events are pending). A slow handler delays
//     later events only, never the connection: up to Config.EventQueue
//     (default 4096) wait; past that new events are dropped, counted
//     (Stats.EventsDropped) and replaced by one [EventOverflow] saying how
//     many. The final events (Failed/Closed, EventSessionEnded) always arrive.
//     Close waits for it to deliver the final event, so a handler must not
//     call Close with a context that never ends: it would wait for itself.
//   - OnDrop runs on the goroutine that called Send.
//   - Resubscribe and Classify run on the supervisor goroutine: blocking there
//     stalls reconnection.
//
// Close ends every goroutine the client (and session) started: supervisor,
// reader, writer, dispatcher, pump; it returns nil once they have.
package client
