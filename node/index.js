'use strict';
// light-sdk for Node. Every operation of the C core's table becomes a
// camelCase method on the client of its auth kind, built here at load time
// from native.operations(): `client.accounts.createToken(uuid)`,
// `acct.billing.invoices.list()`. Calls return Promises completed by the
// core's async engine on Node's own libuv loop (no worker threads).
//
// Argument rule (the core's, light/args.h — the same in every language): path
// parameters are positional; then one params object — the JSON body for
// operations with a JSON body, the query for the others,
// `{ file, filename, contentType }` (or the content itself) for uploads; then
// RequestOptions `{ timeout (ms), maxRetries, headers, query, body, signal }`.
// Nothing here checks or routes an argument: the native call walks the values
// into the core, and every refusal rejects the returned Promise.

const { EventEmitter } = require('node:events');
const native = require('./native');
const errors = require('./errors');
const webhooks = require('./webhooks');

native.setErrorClasses(errors);

const OPERATIONS = Object.freeze(native.operations().map((op) => Object.freeze(op)));
// The core's option table: names, types, units (timeouts in milliseconds,
// backoff in seconds), defaults, env vars and docs. The core checks every
// constructor option against it; internal rows (the User-Agent's runtime,
// set by the addon) are never user options.
const OPTIONS = Object.freeze(native.options().filter((o) => !o.internal).map((o) => Object.freeze(o)));

// Constructor key for wrapping an existing native client (forAccount, withOptions).
const NATIVE = Symbol('light.native');
const PARENT = Symbol('light.parent');

function camel(s) {
  return s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function rejectType(message) {
  return Promise.reject(new TypeError(message));
}

// ---- response metadata -----------------------------------------------------------

/** "Name: value\r\n" lines → {lower-case name: value}; repeats joined with ", ". */
function parseHeaders(block) {
  const out = {};
  for (const line of block.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0 || line.startsWith('HTTP/')) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    out[name] = Object.prototype.hasOwnProperty.call(out, name) ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/**
 * The HTTP response behind a result: `result.lastResponse` (non-enumerable,
 * so JSON.stringify and console.log leave it out), as stripe-node names it.
 */
class LightResponse {
  constructor(statusCode, rawHeaders, requestId, retries) {
    /** HTTP status of the final attempt. */
    this.statusCode = statusCode;
    /** Server request id (X-Request-Id), or null. */
    this.requestId = requestId === undefined ? null : requestId;
    /** Retries performed before this response. */
    this.retries = retries || 0;
    Object.defineProperty(this, '_raw', { value: rawHeaders || '', writable: true });
    Object.defineProperty(this, '_headers', { value: null, writable: true });
  }

  /** Response headers, lower-case names (parsed on first use). */
  get headers() {
    if (!this._headers) this._headers = Object.freeze(parseHeaders(this._raw));
    return this._headers;
  }

  toJSON() {
    return { statusCode: this.statusCode, requestId: this.requestId, retries: this.retries, headers: this.headers };
  }
}

function responseOf(meta) {
  return new LightResponse(meta[0], meta[1], meta[2], meta[3]);
}

function attachResponse(value, response) {
  if (value !== null && typeof value === 'object' && Object.isExtensible(value)) {
    Object.defineProperty(value, 'lastResponse', { value: response, enumerable: false, configurable: true, writable: true });
  }
  return value;
}

// A native result [json, next, meta] → json with its lastResponse.
function unwrapResult(triple) {
  return attachResponse(triple[0], responseOf(triple[2]));
}

// Errors carry the same: APIError#lastResponse built from status/headers/requestId.
Object.defineProperty(errors.APIError.prototype, 'lastResponse', {
  configurable: true,
  enumerable: false,
  get() {
    if (this.status === null || this.status === undefined) return null;
    const r = new LightResponse(this.status, '', this.requestId, this.retries);
    r._headers = Object.freeze({ ...(this.headers || {}) });
    return r;
  },
});

function isBinary(v) {
  return typeof v === 'string' || v instanceof Uint8Array;
}

// ---- logger and events -------------------------------------------------------------
// Each client emits 'request' before a call, 'retry' once a call that needed
// retries completes, and 'response' when it completes (with `error` when it
// failed); clients derived with forAccount/withOptions emit on their parents
// too. The `logger` option (console-like: info, debug) gets one info line per
// call and, at debug, the response headers with credentials redacted.

const REDACT_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'proxy-authorization']);

