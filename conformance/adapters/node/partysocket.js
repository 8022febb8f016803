// Conformance adapter for partysocket 1.3.0 (its ReconnectingWebSocket) on ws 8.
'use strict';
const WS = require('ws');
const PS = require('partysocket/ws');
const { run } = require('./lib');

run({
  name: 'partysocket',
  capabilities: { queue: true, retry_limit: true, heartbeat: false, backoff: true, exact_policy: false,
    // send writes to the socket when OPEN, else queues; nothing is acked or
    // resent, so a frame written into a dying socket is lost: at-most-once.
    delivery: 'at-most-once' },
  connect(url, o, ev) {
    const b = o.backoff || {};
    const Ctor = PS.default || PS.ReconnectingWebSocket || PS;
    const ps = new Ctor(url, [], {
      WebSocket: WS,
      minReconnectionDelay: b.initial_ms,
      maxReconnectionDelay: b.max_ms,
      reconnectionDelayGrowFactor: b.factor,
      maxRetries: o.max_retries || Infinity,
      minUptime: 1000,
      connectionTimeout: o.handshake_timeout_ms || 4000,
    });
    ps.addEventListener('open', () => ev.open());
    ps.addEventListener('close', (e) => ev.closed(e.code));
    ps.addEventListener('error', () => {});
    ps.addEventListener('message', (e) => ev.message(e.data));
    return (id, data) => { ps.send(data); ev.sent(id); };
  },
});
