'use strict';
// The error classes of DESIGN.md, built from the core's error kinds
// (native.errorKinds(): name, parent, HTTP status, doc) — no list of kinds
// here. The addon builds instances with `new Class(message, details)`
// (bindings/node/errors.c); `instanceof` works through the chain
// LightError ⊃ APIError ⊃ NotFoundError, etc. Local misuse is a TypeError
// (the core's InvalidArgumentError kind has no class in Node).
const native = require('./native');

class LightError extends Error {
  constructor(message, details) {
    super(message);
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, configurable: true });
    const d = details || {};
    /** Core error kind name (same as the class for API errors). */
    this.kind = d.kind || new.target.name;
    /** Retries performed before giving up. */
    this.retries = d.retries || 0;
  }
}

// Kinds whose class carries fields of its own; every other kind is a plain
// subclass of its parent.
const SHAPES = {
  APIError: (Base) =>
    class APIError extends Base {
      constructor(message, details) {
        super(message, details);
        const d = details || {};
        /** HTTP status of the final attempt. */
        this.status = d.status === undefined ? null : d.status;
        /** Parsed JSON body of the error response (or its text when not JSON). */
        this.body = d.body === undefined ? null : d.body;
        /** Server request id (header), or null. */
        this.requestId = d.requestId === undefined ? null : d.requestId;
        /** Response headers, lower-case names. */
        this.headers = d.headers || {};
        /** Seconds from Retry-After, when the server sent one. */
        this.retryAfter = d.retryAfter === undefined ? null : d.retryAfter;
      }
    },
  SignatureVerificationError: (Base) =>
    class SignatureVerificationError extends Base {
      constructor(message, details) {
        super(message, details);
        /** malformed_header | timestamp_too_old | timestamp_in_future | signature_mismatch | no_secret */
        this.reason = (details && details.reason) || null;
      }
    },
};

const NO_CLASS = new Set(['InvalidArgumentError']); // TypeError in Node

const classes = { LightError };
for (const kind of native.errorKinds()) {
  if (!kind || classes[kind.name] || NO_CLASS.has(kind.name)) continue;
  const Base = classes[kind.parent];
  if (!Base) throw new Error(`light-sdk: error kind ${kind.name} has no parent class ${kind.parent}`);
  const make = SHAPES[kind.name];
  // `{ [name]: class extends Base {} }` names the class after the kind
  const cls = make ? make(Base) : { [kind.name]: class extends Base {} }[kind.name];
  Object.defineProperty(cls, 'httpStatus', { value: kind.status, enumerable: false });
  classes[kind.name] = cls;
}

module.exports = classes;