function redactHeaders(h) {
  const out = {};
  for (const [k, v] of Object.entries(h || {})) {
    const secret = REDACT_HEADERS.has(k) || /token|secret|key|signature/.test(k);
    out[k] = secret ? '[redacted]' : v;
  }
  return out;
}

function checkLogger(logger) {
  if (logger === undefined || logger === null) return null;
  if (typeof logger !== 'object' && typeof logger !== 'function') throw new TypeError('logger must be an object with info/debug methods');
  if (typeof logger.info !== 'function') throw new TypeError('logger.info must be a function');
  return logger;
}

function expandPath(op, values) {
  let p = op.path;
  op.pathParams.forEach((name, i) => {
    p = p.replace(`{${name}}`, encodeURIComponent(String(values[i])));
  });
  return p;
}

function emitAll(owner, name, event) {
  for (const c of owner._observers) if (c.listenerCount(name) > 0) c.emit(name, event);
}

function watched(owner) {
  if (owner._logger) return true;
  for (const c of owner._observers) {
    if (c.listenerCount('request') + c.listenerCount('response') + c.listenerCount('retry') > 0) return true;
  }
  return false;
}

// Run start() → Promise<[json, next, meta]> with events and logging around it.
function observe(owner, method, path, operation, start) {
  if (!owner._observers || !watched(owner)) return start();
  const logger = owner._logger;
  const t0 = process.hrtime.bigint();
  emitAll(owner, 'request', { method, path, operation });
  if (logger && typeof logger.debug === 'function') logger.debug(`light: ${method} ${path}`);
  const done = (statusCode, retries, requestId, headers, error) => {
    const durationMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const event = { method, path, operation, statusCode, requestId, retries, durationMs };
    if (retries > 0) emitAll(owner, 'retry', { method, path, operation, statusCode, retries });
    emitAll(owner, 'response', error ? { ...event, headers, error } : { ...event, headers });
    if (logger) {
      const outcome = error ? `${statusCode === null ? '' : `${statusCode} `}${error.name}` : String(statusCode);
      logger.info(`light: ${method} ${path} ${outcome} in ${Math.round(durationMs)} ms, ${retries} retries, request_id=${requestId}`);
      if (typeof logger.debug === 'function') logger.debug(`light: ${method} ${path} response headers`, redactHeaders(headers));
    }
  };
  return start().then(
    (triple) => {
      const r = responseOf(triple[2]);
      done(r.statusCode, r.retries, r.requestId, r.headers, null);
      return triple;
    },
    (e) => {
      if (!(e instanceof errors.LightError)) throw e; // refused before I/O (TypeError...): nothing was sent
      const status = e.status !== undefined ? e.status : null;
      done(status, e.retries || 0, e.requestId || null, e.headers || {}, e);
      throw e;
    },
  );
}

// ---- calls ---------------------------------------------------------------------

// Errors the addon creates when a request completes have no JavaScript
// frames; give them the caller's (async) stack, as every LightError has.
async function settle(p) {
  try {
    return await p;
  } catch (e) {
    if (e instanceof errors.LightError && !(typeof e.stack === 'string' && e.stack.includes('\n    at '))) {
      Error.captureStackTrace(e, settle);
      if (!e.stack.includes('\n    at ')) Error.captureStackTrace(e);
    }
    throw e;
  }
}

// Run start(ticket) → Promise with AbortSignal support: an abort cancels the
// request in the engine (light_engine_cancel) and rejects with signal.reason.
function withSignal(nc, options, start) {
  let signal;
  try {
    signal = options !== null && typeof options === 'object' ? options.signal : undefined;
  } catch (e) {
    return Promise.reject(e); // a throwing getter: the call rejects, it never throws
  }
  if (!signal) return start(undefined);
  if (typeof signal.addEventListener !== 'function') return Promise.reject(new TypeError('signal must be an AbortSignal'));
  if (signal.aborted) return Promise.reject(signal.reason);
  const ticket = {};
  const p = start(ticket);
  const onAbort = () => nc.cancel(ticket.id);
  signal.addEventListener('abort', onAbort, { once: true });
  return p.then(
    (v) => {
      signal.removeEventListener('abort', onAbort);
      return v;
    },
    (e) => {
      signal.removeEventListener('abort', onAbort);
      throw signal.aborted ? signal.reason : e;
    },
  );
}

