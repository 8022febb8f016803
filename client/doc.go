// Package client is a WebSocket client that reconnects by itself: backoff
// with jitter, retry limits, heartbeats that catch half-open connections, and
// a bounded outbound queue that hands back whatever it could not deliver.
//
// # Entry points
//
//   - [Dial] connects and returns once connected; [New] returns at once and
//     connects in the background. Both take a [Config] whose zero value works.
//   - [Client.Send] queues a message; it is written in order on the current
//     or next connection. [QueueConfig] bounds the queue and picks the
//     overflow policy (block, error, drop oldest).
//   - [Client.State], [Client.WaitForStateChange] and [Client.WaitFor] expose
//     the state machine: connecting, connected, reconnecting, failed, closed.
//   - [Config.OnEvent] receives an ordered [Event] per state change, saying
//     why (error, close code, HTTP status, attempt number, delay chosen).
//   - [Config.OnMessage] receives inbound data frames in order.
//   - [Client.Stats] is a snapshot of counters; [Client.Err] the terminal error
//     ([*LimitError] or [*FatalError], both errors.As-able).
//   - [Client.Close] stops everything; [Client.Undelivered] and the final
//     event hand back every queued message never written.
//   - [Backoff] computes delays (a pure value; see its table), [DefaultClassify]
//     says which failures are fatal, [Config.Classify] overrides it.
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
// handshake, Config.Resubscribe's messages are written, then the state
// becomes Connected, then the queue flushes in order.
//
// Recovery bound: from the moment the server is reachable again, a client
// with the default Config is connected within HandshakeTimeout + the largest
// backoff delay + HandshakeTimeout = 5s + 12.5s + 5s = 22.5s (see
// [Config.WorstCaseRecovery]). A silent (half-open) connection is declared
// dead PongTimeout (default 20s) after the last inbound frame, and then
// recovers within the same bound.
//
// # Delivery
//
// Generic mode is at-most-once across a drop for frames already written to
// the socket: the kernel may have accepted a frame the server never read. A
// frame whose write fails goes back to the head of the queue and is written
// again on the next connection. Nothing accepted by Send is dropped silently:
// OverflowDropOldest reports each discard to OnDrop, and on Failed or Closed
// the rest comes back through Undelivered.
//
// # Concurrency contract
//
// All Client methods are safe for concurrent use. Per live connection there
// is exactly one reader goroutine and one writer goroutine (gorilla's rule:
// one concurrent reader, one concurrent writer); pings go out from the writer,
// pongs from the reader's ping handler through WriteControl.
//
//   - OnMessage runs on the reader goroutine: while it blocks, nothing is read,
//     and a handler slower than PongTimeout gets the connection declared dead.
//   - OnEvent runs on one dispatch goroutine, in order. A slow handler delays
//     later events only (they queue without bound), never the connection.
//     Close waits for it to deliver the final event.
//   - OnDrop runs on the goroutine that called Send.
//   - Resubscribe and Classify run on the supervisor goroutine: blocking there
//     stalls reconnection.
//
// Close ends every goroutine the client started (supervisor, reader, writer,
// dispatcher) before returning nil.
package client
