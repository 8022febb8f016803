// Negative control: a plain ws 8 client that never reconnects. It must fail
// every reconnect case.
'use strict';
const WS = require('ws');
const { run } = require('./lib');

run({
  name: 'ws-plain',
  capabilities: { queue: false, retry_limit: false, heartbeat: false, backoff: false, exact_policy: false,
    delivery: 'at-most-once' },
  connect(url, o, ev) {
    const ws = new WS(url, { handshakeTimeout: o.handshake_timeout_ms || undefined });
    ws.on('open', () => ev.open());
    ws.on('close', (code) => ev.closed(code));
    ws.on('error', () => {});
    ws.on('message', (d) => ev.message(d));
    // The write callback tells a refused send from a written one.
    return (id, data) => ws.send(data, (err) => ev.sent(id, err));
  },
});
