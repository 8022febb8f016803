// Conformance adapter for reconnecting-websocket 4.4.0 on ws 8.
'use strict';
const WS = require('ws');
const RWS = require('reconnecting-websocket');
const { run } = require('./lib');

run({
  name: 'reconnecting-websocket',
  // Queues sends while closed (maxEnqueuedMessages defaults to Infinity);
  // maxRetries bounds retries; no heartbeat; delays grow without jitter.
  capabilities: { queue: true, retry_limit: true, heartbeat: false, backoff: true, exact_policy: false,
    // send writes to the socket when OPEN, else queues; nothing is acked or
    // resent, so a frame written into a dying socket is lost: at-most-once.
    delivery: 'at-most-once' },
  connect(url, o, ev) {
    const b = o.backoff || {};
    const rws = new (RWS.default || RWS)(url, [], {
      WebSocket: WS,
      minReconnectionDelay: b.initial_ms,
      maxReconnectionDelay: b.max_ms,
      reconnectionDelayGrowFactor: b.factor,
      maxRetries: o.max_retries || Infinity,
      minUptime: 1000,
      connectionTimeout: o.handshake_timeout_ms || 4000,
    });
    rws.addEventListener('open', () => ev.open());
    rws.addEventListener('close', (e) => ev.closed(e.code));
    rws.addEventListener('error', () => {});
    rws.addEventListener('message', (e) => ev.message(e.data));
    // send returns nothing: the library gives no sign of a failed write.
    return (id, data) => { rws.send(data); ev.sent(id); };
  },
});
