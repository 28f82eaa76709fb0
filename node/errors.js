'use strict';
// The error classes of DESIGN.md. The addon builds instances of these with
// `new Class(message, details)` (bindings/node/errors.c); `instanceof` works
// through the chain LightError ⊃ APIError ⊃ NotFoundError, etc.

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

class APIError extends LightError {
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
}

/** A 2xx answer whose body is not the JSON the operation promises. */
class APIResponseValidationError extends APIError {}
class BadRequestError extends APIError {}
class AuthenticationError extends APIError {}
class PermissionDeniedError extends APIError {}
class NotFoundError extends APIError {}
class ConflictError extends APIError {}
class UnprocessableEntityError extends APIError {}
class RateLimitError extends APIError {}
class InternalServerError extends APIError {}

class APIConnectionError extends LightError {}
class APITimeoutError extends APIConnectionError {}

class SignatureVerificationError extends LightError {
  constructor(message, details) {
    super(message, details);
    /** malformed_header | timestamp_too_old | timestamp_in_future | signature_mismatch | no_secret */
    this.reason = (details && details.reason) || null;
  }
}

module.exports = {
  LightError,
  APIError,
  APIResponseValidationError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APITimeoutError,
  SignatureVerificationError,
};
