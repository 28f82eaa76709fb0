#!/usr/bin/env node
'use strict';
// Node benchmark of issue 6 (not a test): one command, one machine, one run.
//
//   node bench/node/run.js [--requests 10000] [--concurrency 64] [--rounds 3] [--json FILE]
//
// Starts nginx (Debian's) on a free loopback port serving a fixed ~1 KB JSON
// with keep-alive (same server as bench/python), then sends 10,000 GETs at
// concurrency 64 with light-sdk, built-in fetch (undici), undici.request and
// axios, in interleaved rounds (median req/s). Then webhook verification of
// a 2 KB body: light-sdk webhooks.verify against the docs' recipe
// (crypto.createHmac + timingSafeEqual + JSON.parse). Installs axios and
// undici into bench/out/node-peers when missing. Targets: light-sdk >=
// 1.0x fetch and >= 1.5x axios; verify >= 1x the recipe.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');

const HERE = __dirname;
const ROOT = path.resolve(HERE, '..', '..');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const REQUESTS = Number(arg('requests', 10000));
const CONCURRENCY = Number(arg('concurrency', 64));
const ROUNDS = Number(arg('rounds', 3));
const JSON_OUT = arg('json', null);

// Peers live in bench/out/node-peers (git-ignored), never in the package.
const PEERS = path.join(ROOT, 'bench', 'out', 'node-peers');
const PEER_SPECS = { axios: 'axios@^1.7.0', undici: 'undici@^6.21.0' };

function ensurePeers() {
  const need = Object.keys(PEER_SPECS).filter((m) => !fs.existsSync(path.join(PEERS, 'node_modules', m)));
  if (need.length) {
    console.error(`bench: npm install ${need.join(' ')} into bench/out/node-peers`);
    fs.mkdirSync(PEERS, { recursive: true });
    const r = spawnSync('npm', ['install', '--prefix', PEERS, '--no-audit', '--no-fund', '--no-save', '--loglevel=error',
      ...need.map((m) => PEER_SPECS[m])], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm install of the benchmark peers failed');
  }
}

function body1k() {
  const acct = {
    uuid: '8cb12f49-3399-49c3-8cac-9d37148ebd22', account_number: '1000001', email: 'ada@example.com',
    first_name: 'Ada', last_name: 'Lovelace', phone_number: '214-555-0100', date_of_birth: '1985-12-10',
    created_at: '2026-11-23T08:04:27Z', status: 'active', status_reason: 'active',
    enrollment: { has_accepted_plan: true, has_payment_method: true, is_identity_verified: true,
      is_billing_address_confirmed: true, is_enrollment_finalized: true, finalized_at: '2026-11-23T08:05:00Z',
      can_finalize_enrollment: false, is_service_active: true },
    app: { uuid: '4a7fd651-fd11-41d0-a5ac-fc035191c952', name: 'Sandbox App' },
    locations: [{ uuid: '0f6d3c1e-8f55-4a7e-9f5a-3d1c2b4a5e6f', esi_id: '10443720000000001', address_1: '456 Elm St',
      city: 'Dallas', state: 'TX', postal_code: '75202', is_service_active: true, has_usage_history: true }],
    client_agent_accepted: false, renewals_url: null, balance_dollars: '123.45',
  };
  const base = JSON.stringify(acct).length + ',"note":""'.length;
  acct.note = 'x'.repeat(Math.max(0, 1024 - base));
  return JSON.stringify(acct);
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function startNginx(body) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'light-bench-node-nginx-'));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'body.json'), body, { mode: 0o644 });
  const port = await freePort();
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path ${dir}/b; proxy_temp_path ${dir}/p; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u;
  scgi_temp_path ${dir}/s;
  server {
    listen 127.0.0.1:${port};
    root ${dir};
    location / { default_type application/json; try_files /body.json =404; }
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const bin = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  const proc = spawn(bin, ['-p', dir, '-c', `${dir}/nginx.conf`], { stdio: 'ignore' });
  const deadline = Date.now() + 10000;
  for (;;) {
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error('nginx did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop() {
      proc.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// n requests, `concurrency` workers each awaiting one at a time.
async function drive(one, n, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const v = await one();
      if (!v || v.status !== 'active') throw new Error('bad body');
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function httpBench(url) {
  const light = require(path.join(ROOT, 'node'));
  const undici = require(path.join(PEERS, 'node_modules', 'undici'));
  const axios = require(path.join(PEERS, 'node_modules', 'axios'));
  const http = require('node:http');
  const target = `${url}/v1/app/accounts/8cb12f49-3399-49c3-8cac-9d37148ebd22`;
  const client = new light.Light({ appToken: 'app_bench_token', baseURL: url, maxRetries: 0 });
  const undiciPool = new undici.Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  const ax = axios.create({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }) });
  const headers = { authorization: 'Bearer app_bench_token', accept: 'application/json' };
  const clients = {
    'light-sdk': () => client.accounts.retrieve('8cb12f49-3399-49c3-8cac-9d37148ebd22'),
    fetch: () => fetch(target, { headers }).then((r) => r.json()),
    'undici.request': () => undiciPool.request({ path: new URL(target).pathname, method: 'GET', headers }).then((r) => r.body.json()),
    axios: () => ax.get(target, { headers }).then((r) => r.data),
  };
  // warm-up: connections, JIT
  for (const one of Object.values(clients)) await drive(one, 2000, CONCURRENCY);
  const results = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, one] of Object.entries(clients)) {
      const cpu0 = process.cpuUsage();
      const rps = await drive(one, REQUESTS, CONCURRENCY);
      const cpu = process.cpuUsage(cpu0);
      results[name].push({ rps, cpuMsPer1k: ((cpu.user + cpu.system) / 1000 / REQUESTS) * 1000 });
    }
  }
  client.close();
  await undiciPool.close();
  return Object.fromEntries(
    Object.entries(results).map(([k, v]) => [k, { rps: median(v.map((x) => x.rps)), cpuMsPer1k: median(v.map((x) => x.cpuMsPer1k)), rounds: v.map((x) => Math.round(x.rps)) }]),
  );
}

