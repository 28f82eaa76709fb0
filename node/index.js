'use strict';
// light-sdk for Node. Every operation of the C core's table becomes a
// camelCase method on the client of its auth kind, built here at load time
// from native.operations(): `client.accounts.createToken(uuid)`,
// `acct.billing.invoices.list()`. Calls return Promises completed by the
// core's async engine on Node's own libuv loop (no worker threads).
//
// Argument rule (same in every language): path parameters are positional;
// then one params object — the JSON body for operations with a JSON body,
// the query for the others, `{ file, filename, contentType }` for uploads;
// then an options object `{ timeout, maxRetries, signal, query, body }`.

const native = require('./native');
const errors = require('./errors');
const webhooks = require('./webhooks');

native.setErrorClasses(errors);

const OPERATIONS = Object.freeze(native.operations().map((op) => Object.freeze(op)));
const USER_AGENT_RUNTIME = `node/${process.versions.node}`;
// The core's option table: names, types, units (timeouts in milliseconds,
// backoff in seconds), defaults, env vars and docs. The addon checks every
// constructor option against it; internal rows are set here, never by users.
const OPTIONS = Object.freeze(native.options().filter((o) => !o.internal).map((o) => Object.freeze(o)));
const INTERNAL_OPTIONS = new Set(native.options().filter((o) => o.internal).map((o) => o.js_name));

