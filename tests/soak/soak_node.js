'use strict';
// Soak driver for the Node binding (tests/soak/test_soak.py, `make soak`).
// Run as `node --expose-gc --max-semi-space-size=1 tests/soak/soak_node.js`:
// V8 grows its young generation (two semi-spaces, 1 MiB each at start, up to
// 16 MiB) with the allocation rate, which alone adds 2+ MiB of RSS at some
// point of a long run; pinning it at its start size makes the RSS figure
// show the SDK's memory, not V8's heap sizing. heapTotal/heapUsed/external
// are reported next to RSS.
//
// The workload of tests/soak/soak_c.c: REQUESTS calls, CONCURRENCY in flight
// on one client (60 % accounts.retrieve(uuid), 30 % forAccount(uuid).retrieve(),
// 10 % a 404 that must reject with NotFoundError), then VERIFIES
// webhooks.verify calls (10 % signed with another secret: must throw
// SignatureVerificationError 'signature_mismatch'). The first 10 % of both is
// warm-up; after it and at the end: gc(), then process.memoryUsage().rss.
// Active handles/resources are recorded before the clients exist and after
// close(); they must match, and the process must then exit by itself (this
// script never calls process.exit; the harness kills it after a timeout).
// Prints one JSON line of figures; exit code 0 only when every call had its
// expected outcome.
const path = require('node:path');

const light = require(path.resolve(__dirname, '..', '..', 'node'));

const MISSING = 'a1b2c3d4-5678-90ab-cdef-1234567890ab';
const PAYLOAD = Buffer.from(
  '{"uuid":"0b7f0c56-3c1e-4b8e-9f5e-1f2d3c4b5a69","created_at":"2026-01-01T00:00:00Z",' +
    '"api_version":"v1","event":"enrollment.finalized",' +
    '"data":{"account":{"uuid":"a","status":"reviewing","status_reason":"verification_pending"}}}',
);
const CONCURRENCY = Number(process.env.LIGHT_SOAK_CONCURRENCY || 8);

function resources() {
  const info = typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo() : [];
  return { handles: process._getActiveHandles().length, resources: info.slice().sort() };
}

function sample() {
  global.gc();
  global.gc();
  return process.memoryUsage();
}

const c = { ok: 0, expectedErrors: 0, failed: 0, verified: 0, verifyRejected: 0, verifyFailed: 0 };
function fail(what) {
  if (c.failed + c.verifyFailed < 5) process.stderr.write(`${what}\n`);
}

async function one(app, acct, uuid, i) {
  const kind = i % 10;
  try {
    let got;
    if (kind < 6) got = (await app.accounts.retrieve(uuid)).uuid;
    else if (kind < 9) got = (await acct.retrieve()).uuid;
    else {
      await app.accounts.retrieve(MISSING);
      got = 'no error';
    }
    if (got === uuid) c.ok += 1;
    else {
      fail(`request ${i}: got ${got}`);
      c.failed += 1;
    }
  } catch (e) {
    if (kind === 9 && e instanceof light.NotFoundError && e.status === 404) c.expectedErrors += 1;
    else {
      fail(`request ${i}: ${e && e.stack}`);
      c.failed += 1;
    }
  }
}

async function requests(app, acct, uuid, from, to) {
  const workers = [];
  for (let w = 0; w < CONCURRENCY; w++) {
    workers.push(
      (async () => {
        for (let i = from + w; i < to; i += CONCURRENCY) await one(app, acct, uuid, i);
      })(),
    );
  }
  await Promise.all(workers);
}

function verifies(good, bad, secret, from, to) {
  const { verify } = light.webhooks;
  for (let j = from; j < to; j++) {
    if (j % 10 === 9) {
      try {
        verify(PAYLOAD, bad, secret);
        fail(`verify ${j}: a wrong signature passed`);
        c.verifyFailed += 1;
      } catch (e) {
        if (e instanceof light.SignatureVerificationError && e.reason === 'signature_mismatch') c.verifyRejected += 1;
        else c.verifyFailed += 1;
      }
    } else if (verify(PAYLOAD, good, secret).event === 'enrollment.finalized') c.verified += 1;
    else c.verifyFailed += 1;
  }
}

async function main() {
  const url = process.env.LIGHT_SANDBOX_URL;
  const token = process.env.LIGHT_SANDBOX_APP_TOKEN;
  const uuid = process.env.LIGHT_SOAK_ACCOUNT;
  const nReq = Number(process.env.LIGHT_SOAK_REQUESTS || 100000);
  const nVer = Number(process.env.LIGHT_SOAK_VERIFIES || 1000000);
  if (!url || !token || !uuid) throw new Error('LIGHT_SANDBOX_URL, LIGHT_SANDBOX_APP_TOKEN and LIGHT_SOAK_ACCOUNT are required');
  const secret = 'whsec_soak_secret';
  const good = light.webhooks.sign(PAYLOAD, secret);
  const bad = light.webhooks.sign(PAYLOAD, 'whsec_other');
  const before = resources();

  const app = new light.Light({ appToken: token, baseURL: url, timeout: 30 });
  const acct = app.forAccount(uuid);
  const warmReq = Math.floor(nReq / 10);
  const warmVer = Math.floor(nVer / 10);
  const t0 = process.hrtime.bigint();
  await requests(app, acct, uuid, 0, warmReq);
  verifies(good, bad, secret, 0, warmVer);
  const memWarm = sample();
  const t1 = process.hrtime.bigint();
  await requests(app, acct, uuid, warmReq, nReq);
  verifies(good, bad, secret, warmVer, nVer);
  const t2 = process.hrtime.bigint();
  const memEnd = sample();
  const during = resources();
  acct.close();
  app.close();
  // Let close() callbacks (libuv handle closes) run before looking again.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const after = resources();

  const sameResources =
    after.handles === before.handles && JSON.stringify(after.resources) === JSON.stringify(before.resources);
  const figures = {
    language: 'node',
    threads: 1,
    concurrency: CONCURRENCY,
    requests: nReq,
    ok: c.ok,
    expected_errors: c.expectedErrors,
    failed: c.failed,
    verifies: nVer,
    verified: c.verified,
    verify_rejected: c.verifyRejected,
    verify_failed: c.verifyFailed,
    rss_warm: memWarm.rss,
    rss_end: memEnd.rss,
    heap_total_warm: memWarm.heapTotal,
    heap_total_end: memEnd.heapTotal,
    heap_used_warm: memWarm.heapUsed,
    heap_used_end: memEnd.heapUsed,
    external_warm: memWarm.external,
    external_end: memEnd.external,
    handles_before: before.handles,
    handles_after: after.handles,
    resources_before: before.resources,
    resources_during: during.resources,
    resources_after: after.resources,
    seconds_warm: Number(t1 - t0) / 1e9,
    seconds_main: Number(t2 - t1) / 1e9,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  const countsOk = !c.failed && !c.verifyFailed && c.ok + c.expectedErrors === nReq && c.verified + c.verifyRejected === nVer;
  process.exitCode = countsOk && sameResources ? 0 : 1;
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack}\n`);
  process.exitCode = 2;
});