// Event-loop delay (perf_hooks histogram, 1 ms resolution) while 1,000 calls
// are submitted at once: light-sdk vs undici.request on a 64-connection Pool
// (the same admission as the addon's 64 transfers in flight; built-in fetch
// would open 1,000 sockets), median p99 of 3 rounds.
// This is where the "p99 < 5 ms" target lives (tests check responsiveness
// structurally, without a clock: tests/node/engine.test.js).
async function loopDelayBench(url) {
  const light = require(path.join(ROOT, 'node'));
  const target = `${url}/v1/app/accounts/8cb12f49-3399-49c3-8cac-9d37148ebd22`;
  const client = new light.Light({ appToken: 'app_bench_token', baseURL: url, maxRetries: 0 });
  const headers = { authorization: 'Bearer app_bench_token', accept: 'application/json' };
  const undici = require(path.join(PEERS, 'node_modules', 'undici'));
  const pool = new undici.Pool(url, { connections: 64, pipelining: 1 });
  const clients = {
    'light-sdk': () => client.accounts.retrieve('8cb12f49-3399-49c3-8cac-9d37148ebd22'),
    'undici.request': () => pool.request({ path: new URL(target).pathname, method: 'GET', headers }).then((r) => r.body.json()),
  };
  const out = {};
  for (const [name, one] of Object.entries(clients)) {
    await Promise.all(Array.from({ length: 1000 }, one)); // warm-up
    const p99s = [];
    for (let r = 0; r < 3; r++) {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      await Promise.all(Array.from({ length: 1000 }, one));
      h.disable();
      p99s.push(h.percentile(99) / 1e6);
    }
    out[name] = { p99_ms: median(p99s), rounds: p99s.map((x) => Number(x.toFixed(2))) };
  }
  client.close();
  await pool.close();
  return out;
}