function camel(s) {
  return s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function rejectType(message) {
  return Promise.reject(new TypeError(message));
}

function isBinary(v) {
  return typeof v === 'string' || v instanceof Uint8Array;
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
  const signal = options && options.signal;
  if (!signal) return start(undefined);
  if (typeof signal.addEventListener !== 'function') return rejectType('signal must be an AbortSignal');
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

function callOptions(options) {
  if (options === undefined || options === null) return null;
  if (typeof options !== 'object') throw new TypeError('options must be an object');
  const { timeout, maxRetries } = options;
  // the same checks as the constructor's (the core's option table): no NaN,
  // Infinity, negative, fraction or out-of-range value reaches the core
  if (timeout !== undefined) native.checkOption('timeout', timeout);
  if (maxRetries !== undefined) native.checkOption('maxRetries', maxRetries);
  return options;
}

function merge(base, extra, what) {
  if (extra === undefined || extra === null) return base;
  if (typeof extra !== 'object') throw new TypeError(`${what} must be an object`);
  return base ? Object.assign({}, base, extra) : extra;
}

function fileArg(params) {
  if (params === undefined || params === null) return null;
  if (isBinary(params)) return { data: params };
  if (typeof params !== 'object') throw new TypeError('upload(file): file must be a Buffer, Uint8Array or string');
  const data = params.file !== undefined ? params.file : params.data;
  if (!isBinary(data)) throw new TypeError('upload({ file }): file must be a Buffer, Uint8Array or string');
  return {
    data,
    filename: params.filename,
    contentType: params.contentType !== undefined ? params.contentType : params.content_type,
  };
}

// One operation call. Returns the native Promise ([json, next] for paginated ops).
function invoke(owner, op, path, params, options, queryOverride) {
  const nc = owner._native;
  let query = null;
  let body = null;
  let file = null;
  let opts;
  try {
    opts = callOptions(options);
    if (op.body === 'multipart') {
      file = fileArg(params);
    } else if (params !== undefined && params !== null) {
      if (typeof params !== 'object' || Array.isArray(params)) throw new TypeError('params must be an object');
      if (op.body === 'json') body = params;
      else query = params;
    }
    if (queryOverride) query = queryOverride;
    else if (opts) query = merge(query, opts.query, 'options.query');
    if (opts) body = merge(body, opts.body, 'options.body');
  } catch (e) {
    return Promise.reject(e);
  }
  const timeout = opts && opts.timeout !== undefined ? opts.timeout : 0;
  const retries = opts && opts.maxRetries !== undefined ? opts.maxRetries : -1;
  return settle(withSignal(nc, opts, (ticket) => nc.call(op.id, path, query, body, file, timeout, retries, ticket)));
}

/**
 * What a paginated `list()` returns: awaitable (the first page's envelope
 * {data, has_more, limit, offset, next_page_url}) and async-iterable over
 * every item of every page, fetched lazily; the core decides the next page
 * (light_page_next_query).
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

  _firstPair() {
    if (!this._first) this._first = invoke(this._owner, this._op, this._path, this._params, this._options);
    return this._first;
  }

  then(onFulfilled, onRejected) {
    return this._firstPair().then((pair) => pair[0]).then(onFulfilled, onRejected);
  }

  catch(onRejected) {
    return this.then(undefined, onRejected);
  }

  finally(onFinally) {
    return this.then().finally(onFinally);
  }

  /** Async iterator over the pages (envelopes). */
  async *pages() {
    let pair = await this._firstPair();
    for (;;) {
      yield pair[0];
      const next = pair[1];
      if (!next) return;
      pair = await invoke(this._owner, this._op, this._path, null, this._options, next);
    }
  }

  async *[Symbol.asyncIterator]() {
    for await (const page of this.pages()) {
      const data = page && Array.isArray(page.data) ? page.data : [];
      for (const item of data) yield item;
    }
  }

  get [Symbol.toStringTag]() {
    return 'PagePromise';
  }
}

// ---- resources: namespaces and methods from the operation table ------------------

function makeMethod(op) {
  const nPath = op.pathParams.length;
  const method = function (...args) {
    const path = new Array(nPath);
    for (let i = 0; i < nPath; i++) {
      const v = args[i];
      path[i] = typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
    }
    if (op.paginated) return new PagePromise(this._owner, op, path, args[nPath], args[nPath + 1]);
    return invoke(this._owner, op, path, args[nPath], args[nPath + 1]);
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

// The user's options as they are (the addon refuses unknown names and bad
// values) plus the binding's own. Environment defaults (LIGHT_APP_TOKEN,
// LIGHT_BASE_URL, LIGHT_LOG) are read by the core, not here.
function nativeOptions(o) {
  if (o !== undefined && o !== null && typeof o !== 'object') throw new TypeError('options must be an object');
  const opts = Object.assign({}, o || {});
  for (const k of Object.keys(opts)) if (INTERNAL_OPTIONS.has(k)) throw new TypeError(`unknown option '${k}'`);
  opts.userAgentRuntime = USER_AGENT_RUNTIME;
  return opts;
}

class BaseClient {
  /** The base URL requests go to. */
  get baseURL() {
    return this._native.baseURL;
  }

  /**
   * Raw escape hatch: any method and path ("/v1/app/..." uses the app token,
   * "/v1/account..." the account token), JSON in, JSON out, same retries and errors.
   */
  request(method, path, options) {
    let opts;
    try {
      opts = callOptions(options);
    } catch (e) {
      return Promise.reject(e);
    }
    const nc = this._native;
    const query = opts && opts.query !== undefined ? opts.query : null;
    const body = opts && opts.body !== undefined ? opts.body : null;
    const timeout = opts && opts.timeout !== undefined ? opts.timeout : 0;
    const retries = opts && opts.maxRetries !== undefined ? opts.maxRetries : -1;
    return settle(withSignal(nc, opts, (ticket) => nc.request(method, path, query, body, timeout, retries, ticket)));
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
    Object.defineProperty(this, '_native', { value: new native.Client(nativeOptions(options)) });
    attachNamespaces(this, this, TREES.app);
  }

  /** An account client whose token the core mints, caches and refreshes. */
  forAccount(accountUuid) {
    const ac = AccountClient._wrap(this._native.forAccount(accountUuid));
    // Closing (or collecting) the app client closes its account clients: keep it alive with them.
    Object.defineProperty(ac, '_parent', { value: this });
    return ac;
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
      nc = new native.Client(nativeOptions(options));
    }
    Object.defineProperty(this, '_native', { value: nc });
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
const NATIVE = Symbol('light.native');
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
  webhooks,
  events: webhooks.events,
  OPERATIONS,
  OPTIONS,
  version: native.version,
  ...errors,
};
module.exports.default = Light;
