// Conformance adapter for sockette 2.0.6 on ws 8. sockette takes no
// WebSocket constructor option, so ws is installed as the global one.
'use strict';
global.WebSocket = require('ws');
const Sockette = require('sockette');
const { run } = require('./lib');

run({
  name: 'sockette',
  // A fixed reconnect delay (timeout), maxAttempts, no queue, no heartbeat.
  capabilities: { queue: false, retry_limit: true, heartbeat: false, backoff: false, exact_policy: false,
    // send is ws.send(x) with no queue and no resend: at-most-once.
    delivery: 'at-most-once' },
  connect(url, o, ev) {
    const b = o.backoff || {};
    const s = new Sockette(url, {
      timeout: b.initial_ms,
      maxAttempts: o.max_retries || Infinity,
      onopen: () => ev.open(),
      onclose: (e) => ev.closed(e.code),
      onmessage: (e) => ev.message(e.data),
      onmaximum: () => ev.failed('max attempts'),
      onerror: () => {},
    });
    // sockette's send calls ws.send(x) with no callback: a throw (CONNECTING)
    // is a refusal; anything else is all the app can know.
    return (id, data) => { s.send(data); ev.sent(id); };
  },
});
