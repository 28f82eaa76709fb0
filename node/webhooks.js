'use strict';
// Webhooks: verify the `Light-Signature-v1` header over the RAW request body
// and parse the event; sign payloads (tests, local tools). The work is done by
// the C core (light_webhook_construct_event / light_webhook_sign).
const native = require('./native');
const { SignatureVerificationError } = require('./errors');

const SIGNATURE_HEADER = 'Light-Signature-v1';
const DEFAULT_TOLERANCE = 3600;

// A Date becomes Unix seconds and a missing time is Date.now() (so fake timers apply); anything
// else goes to the core as it is, which checks it with the message every language gives.
function toSeconds(now) {
  if (now === undefined || now === null) return Math.floor(Date.now() / 1000);
  if (now instanceof Date) return Math.floor(now.getTime() / 1000);
  return now;
}

// The header as Node's IncomingHttpHeaders gives it: string | string[] | undefined.
function headerValue(signature) {
  if (typeof signature === 'string') return signature;
  if (Array.isArray(signature)) {
    if (signature.length === 1 && typeof signature[0] === 'string') return signature[0];
    throw new SignatureVerificationError(
      `expected one ${SIGNATURE_HEADER} header, got ${signature.length}`,
      { reason: 'malformed_header', kind: 'SignatureVerificationError' },
    );
  }
  return ''; // undefined/missing: the core reports malformed_header
}

/**
 * Verify and parse a webhook.
 * @param {Buffer|Uint8Array|string} payload the raw request body, exactly as received
 * @param {string|string[]|undefined} signature the Light-Signature-v1 header as req.headers gives it
 * @param {string|string[]} secret the webhook secret (several during rotation)
 * @param {{tolerance?: number, now?: number|Date}} [options] tolerance in seconds (default 3600, both ways)
 * @returns {object} the event envelope {uuid, created_at, api_version, event, data, ...}
 * @throws {SignatureVerificationError} with `reason`
 */
function verify(payload, signature, secret, options) {
  const o = options || {};
  // the secret, the tolerance (undefined: the default) and the time are checked by the core (record arguments)
  return native.webhookVerify(payload, headerValue(signature), secret, o.tolerance, toSeconds(o.now));
}

/**
 * Sign a payload: returns the header value "<unix seconds>.<hex hmac>".
 * @param {Buffer|Uint8Array|string} payload
 * @param {string} secret
 * @param {number|{timestamp?: number|Date}} [timestamp] Unix seconds (default now)
 */
function sign(payload, secret, timestamp) {
  let ts = timestamp;
  if (ts !== null && typeof ts === 'object' && !(ts instanceof Date)) ts = ts.timestamp;
  return native.webhookSign(payload, secret, toSeconds(ts));
}

const eventNames = Object.freeze(native.events());
const events = {};
for (const name of eventNames) events[name.toUpperCase().replace(/[.]/g, '_')] = name;
Object.freeze(events);

module.exports = { verify, sign, events, eventNames, SIGNATURE_HEADER, DEFAULT_TOLERANCE };
