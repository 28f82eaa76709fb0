'use strict';
// Conformance runner for Node (protocol: tests/conformance/README.md): one JSON
// command per line on stdin, one JSON outcome per line on stdout, strictly in
// order. Requires the package from the repository root.
const path = require('node:path');
const readline = require('node:readline');

const light = require(path.resolve(__dirname, '..', '..', 'node'));

// Options whose Node unit is milliseconds (the case file gives seconds, the core's unit).
const MS_OPTIONS = new Set(['timeout', 'connect_timeout']);

function camel(s) {
  return s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function decode(v) {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const k = keys[0];
      const x = v[k];
      if (k === '$nan') return NaN;
      if (k === '$inf') return x > 0 ? Infinity : -Infinity;
      if (k === '$hex') return Buffer.from(x, 'hex').toString('utf8');
      if (k === '$int') return Number(x);
      if (k === '$bytes') return Buffer.from(x, 'hex');
    }
    const out = {};
    for (const key of keys) out[key] = decode(v[key]);
    return out;
  }
  return v;
}

function nodeOptions(opts, perCall) {
  const out = {};
  for (const [k, v] of Object.entries(opts || {})) {
    let value = decode(v);
    if (MS_OPTIONS.has(k) && typeof value === 'number') value *= 1000;
    out[perCall && k === 'extra_headers' ? 'headers' : camel(k)] = value;
  }
  return out;
}

function errorOutcome(e) {
  if (e instanceof light.LightError) {
    return {
      ok: false,
      kind: e.constructor.name,
      status: e.status === undefined ? null : e.status,
      reason: e.reason === undefined ? null : e.reason,
      message: String(e.message),
    };
  }
  if (e instanceof TypeError || e instanceof RangeError) {
    return { ok: false, kind: 'ArgumentError', status: null, reason: null, message: String(e.message), native_kind: e.constructor.name };
  }
  return { ok: false, kind: 'RunnerError', status: null, reason: null, message: `${e && e.name}: ${e && e.message}` };
}

const clients = new Map();
const parents = new Map();

function client(spec, env) {
  spec = spec || {};
  const kind = spec.kind || 'app';
  const key = JSON.stringify([kind, spec.account_uuid, spec.account_token, spec.options]);
  if (!spec.fresh && clients.has(key)) return clients.get(key);
  const o = Object.assign({ baseURL: env.base_url, retryBase: 0.01, retryMax: 0.05 }, nodeOptions(spec.options, false));
  if (o.baseUrl !== undefined) {
    o.baseURL = o.baseUrl;
    delete o.baseUrl;
  }
  let c;
  if (kind === 'app') {
    if (o.appToken === undefined) o.appToken = env.app_token;
    c = new light.Light(o);
  } else if (kind === 'account') {
    if (o.appToken === undefined) o.appToken = env.app_token;
    const app = new light.Light(o);
    c = app.forAccount(decode(spec.account_uuid));
    parents.set(c, app);
  } else if (kind === 'account_token') {
    delete o.appToken;
    o.accountToken = spec.account_token;
    c = new light.AccountClient(o);
  } else {
    throw new Error(`client kind ${kind}`);
  }
  if (!spec.fresh) clients.set(key, c);
  return c;
}

const OPS = new Map(light.OPERATIONS.map((op) => [op.id, op]));

async function run(c0, env) {
  const call = c0.call;
  const t = call.type;
  if (t === 'new_client') {
    const c = client(Object.assign({}, c0.client, { fresh: true }), env);
    c.close();
    return { ok: true, result: null };
  }
  if (t === 'verify') {
    const opts = {};
    if (call.tolerance !== undefined && call.tolerance !== null) opts.tolerance = decode(call.tolerance);
    if (call.now !== undefined && call.now !== null) opts.now = decode(call.now);
    const ev = light.webhooks.verify(decode(call.payload), decode(call.signature), decode(call.secret), opts);
    return { ok: true, result: JSON.parse(JSON.stringify(ev)) };
  }
  if (t === 'sign') {
    const ts = call.timestamp === undefined || call.timestamp === null ? undefined : decode(call.timestamp);
    return { ok: true, result: light.webhooks.sign(decode(call.payload), decode(call.secret), ts) };
  }
  const c = client(c0.client, env);
  if (call.closed) c.close();
  if (call.close_parent) parents.get(c).close();
  const opts = nodeOptions(call.options, true);
  if (t === 'raw') {
    const o = Object.assign({}, opts);
    if (call.query !== undefined && call.query !== null) o.query = decode(call.query);
    if (call.body !== undefined && call.body !== null) o.body = decode(call.body);
    return { ok: true, result: await c.request(call.method, decode(call.path), o) };
  }
  const op = OPS.get(call.op);
  if (!op) throw new Error(`unknown operation ${call.op}`);
  let target = c;
  if (op.ns) for (const part of op.ns.split('.')) target = target[camel(part)];
  const fn = target[camel(op.name)];
  const args = (call.path || []).map(decode);
  let params = call.params === undefined || call.params === null ? undefined : decode(call.params);
  if (call.params_raw !== undefined) params = decode(call.params_raw);
  const hasOpts = Object.keys(opts).length > 0;
  const res = fn.call(target, ...args, params, hasOpts ? opts : undefined);
  if (op.paginated && call.iterate) {
    const items = [];
    for await (const item of res) items.push(item);
    return { ok: true, result: { items: JSON.parse(JSON.stringify(items)) } };
  }
  return { ok: true, result: JSON.parse(JSON.stringify((await res) === undefined ? null : await res)) };
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const cmd = JSON.parse(line);
    if (cmd.cmd === 'quit') break;
    let out;
    try {
      if (cmd.case.call.type === 'operations') out = { ok: true, result: [...OPS.keys()] };
      else out = await run(cmd.case, cmd.env);
    } catch (e) {
      out = errorOutcome(e);
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  for (const c of clients.values()) c.close();
}

main();