// One operation call. Returns the native Promise ([json, next] for paginated ops).
function invoke(owner, op, path, params, options) {
  const nc = owner._native;
  return settle(
    observe(owner, op.method, expandPath(op, path), op.id, () =>
      withSignal(nc, options, (ticket) => nc.call(op.id, path, params, options, ticket)),
    ),
  );
}

/**
 * What a paginated `list()` returns: awaitable (the first page's envelope
 * {data, has_more, limit, offset, next_page_url}, with its lastResponse) and
 * async-iterable over every item of every page, fetched lazily.
 *
 * Next page: the envelope's `next_page_url` when it has one (resolved against
 * the base URL; another scheme, host or base path is refused with an
 * APIResponseValidationError), else offset paging as the core computes it
 * (light_page_next_query). A bare JSON array is one page: {data: array, has_more: false}.
 */
class PagePromise {
  constructor(owner, op, path, params, options) {
    this._owner = owner;
    this._op = op;
    this._path = path;
    this._params = params;
    this._options = options;
    this._first = null;
  }

  _firstTriple() {
    if (!this._first) this._first = invoke(this._owner, this._op, this._path, this._params, this._options);
    return this._first;
  }

  then(onFulfilled, onRejected) {
    return this._firstTriple().then(pageOf).then(onFulfilled, onRejected);
  }

  catch(onRejected) {
    return this.then(undefined, onRejected);
  }

  finally(onFinally) {
    return this.then().finally(onFinally);
  }

  // The triple of the page after `triple`'s, or null at the end.
  _next(triple, seen) {
    const env = triple[0];
    const data = pageData(env);
    if (Array.isArray(env) || data.length === 0) return null;
    const url = typeof env.next_page_url === 'string' && env.next_page_url !== '' ? env.next_page_url : null;
    if (url) {
      if (seen.has(url)) return null; // a server repeating itself cannot loop us
      seen.add(url);
      return this._follow(url, triple);
    }
    if (!triple[1]) return null;
    return invoke(this._owner, this._op, this._path, Object.assign({}, this._params, triple[1]), this._options);
  }

  _follow(url, triple) {
    const target = resolvePageUrl(this._owner.baseURL, url, triple[2]);
    let opPath = this._op.path;
    this._op.pathParams.forEach((name, i) => {
      opPath = opPath.replace(`{${name}}`, encodeURIComponent(String(this._path[i])));
    });
    // the URL's query is the whole query of the next page
    if (target.path === opPath) return invoke(this._owner, this._op, this._path, target.query, this._options);
    const nc = this._owner._native;
    const o = this._options || {};
    const raw = { query: target.query };
    for (const k of ['headers', 'timeout', 'maxRetries']) if (o[k] !== undefined) raw[k] = o[k];
    return settle(
      observe(this._owner, 'GET', target.path, null, () =>
        withSignal(nc, o, (ticket) => nc.request('GET', target.path, raw, ticket)),
      ),
    );
  }

  /** Async iterator over the pages (envelopes, each with its lastResponse). */
  async *pages() {
    let triple = await this._firstTriple();
    const seen = new Set();
    for (;;) {
      yield pageOf(triple);
      const next = this._next(triple, seen);
      if (!next) return;
      triple = await next;
    }
  }

  async *[Symbol.asyncIterator]() {
    for await (const page of this.pages()) {
      for (const item of page.data) yield item;
    }
  }

  get [Symbol.toStringTag]() {
    return 'PagePromise';
  }
}

function pageData(env) {
  if (Array.isArray(env)) return env;
  return env && Array.isArray(env.data) ? env.data : [];
}

// A page triple → the envelope the user sees (a bare array becomes {data, has_more: false}).
function pageOf(triple) {
  const env = Array.isArray(triple[0]) ? { data: triple[0], has_more: false } : triple[0];
  return attachResponse(env, responseOf(triple[2]));
}

