'use strict';
// A Light webhook endpoint on plain node:http (no framework), API.md §17.
// The signature covers the RAW request body, so the body is collected as a
// Buffer and handed to webhooks.verify() untouched — never JSON.parse and
// re-serialise it first.
//
//   LIGHT_WEBHOOK_SECRET=whsec_... node examples/node/webhook_receiver.js \
//        [--port 3000] [--path /webhooks/light] [--tolerance 300] [--max-events N]
//
// LIGHT_WEBHOOK_SECRET may hold "new,old" while rotating secrets. Answers
// 200 {"received":true} to a verified delivery (printing "event: <name> <event
// uuid> account <uuid>"), 400 {"error","reason"} to a bad signature, 413 to a
// body over 1 MiB, 404/405 elsewhere. Light retries a delivery that does not
// get a 2xx, so a handler must be idempotent: repeats of an event uuid are
// acknowledged and printed as "duplicate: ...". --port 0 picks a free port;
// the first line printed is "listening: <url>". Stops on SIGTERM/SIGINT or
// after --max-events verified events, printing "stopped: ...".
const http = require('node:http');
const { parseArgs } = require('node:util');
const { webhooks, events, SignatureVerificationError } = require('light-sdk');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT || '3000' },
    path: { type: 'string', default: '/webhooks/light' },
    tolerance: { type: 'string', default: '300' },
    'max-events': { type: 'string', default: '0' },
  },
});

const MAX_BODY = 1 << 20;
const secrets = (process.env.LIGHT_WEBHOOK_SECRET || '').split(',').map((s) => s.trim()).filter(Boolean);
if (!secrets.length) {
  console.log('error: LIGHT_WEBHOOK_SECRET is not set');
  process.exit(1);
}
const tolerance = Number(args.tolerance);
const maxEvents = Number(args['max-events']);
const seen = new Set(); // event uuids already handled (a real app keeps these in its database)
let verified = 0;
let rejected = 0;

function reply(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

// What the app does with an event; keep it quick and answer 2xx (slow work goes to a queue).
function handleEvent(event) {
  const account = event.data && event.data.account ? event.data.account.uuid : '-';
  switch (event.event) {
    case events.ENROLLMENT_FINALIZED:
    case events.LOCATION_SERVICE_ACTIVE:
      // e.g. mark the customer as enrolled / live in your database
      break;
    case events.ACCOUNT_INVOICE_SENT:
      // e.g. notify the customer; event.data.invoice_number names the invoice
      break;
    default:
      break;
  }
  console.log(`event: ${event.event} ${event.uuid} account ${account}`);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname !== args.path) return reply(res, 404, { error: 'not found' });
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return reply(res, 405, { error: 'method not allowed' });
  }
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooLarge) return reply(res, 413, { error: 'payload too large' });
    const raw = Buffer.concat(chunks, size); // the exact bytes Light signed
    let event;
    try {
      event = webhooks.verify(raw, req.headers[webhooks.SIGNATURE_HEADER.toLowerCase()], secrets, { tolerance });
    } catch (e) {
      if (!(e instanceof SignatureVerificationError)) {
        console.log(`error: ${e.name}: ${e.message}`);
        return reply(res, 500, { error: 'internal error' });
      }
      rejected += 1;
      console.log(`rejected: ${e.reason}`);
      return reply(res, 400, { error: 'invalid signature', reason: e.reason });
    }
    if (event.uuid && seen.has(event.uuid)) {
      console.log(`duplicate: ${event.event} ${event.uuid}`);
      return reply(res, 200, { received: true, duplicate: true });
    }
    if (event.uuid) seen.add(event.uuid);
    verified += 1;
    handleEvent(event);
    reply(res, 200, { received: true });
    if (maxEvents > 0 && verified >= maxEvents) stop();
  });
  req.on('error', () => res.destroy());
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close(() => console.log(`stopped: ${verified} verified, ${rejected} rejected`));
  server.closeIdleConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

server.listen(Number(args.port), '127.0.0.1', () => {
  console.log(`listening: http://127.0.0.1:${server.address().port}${args.path}`);
});
