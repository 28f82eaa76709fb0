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

const native = require('./native');
const errors = require('./errors');
const webhooks = require('./webhooks');

native.setErrorClasses(errors);

const OPERATIONS = Object.freeze(native.operations().map((op) => Object.freeze(op)));
const USER_AGENT_RUNTIME = `node/${process.versions.node}`;

function camel(s) {
  return s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

// ---- calls ---------------------------------------------------------------------

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
  return withSignal(nc, options, (ticket) => nc.call(op.id, path, params, options, ticket));
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
      pair = await invoke(this._owner, this._op, this._path, Object.assign({}, this._params, next), this._options);
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
    const path = nPath ? args.slice(0, nPath) : null;
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

function nativeOptions(o, tokens) {
  if (o !== undefined && o !== null && typeof o !== 'object') throw new TypeError('options must be an object');
  const opts = o || {};
  const env = process.env;
  return {
    appToken: tokens.appToken,
    accountToken: tokens.accountToken,
    baseURL: opts.baseURL !== undefined ? opts.baseURL : env.LIGHT_BASE_URL,
    timeout: opts.timeout,
    connectTimeout: opts.connectTimeout,
    maxRetries: opts.maxRetries,
    caFile: opts.caFile,
    proxy: opts.proxy,
    rateLimit: opts.rateLimit,
    insecureSkipVerify: opts.insecureSkipVerify,
    maxResponseBytes: opts.maxResponseBytes,
    tokenRefreshMargin: opts.tokenRefreshMargin,
    retryBase: opts.retryBase,
    retryMax: opts.retryMax,
    userAgentRuntime: USER_AGENT_RUNTIME,
  };
}

class BaseClient {
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
    return withSignal(nc, options, (ticket) => nc.request(method, path, options, ticket));
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
    const appToken = o.appToken !== undefined ? o.appToken : process.env.LIGHT_APP_TOKEN;
    Object.defineProperty(this, '_native', {
      value: new native.Client(nativeOptions(options, { appToken, accountToken: o.accountToken })),
    });
    attachNamespaces(this, this, TREES.app);
  }

  /** An account client whose token the core mints, caches and refreshes. */
  forAccount(accountUuid) {
    return AccountClient._wrap(this._native.forAccount(accountUuid));
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
      nc = new native.Client(nativeOptions(options, { accountToken: o.accountToken }));
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
  version: native.version,
  ...errors,
};
module.exports.default = Light;