// next_page_url → {path (relative to the base URL), query}; never another scheme, host or base path.
function resolvePageUrl(baseURL, url, meta) {
  const base = new URL(baseURL.endsWith('/') ? baseURL : `${baseURL}/`);
  let u = null;
  try {
    u = new URL(url, base);
  } catch (_) {
    u = null;
  }
  const basePath = base.pathname.replace(/\/$/, '');
  if (!u || u.protocol !== base.protocol || u.host !== base.host || !u.pathname.startsWith(`${basePath}/`)) {
    const where = u ? `${u.protocol}//${u.host}` : 'an unparsable URL';
    throw new errors.APIResponseValidationError(
      `next_page_url points to ${where}, outside the base URL ${base.protocol}//${base.host}${basePath}; refusing to follow it`,
      { status: meta ? meta[0] : null, requestId: meta ? meta[2] : null },
    );
  }
  const query = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  return { path: u.pathname.slice(basePath.length), query };
}

// ---- resources: namespaces and methods from the operation table ------------------

function makeMethod(op) {
  const nPath = op.pathParams.length;
  const method = function (...args) {
    const path = nPath ? args.slice(0, nPath) : null;
    if (op.paginated) return new PagePromise(this._owner, op, path, args[nPath], args[nPath + 1]);
    return invoke(this._owner, op, path, args[nPath], args[nPath + 1]).then(unwrapResult);
  };
  Object.defineProperty(method, 'name', { value: camel(op.name) });
  return method;
}

// Per auth kind: a tree of prototypes {methods, children}. Each client gets
// one small object per namespace whose prototype holds the methods.
function buildTree(auth) {
  const root = { proto: {}, children: new Map() };
  for (const op of OPERATIONS) {
    if (op.auth !== auth) continue;
    let node = root;
    if (op.ns) {
      for (const part of op.ns.split('.')) {
        const key = camel(part);
        if (!node.children.has(key)) node.children.set(key, { proto: {}, children: new Map() });
        node = node.children.get(key);
      }
    }
    node.proto[camel(op.name)] = makeMethod(op);
  }
  return root;
}

const TREES = { app: buildTree('app'), account: buildTree('account') };

function attachNamespaces(target, owner, node) {
  for (const [key, child] of node.children) {
    const ns = Object.create(child.proto);
    Object.defineProperty(ns, '_owner', { value: owner });
    attachNamespaces(ns, owner, child);
    Object.defineProperty(target, key, { value: ns, enumerable: true });
  }
}

// appInfo {name, version, url} → "name/version (url)", appended to the User-Agent as stripe-node does.
function formatAppInfo(info) {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    throw new TypeError('appInfo must be an object { name, version?, url? }');
  }
  for (const k of Object.keys(info)) {
    if (!['name', 'version', 'url'].includes(k)) throw new TypeError(`appInfo: unknown key ${k}`);
  }
  if (typeof info.name !== 'string' || info.name === '') throw new TypeError('appInfo.name must be a non-empty string');
  for (const k of ['version', 'url']) {
    if (info[k] !== undefined && info[k] !== null && typeof info[k] !== 'string') {
      throw new TypeError(`appInfo.${k} must be a string`);
    }
  }
  return `${info.name}${info.version ? `/${info.version}` : ''}${info.url ? ` (${info.url})` : ''}`;
}

// withOptions() settings → the addon's {timeout, connectTimeout, maxRetries, appInfo (string)}: the
// core refuses other names and bad values. (A logger given to withOptions
// replaces the parent's for the derived client.)
function derivedOptions(o) {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o)) throw new TypeError('withOptions(options): options must be an object');
  const { logger, appInfo, ...settings } = o;
  if (appInfo !== undefined && appInfo !== null) settings.appInfo = formatAppInfo(appInfo);
  return settings;
}

class BaseClient extends EventEmitter {
  // Logger and event parents: the options' logger, else the parent's.
  _observeInit(o) {
    const parent = o[PARENT];
    const logger = o.logger !== undefined ? checkLogger(o.logger) : parent ? parent._logger : null;
    Object.defineProperty(this, '_logger', { value: logger });
    Object.defineProperty(this, '_observers', { value: parent ? [this, ...parent._observers] : [this] });
  }

