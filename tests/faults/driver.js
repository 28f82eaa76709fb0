'use strict';
// Fault-matrix driver for Node (protocol: tests/faults/driver.c). Requires the
// package from the repository root; calls run on the core's async engine on
// Node's own loop. Commands are handled strictly one after another.
const path = require('node:path');
const readline = require('node:readline');

const light = require(path.resolve(__dirname, '..', '..', 'node'));

function reply(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function errorReply(e) {
  return {
    ok: false,
    kind: e && e.constructor ? e.constructor.name : String(e),
    status: e && e.status !== undefined ? e.status : null,
    retries: e && e.retries !== undefined ? e.retries : null,
    message: e && e.message !== undefined ? String(e.message) : String(e),
    light_error: e instanceof light.LightError,
  };
}

function newClient(f) {
  const o = { appToken: f.token, baseURL: f.base_url, retryBase: 0.01, retryMax: 0.05 };
  if (f.connect_timeout_ms !== undefined) o.connectTimeout = Number(f.connect_timeout_ms);
  if (f.max_response_bytes !== undefined) o.maxResponseBytes = Number(f.max_response_bytes);
  if (f.ca_file !== undefined) o.caFile = f.ca_file;
  return new light.Light(o);
}

async function call(client, f) {
  const opts = {};
  if (f.timeout_ms !== undefined) opts.timeout = Number(f.timeout_ms);
  if (f.op === 'get') {
    await client.planGroups.list(undefined, opts);
  } else if (f.op === 'post') {
    await client.accounts.create({ email: f.email || 'node-driver@example.com' }, opts);
  } else {
    return { ok: false, kind: 'DriverError', status: null, retries: null, message: 'op must be get or post' };
  }
  return { ok: true };
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let client = null;
  for await (const line of rl) {
    const parts = line.split('\t');
    const cmd = parts[0];
    const f = {};
    for (const p of parts.slice(1)) {
      const i = p.indexOf('=');
      if (i > 0) f[p.slice(0, i)] = p.slice(i + 1);
    }
    if (cmd === 'quit') break;
    try {
      if (cmd === 'new') {
        if (client) client.close();
        client = null;
        client = newClient(f);
        reply({ ok: true });
      } else if (cmd === 'call') {
        reply(await call(client, f));
      } else if (cmd === 'close') {
        if (client) client.close();
        client = null;
        reply({ ok: true });
      } else {
        reply({ ok: false, kind: 'DriverError', status: null, retries: null, message: `unknown command ${cmd}` });
      }
    } catch (e) {
      reply(errorReply(e));
    }
  }
  if (client) client.close();
  rl.close();
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