function webhookBench() {
  const light = require(path.join(ROOT, 'node'));
  const secret = 'whsec_bench_0123456789abcdef';
  const payload = Buffer.from(
    JSON.stringify({ uuid: 'e1', created_at: '2026-11-23T08:00:00Z', api_version: 'v1', event: 'account.invoice_sent', data: { pad: 'x'.repeat(1900) } }),
  );
  if (payload.length < 2000 || payload.length > 2100) throw new Error(`payload ${payload.length} bytes`);
  const header = light.webhooks.sign(payload, secret);
  // the docs' recipe: split, window, HMAC over "<ts>.<raw body>", constant-time compare, parse
  function recipe(raw, sig, key) {
    const dot = sig.indexOf('.');
    const ts = sig.slice(0, dot);
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 3600) throw new Error('too old');
    const want = crypto.createHmac('sha256', key).update(`${ts}.`).update(raw).digest();
    const got = Buffer.from(sig.slice(dot + 1), 'hex');
    if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) throw new Error('mismatch');
    return JSON.parse(raw);
  }
  const fns = {
    'light-sdk webhooks.verify': () => light.webhooks.verify(payload, header, secret),
    'recipe (createHmac + timingSafeEqual + JSON.parse)': () => recipe(payload, header, secret),
  };
  const out = {};
  for (const [name, fn] of Object.entries(fns)) {
    for (let i = 0; i < 20000; i++) fn();
    const rates = [];
    for (let r = 0; r < 5; r++) {
      const n = 100000;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn();
      rates.push(n / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
    out[name] = median(rates);
  }
  return out;
}

// Decode the ~300 KB usage-intervals body of bench/python (written by python3):
// light-sdk's decode (the core's parser validates, V8's JSON.parse builds:
// addon._decode, what a webhook payload goes through; a response skips the
// validation here, the exchange did it) against JSON.parse(buf.toString())
// (what res.json() does with the bytes) and JSON.parse of a ready string;
// also the Node-API builder over the parser's callbacks (addon._decodeBuilder),
// the alternative that measured slower. Best of 9 interleaved rounds.
function decodeBench() {
  const addon = require(path.join(ROOT, 'node', 'build', 'light.node'));
  const file = path.join(ROOT, 'bench', 'out', 'intervals.json');
  const py = spawnSync('python3', ['-c', `import sys; sys.path.insert(0, 'bench/python'); import bench; open(${JSON.stringify(file)}, 'wb').write(bench.intervals_300k())`], { cwd: ROOT, stdio: 'inherit' });
  if (py.status !== 0) throw new Error('could not write the intervals document');
  const buf = fs.readFileSync(file);
  const str = buf.toString();
  const ref = JSON.parse(str);
  const assert = require('node:assert');
  assert.deepStrictEqual(addon._decode(buf), ref);
  assert.deepStrictEqual(addon._decodeBuilder(buf), ref);
  const fns = {
    'light-sdk decode (validate + JSON.parse)': () => addon._decode(buf),
    'JSON.parse(buf.toString())': () => JSON.parse(buf.toString()),
    'JSON.parse(string)': () => JSON.parse(str),
    'light-sdk Node-API builder': () => addon._decodeBuilder(buf),
  };
  const best = {};
  for (const k of Object.keys(fns)) best[k] = Infinity;
  for (let r = 0; r < 9; r++) {
    const order = Object.entries(fns);
    if (r % 2) order.reverse();
    for (const [k, fn] of order) {
      const n = 30;
      const t0 = process.cpuUsage(); // CPU time: steadier on a shared machine
      for (let i = 0; i < n; i++) fn();
      const t = process.cpuUsage(t0);
      const ms = (t.user + t.system) / n / 1e3;
      if (ms < best[k]) best[k] = ms;
    }
  }
  return { bytes: buf.length, ms: best };
}

async function main() {
  ensurePeers();
  const nginx = await startNginx(body1k());
  let http;
  let loop;
  try {
    http = await httpBench(nginx.url);
    loop = await loopDelayBench(nginx.url);
  } finally {
    nginx.stop();
  }
  const wh = webhookBench();
  const dec = decodeBench();
  const fetchRatio = http['light-sdk'].rps / http.fetch.rps;
  const axiosRatio = http['light-sdk'].rps / http.axios.rps;
  const [whLight, whRecipe] = Object.values(wh);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, nginx keep-alive, ${REQUESTS} requests at concurrency ${CONCURRENCY}, ${ROUNDS} interleaved rounds (median)`);
  console.log('client               req/s      CPU ms per 1k req   rounds');
  for (const [k, v] of Object.entries(http)) {
    console.log(`${k.padEnd(18)} ${v.rps.toFixed(0).padStart(8)}   ${v.cpuMsPer1k.toFixed(1).padStart(10)}          ${v.rounds.join(' ')}`);
  }
  console.log(`light-sdk / fetch = ${fetchRatio.toFixed(2)}x (target >= 1.0x: ${fetchRatio >= 1 ? 'met' : 'NOT met'})`);
  console.log(`light-sdk / axios = ${axiosRatio.toFixed(2)}x (target >= 1.5x: ${axiosRatio >= 1.5 ? 'met' : 'NOT met'})`);
  for (const [k, v] of Object.entries(wh)) console.log(`webhook verify 2 KB: ${k}: ${v.toFixed(0)}/s`);
  for (const [k, v] of Object.entries(loop)) {
    console.log(`event-loop delay p99 while 1,000 calls run: ${k}: ${v.p99_ms.toFixed(2)} ms (rounds ${v.rounds.join(' ')})`);
  }
  const p99 = loop['light-sdk'].p99_ms;
  console.log(`light-sdk event-loop delay p99 = ${p99.toFixed(2)} ms (target < 5 ms: ${p99 < 5 ? 'met' : 'NOT met'})`);
  for (const [k, v] of Object.entries(dec.ms)) console.log(`decode ${dec.bytes}-byte intervals: ${k}: ${v.toFixed(3)} ms`);
  const whRatio = whLight / whRecipe;
  console.log(`webhook verify light-sdk / recipe = ${whRatio.toFixed(2)}x (target >= 1x: ${whRatio >= 1 ? 'met' : 'NOT met'})`);
  if (JSON_OUT) {
    fs.writeFileSync(JSON_OUT, JSON.stringify({ node: process.version, requests: REQUESTS, concurrency: CONCURRENCY, http, webhook: wh, decode: dec, loop_delay: loop, ratios: { fetch: fetchRatio, axios: axiosRatio, webhook: whRatio } }, null, 2));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