  /**
   * A client of the same kind sharing this one's connection pool and token
   * cache, with { timeout, connectTimeout, maxRetries, appInfo, logger } changed.
   */
  withOptions(options) {
    const nc = this._native.withOptions(derivedOptions(options));
    const o = { [NATIVE]: nc, [PARENT]: this };
    if (options && options.logger !== undefined) o.logger = options.logger;
    return new this.constructor(o);
  }

  /** The base URL requests go to. */
  get baseURL() {
    return this._native.baseURL;
  }

  /**
   * Raw escape hatch: any method and path ("/v1/app/..." uses the app token,
   * "/v1/account..." the account token), JSON in, JSON out, same retries and errors.
   * options: `{ query, body, headers, timeout (ms), maxRetries, signal }`.
   */
  request(method, path, options) {
    const nc = this._native;
    const m = typeof method === 'string' ? method.toUpperCase() : method;
    return settle(
      observe(this, m, path, null, () => withSignal(nc, options, (ticket) => nc.request(method, path, options, ticket))).then(
        unwrapResult,
      ),
    );
  }

  /** Cancel this client's pending calls and release it. Idempotent. */
  close() {
    this._native.close();
  }

  /** Number of calls in flight on this client. */
  get pendingRequests() {
    return this._native.pending;
  }
}

/** App-token client: `new Light({ appToken, baseURL })` (env LIGHT_APP_TOKEN, LIGHT_BASE_URL). */
class Light extends BaseClient {
  constructor(options) {
    super();
    const o = options || {};
    let nc = o[NATIVE];
    if (!nc) {
      const { appInfo: info, logger, ...core } = o; // appInfo and logger are the package's, not the core's
      const appInfo = info === undefined || info === null ? undefined : formatAppInfo(info);
      nc = new native.Client(core);
      if (appInfo !== undefined) nc = nc.withOptions({ appInfo });
    }
    Object.defineProperty(this, '_native', { value: nc });
    this._observeInit(o);
    attachNamespaces(this, this, TREES.app);
  }

  /** An account client whose token the core mints, caches and refreshes. */
  forAccount(accountUuid) {
    // Closing (or collecting) the app client closes its account clients: the
    // account client keeps it alive (PARENT: events and logger go up to it too).
    return new AccountClient({ [NATIVE]: this._native.forAccount(accountUuid), [PARENT]: this });
  }
}
Object.assign(Light.prototype, TREES.app.proto);

/** Account-token client: `new AccountClient({ accountToken })` or `light.forAccount(uuid)`. */
class AccountClient extends BaseClient {
  constructor(options) {
    super();
    const o = options || {};
    let nc = o[NATIVE];
    if (!nc) {
      if (typeof o.accountToken !== 'string' || o.accountToken === '') {
        throw new TypeError('AccountClient needs { accountToken } (or use light.forAccount(uuid))');
      }
      if (o.appToken !== undefined) throw new TypeError("unknown option 'appToken' (AccountClient takes accountToken)");
      const { appInfo: info, logger, ...core } = o; // appInfo and logger are the package's, not the core's
      const appInfo = info === undefined || info === null ? undefined : formatAppInfo(info);
      nc = new native.Client(core);
      if (appInfo !== undefined) nc = nc.withOptions({ appInfo });
    }
    Object.defineProperty(this, '_native', { value: nc });
    this._observeInit(o);
    attachNamespaces(this, this, TREES.account);
  }

  static _wrap(nc) {
    return new AccountClient({ [NATIVE]: nc });
  }

  /** The account uuid of a client made with forAccount(), else null. */
  get accountUuid() {
    return this._native.accountUuid;
  }
}
Object.assign(AccountClient.prototype, TREES.account.proto);
// methods on the client root use `this._owner`
Object.defineProperty(Light.prototype, '_owner', {
  get() {
    return this;
  },
});
Object.defineProperty(AccountClient.prototype, '_owner', {
  get() {
    return this;
  },
});

module.exports = {
  Light,
  AccountClient,
  PagePromise,
  LightResponse,
  webhooks,
  events: webhooks.events,
  OPERATIONS,
  OPTIONS,
  version: native.version,
  ...errors,
};
module.exports.default = Light;
