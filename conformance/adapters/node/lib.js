// Shared JSON-lines plumbing for the Node conformance adapters: each adapter
// calls run() with its name, capabilities and a connect function.
'use strict';
const readline = require('node:readline');

function report(r) {
  process.stdout.write(JSON.stringify(r) + '\n');
}

// run({name, capabilities, connect(url, options, ev) -> send(id, data)}).
// ev.open(), ev.closed(code), ev.message(data) report state; send reports
// its own result with ev.sent(id, err).
function run(adapter) {
  const ev = {
    open: () => report({ type: 'state', state: 'open' }),
    closed: (code) => report({ type: 'state', state: 'closed', code: code || 0 }),
    failed: (err) => report({ type: 'state', state: 'failed', error: String(err || '') }),
    message: (data) => report({ type: 'message', data: String(data) }),
    sent: (id, err) => report(err
      ? { type: 'sent', id, result: 'refused', error: String(err.message || err) }
      : { type: 'sent', id, result: 'accepted' }),
  };
  let send = null;
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let c;
    try { c = JSON.parse(line); } catch (e) { return report({ type: 'log', error: String(e) }); }
    switch (c.cmd) {
      case 'hello':
        return report({ type: 'hello', name: adapter.name, capabilities: adapter.capabilities });
      case 'connect':
        send = adapter.connect(c.url, c.options || {}, ev);
        return;
      case 'send':
        if (!send) return ev.sent(c.id, new Error('not connected'));
        try { send(c.id, c.data); } catch (e) { ev.sent(c.id, e); }
        return;
      case 'close':
        process.exit(0);
    }
  });
  rl.on('close', () => process.exit(0));
  process.on('uncaughtException', (e) => { process.stderr.write(String(e.stack || e) + '\n'); });
}

module.exports = { run };
