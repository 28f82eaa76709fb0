/* Client: a light_client wrapped in a JS object; calls return Promises
 * completed by the environment's async engine (engine.c).
 *
 *   new Client(options)                      app and/or account token client
 *   client.forAccount(uuid) → Client         account scope, tokens managed by the core
 *   client.withOptions({timeout, connectTimeout, maxRetries, appInfo}) → Client sharing pool and tokens
 *   client.call(opId, pathParams, params, options, ticket) → Promise
 *   client.request(method, path, options, ticket) → Promise
 *   client.cancel(id) → bool                 AbortSignal support (ticket.id)
 *   client.close()                           cancel pending calls, free the core client
 *
 * A call resolves with [json ({} for an empty body), nextQuery | null,
 * [status, headers, requestId, retries]]; nextQuery comes from
 * light_page_next_query() for a paginated operation, else is null. Failures reject with the classes of
 * node/errors.js; argument errors reject with a TypeError before any I/O.
 * While a call is pending the client's JS object is strongly referenced
 * (the core requires the light_client to outlive its requests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "light_node.h"

typedef struct ln_client {
  light_node_env *e;
  light_client *client;  /* NULL once closed */
  napi_ref self;         /* weak (0) when idle, >0 while calls are pending */
  light_node_call *head; /* pending calls */
  uint32_t pending;
} ln_client;

/* ---- per-call arguments ------------------------------------------------- */

/* A call's arguments are a light_args (light/args.h): the core's argument
 * rule routes, validates and copies them; this file only walks JS values. */

/* A call: pending in its client's list from submit to completion; while
 * the environment has LN_MAX_INFLIGHT calls in the engine it waits in the
 * environment's admission queue, owning its arguments. */
struct light_node_call {
  ln_client *c;
  napi_deferred deferred;
  light_async_request *handle; /* NULL while queued */
  light_args *args;            /* owned until submitted (the engine copies) */
  cJSON *query;                /* kept for paginated operations (next-page query) */
  int paginated;
  int queued;
  uint32_t id;
  light_node_call *prev, *next; /* client's pending list */
  light_node_call *qnext;       /* environment's admission queue */
};

/* ---- helpers ------------------------------------------------------------ */

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (!v || napi_typeof(env, v, &t) != napi_ok) return 1;
  return t == napi_undefined || t == napi_null;
}

static napi_value str_or_null(napi_env env, const char *s) {
  napi_value v;
  if (s)
    napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  else
    napi_get_null(env, &v);
  return v;
}

static ln_client *unwrap(napi_env env, napi_value self) {
  ln_client *c = NULL;
  if (napi_unwrap(env, self, (void **)&c) != napi_ok) return NULL;
  return c;
}

static void link_call(ln_client *c, light_node_call *k) {
  k->next = c->head;
  k->prev = NULL;
  if (c->head) c->head->prev = k;
  c->head = k;
  if (c->pending++ == 0) napi_reference_ref(c->e->env, c->self, NULL);
}

static void unlink_call(ln_client *c, light_node_call *k, int touch_js) {
  if (k->prev)
    k->prev->next = k->next;
  else
    c->head = k->next;
  if (k->next) k->next->prev = k->prev;
  k->prev = k->next = NULL;
  if (--c->pending == 0 && touch_js) napi_reference_unref(c->e->env, c->self, NULL);
}

static void call_free(light_node_call *k) {
  light_args_free(k->args);
  cJSON_Delete(k->query);
  free(k);
}

static void pump(light_node_env *e);

/* ---- completion ----------------------------------------------------------- */

/* [status, raw header block, request id | null, retries]: node/index.js turns
 * it into the result's non-enumerable lastResponse (headers parsed lazily). */
static napi_value response_meta(napi_env env, const light_response *resp) {
  napi_value meta, x;
  napi_create_array_with_length(env, 4, &meta);
  napi_create_int32(env, light_response_status(resp), &x);
  napi_set_element(env, meta, 0, x);
  size_t hlen = 0;
  const char *h = light_response_headers(resp, &hlen);
  napi_create_string_utf8(env, h ? h : "", h ? hlen : 0, &x);
  napi_set_element(env, meta, 1, x);
  napi_set_element(env, meta, 2, str_or_null(env, light_response_request_id(resp)));
  napi_create_int32(env, light_response_retries(resp), &x);
  napi_set_element(env, meta, 3, x);
  return meta;
}

/* [json ({} for an empty body), nextQuery | null, meta] of a completed call;
 * NULL with the exception pending (a pagination error is thrown). */
static napi_value result(napi_env env, light_node_call *k, light_response *resp) {
  napi_value v = NULL, nq, triple;
  size_t blen = 0;
  const char *body = light_response_body(resp, &blen);
  if (!blen)
    napi_create_object(env, &v);
  else if (!(v = light_node__decode_or_throw(env, body, blen, "response body", 1))) /* the exchange validated it */
    return NULL;
  napi_get_null(env, &nq);
  if (k->paginated) {
    cJSON *next = NULL;
    light_error derr = LIGHT_ERROR_INIT;
    int more = light_page_next_query(&next, resp, k->query, &derr);
    if (more < 0) return light_node__throw_error(env, &derr);
    if (more == 1 && next) nq = light_node__decode_cjson(env, next);
    cJSON_Delete(next);
  }
  napi_create_array_with_length(env, 3, &triple);
  napi_set_element(env, triple, 0, v);
  napi_set_element(env, triple, 1, nq);
  napi_set_element(env, triple, 2, response_meta(env, resp));
  return triple;
}

static void on_done(void *ud, light_status st, light_response *resp, const light_error *err) {
  light_node_call *k = ud;
  ln_client *c = k->c;
  light_node_env *e = c->e;
  if (e->inflight) e->inflight--;
  if (e->closing) {
    /* environment teardown: no JS may run; the deferred dies with the env */
    unlink_call(c, k, 0);
    light_response_free(resp);
    call_free(k);
    return;
  }
  unlink_call(c, k, 1);
  light_node__enter_js(e);
  napi_env env = e->env;
  napi_value v = st == LIGHT_OK ? result(env, k, resp) : light_node__error_value(env, err);
  light_response_free(resp);
  bool pending = false;
  if (!v && napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_get_and_clear_last_exception(env, &v); /* thrown while building the result: the call rejects with it */
    st = LIGHT_E_INTERNAL;
  }
  if (st == LIGHT_OK)
    napi_resolve_deferred(env, k->deferred, v);
  else
    napi_reject_deferred(env, k->deferred, v);
  call_free(k);
  pump(e);
}

/* ---- admission ------------------------------------------------------------ */

/* Hand @p k to the engine. On failure the caller rejects and frees it. */
static light_status start_call(light_node_call *k, light_error *err) {
  light_node_env *e = k->c->e;
  light_status st;
  if (!k->c->client) return light_error_set(err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, NULL, "client is closed");
  st = light_engine_submit_args(&k->handle, e->engine, k->c->client, k->args, on_done, k, err);
  if (st != LIGHT_OK) return st;
  e->inflight++;
  k->queued = 0;
  if (k->paginated && light_args_query(k->args)) {
    k->query = cJSON_Duplicate(light_args_query(k->args), 1); /* light_page_next_query() copies it forward */
  }
  light_args_free(k->args); /* the engine copied what it needs */
  k->args = NULL;
  return LIGHT_OK;
}

/* Reject a call that never reached the engine (unlinks and frees it). */
static void fail_call(light_node_call *k, const light_error *err) {
  light_node_env *e = k->c->e;
  unlink_call(k->c, k, 1);
  light_node__enter_js(e);
  napi_reject_deferred(e->env, k->deferred, light_node__error_value(e->env, err));
  call_free(k);
}

static void queue_remove(light_node_env *e, light_node_call *k) {
  light_node_call **pp = &e->q_head, *prev = NULL;
  while (*pp && *pp != k) {
    prev = *pp;
    pp = &(*pp)->qnext;
  }
  if (!*pp) return;
  *pp = k->qnext;
  if (e->q_tail == k) e->q_tail = prev;
  k->qnext = NULL;
}

static void pump(light_node_env *e) {
  while (!e->closing && e->engine && e->q_head && e->inflight < LN_MAX_INFLIGHT) {
    light_node_call *k = e->q_head;
    queue_remove(e, k);
    light_error err = LIGHT_ERROR_INIT;
    if (start_call(k, &err) != LIGHT_OK) fail_call(k, &err);
    light_error_clear(&err);
  }
}

/* Cancel one pending call: a queued one is rejected here, an engine one by
 * light_engine_cancel() (its completion runs now). */
static void cancel_call(light_node_env *e, light_node_call *k) {
  if (k->queued) {
    light_error err = LIGHT_ERROR_INIT;
    queue_remove(e, k);
    light_error_set(&err, LIGHT_E_CANCELLED, LIGHT_ERR_LIGHT, NULL, "request cancelled");
    fail_call(k, &err);
    light_error_clear(&err);
  } else if (e->engine) {
    light_engine_cancel(e->engine, k->handle);
  }
}

void light_node__drop_queue(light_node_env *e) {
  while (e->q_head) {
    light_node_call *k = e->q_head;
    queue_remove(e, k);
    unlink_call(k->c, k, 0);
    call_free(k);
  }
}

static int is_binary(napi_env env, napi_value v) {
  bool is = false;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) == napi_ok && t == napi_string) return 1;
  return napi_is_typedarray(env, v, &is) == napi_ok && is; /* a Buffer is a Uint8Array */
}

/* Walk (path values, params, options) into a new light_args: op call when
 * @p op_id, else raw (then @p params is the request options object). */
static light_args *build_args(napi_env env, const char *op_id, const char *method, size_t ml, const char *path,
                              size_t pl, napi_value pathv, napi_value params, napi_value options) {
  light_args *a = NULL;
  unsigned flags = LIGHT_ARGS_TIMEOUT_MS | LIGHT_ARGS_NUMBERS_ARE_DOUBLES | LIGHT_ARGS_SEPARATE_OPTIONS;
  light_status st = op_id ? light_args_new(&a, op_id, flags) : light_args_new_raw(&a, method, ml, path, pl, flags);
  if (!a) return NULL;
  if (st != LIGHT_OK) return a;
  napi_valuetype t;
  if (op_id && !is_nullish(env, pathv)) {
    bool is = false;
    uint32_t n = 0;
    if (napi_is_array(env, pathv, &is) != napi_ok || !is) {
      light_args_fail(a, "path_params", "path parameters must be an array");
      return a;
    }
    napi_get_array_length(env, pathv, &n);
    for (uint32_t i = 0; i < n && st == LIGHT_OK; i++) {
      napi_value el;
      napi_get_element(env, pathv, i, &el);
      napi_typeof(env, el, &t);
      if (t == napi_undefined && i + 1 == n) break; /* fewer positional values than slots */
      st = light_node__args_value(env, a, el);
    }
  }
  if (st == LIGHT_OK) st = light_args_section(a, LIGHT_ARGS_PARAMS);
  if (st == LIGHT_OK && !is_nullish(env, params)) {
    const light_operation *op = op_id ? light_operation_find(op_id) : NULL;
    bool is = false;
    napi_typeof(env, params, &t);
    if (op && op->body == LIGHT_BODY_MULTIPART && is_binary(env, params)) {
      /* upload(file) sugar: the content itself */
      if (light_args_key(a, "file", 4) == LIGHT_OK) light_node__args_value(env, a, params);
    } else if (t != napi_object || (napi_is_array(env, params, &is) == napi_ok && is)) {
      light_args_fail(a, "params", op ? "params must be an object" : "request options must be an object");
    } else {
      light_node__args_members(env, a, params, op ? NULL : "signal");
    }
  }
  if (light_args_error(a, NULL) == LIGHT_OK && !is_nullish(env, options)) {
    napi_typeof(env, options, &t);
    if (t != napi_object) {
      light_args_fail(a, "options", "options must be an object");
    } else if (light_args_section(a, LIGHT_ARGS_OPTIONS) == LIGHT_OK) {
      light_node__args_members(env, a, options, "signal");
    }
  }
  light_args_finish(a);
  return a;
}

/* Shared by call() and request(): the returned Promise is rejected at once
 * (before any I/O) on argument errors; nothing here throws. */
static napi_value submit(napi_env env, napi_value self, int paginated, light_args *args, napi_value ticket) {
  ln_client *c = unwrap(env, self);
  napi_value promise, ex;
  napi_deferred deferred;
  light_error err = LIGHT_ERROR_INIT;
  if (napi_create_promise(env, &deferred, &promise) != napi_ok) {
    light_args_free(args);
    return NULL;
  }
  light_status st = args && (!c || !c->client)
                        ? light_error_set(&err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, NULL, "client is closed")
                        : light_args_error(args, &err); /* NULL args: out of memory */
  if (st == LIGHT_OK && !light_node__engine(c->e)) {
    napi_get_and_clear_last_exception(env, &ex);
    light_args_free(args);
    napi_reject_deferred(env, deferred, ex);
    return promise;
  }
  light_node_call *k = NULL;
  if (st == LIGHT_OK && !(k = calloc(1, sizeof *k)))
    st = light_error_set(&err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, NULL, NULL);
  light_node_env *e = c ? c->e : NULL;
  if (k) {
    k->c = c;
    k->deferred = deferred;
    k->paginated = paginated;
    k->id = ++e->next_call_id;
    k->args = args; /* the call owns its (copied) arguments from here on */
    if (!e->q_head && e->inflight < LN_MAX_INFLIGHT) {
      st = start_call(k, &err); /* the common case: straight to the engine */
    } else {
      k->queued = 1; /* admission queue: the engine already has LN_MAX_INFLIGHT calls */
      if (e->q_tail)
        e->q_tail->qnext = k;
      else
        e->q_head = k;
      e->q_tail = k;
    }
  }
  if (st != LIGHT_OK) {
    if (k)
      call_free(k);
    else
      light_args_free(args);
    napi_reject_deferred(env, deferred, light_node__error_value(env, &err));
    light_error_clear(&err);
    return promise;
  }
  link_call(c, k);
  if (ticket && !is_nullish(env, ticket)) {
    napi_value id;
    napi_create_uint32(env, k->id, &id);
    napi_set_named_property(env, ticket, "id", id);
  }
  light_node__engine_update_ref(e);
  return promise;
}

/* ---- JS methods ------------------------------------------------------------- */

/* client.call(opId, pathParams, params, options, ticket) → Promise (missing arguments are undefined) */
static napi_value js_call(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], self;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  char op_id[64] = "";
  size_t n = 0;
  if (t == napi_string) napi_get_value_string_utf8(env, argv[0], op_id, sizeof op_id, &n);
  const light_operation *op = light_operation_find(op_id);
  light_args *a = build_args(env, op_id, NULL, 0, NULL, 0, argv[1], argv[2], argv[3]);
  return submit(env, self, op && op->paginated, a, argv[4]);
}

/* client.request(method, path, options, ticket) → Promise; options = {query, body, headers, timeout, maxRetries} */
static napi_value js_request(napi_env env, napi_callback_info info) {
  size_t argc = 4, ml = 0, pl = 0;
  napi_value argv[4], self;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  napi_valuetype t1, t2;
  napi_typeof(env, argv[0], &t1);
  napi_typeof(env, argv[1], &t2);
  char *method = t1 == napi_string ? light_node__string(env, argv[0], &ml) : NULL;
  char *path = t2 == napi_string ? light_node__string(env, argv[1], &pl) : NULL;
  light_args *a = NULL; /* NULL: out of memory */
  if (method && path) {
    a = build_args(env, NULL, method, ml, path, pl, NULL, argv[2], NULL);
  } else if (t1 != napi_string || t2 != napi_string) {
    if (light_args_new_raw(&a, "GET", 3, "/", 1, 0) == LIGHT_OK || a)
      light_args_fail(a, "path", "request(method, path): method and path must be strings");
  }
  free(method);
  free(path);
  return submit(env, self, 0, a, argv[3]);
}

static napi_value js_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, result;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  ln_client *c = unwrap(env, self);
  uint32_t id = 0;
  bool found = false;
  if (argc >= 1) napi_get_value_uint32(env, argv[0], &id);
  if (c && c->e->engine) {
    for (light_node_call *k = c->head; k; k = k->next) {
      if (k->id == id) {
        found = true;
        cancel_call(c->e, k); /* completes (rejects) now */
        break;
      }
    }
    light_node__engine_update_ref(c->e);
  }
  napi_get_boolean(env, found, &result);
  return result;
}

static void cancel_all(ln_client *c) {
  while (c->head && c->e->engine) cancel_call(c->e, c->head);
  light_node__engine_update_ref(c->e);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value self;
  LN_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  ln_client *c = unwrap(env, self);
  if (c && c->client) {
    cancel_all(c);
    light_client_free(c->client);
    c->client = NULL;
  }
  return NULL;
}

static napi_value js_pending(napi_env env, napi_callback_info info) {
  napi_value self, v;
  LN_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  ln_client *c = unwrap(env, self);
  napi_create_uint32(env, c ? c->pending : 0, &v);
  return v;
}

static napi_value js_base_url(napi_env env, napi_callback_info info) {
  napi_value self;
  LN_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  ln_client *c = unwrap(env, self);
  return str_or_null(env, c && c->client ? light_client_base_url(c->client) : NULL);
}

static napi_value js_account_uuid(napi_env env, napi_callback_info info) {
  napi_value self;
  LN_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  ln_client *c = unwrap(env, self);
  return str_or_null(env, c && c->client ? light_client_account_uuid(c->client) : NULL);
}

static napi_value js_can(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, v;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  ln_client *c = unwrap(env, self);
  char kind[16] = "";
  size_t n = 0;
  if (argc >= 1) napi_get_value_string_utf8(env, argv[0], kind, sizeof kind, &n);
  light_auth_kind k = strcmp(kind, "app") == 0       ? LIGHT_AUTH_APP
                      : strcmp(kind, "account") == 0 ? LIGHT_AUTH_ACCOUNT
                                                     : LIGHT_AUTH_NONE;
  napi_get_boolean(env, c && c->client && light_client_can(c->client, k), &v);
  return v;
}

/* ---- construction --------------------------------------------------------- */

static void client_finalize(napi_env env, void *data, void *hint) {
  ln_client *c = data;
  (void)hint;
  if (!c) return;
  if (c->head && c->e->engine && !c->e->closing) cancel_all(c);
  light_client_free(c->client);
  if (c->self) napi_delete_reference(env, c->self);
  free(c);
}

/* Wrap @p lc (taken) into @p self. */
static napi_value wrap(napi_env env, napi_value self, light_client *lc) {
  ln_client *c = calloc(1, sizeof *c);
  if (!c) {
    light_client_free(lc);
    napi_throw_error(env, NULL, "light-sdk: out of memory");
    return NULL;
  }
  c->e = light_node__env(env);
  c->client = lc;
  if (napi_wrap(env, self, c, client_finalize, NULL, NULL) != napi_ok) {
    light_client_free(lc);
    free(c);
    light_node__throw_last(env, "napi_wrap");
    return NULL;
  }
  LN_CALL(env, napi_create_reference(env, self, 0, &c->self));
  return self;
}

/* Options and overrides are record arguments walked by convert.c: camelCase
 * names, numbers in the table's unit (timeouts in milliseconds). */
#define LN_OPTION_FLAGS (LIGHT_ARGS_CAMEL_NAMES | LIGHT_ARGS_TIMEOUT_MS | LIGHT_ARGS_NUMBERS_ARE_DOUBLES)

/* new Client(options): the core checks every name and value (light_args_client_options()). */
static napi_value js_construct(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2] = {NULL, NULL}, self;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);

  /* internal: new Client(parentExternal... ) is not exposed; forAccount uses an External */
  if (t == napi_external) {
    light_client *lc = NULL;
    napi_get_value_external(env, argv[0], (void **)&lc);
    return wrap(env, self, lc);
  }
  light_args *a = light_node__record(env, LIGHT_ARGS_CLIENT_OPTIONS, LN_OPTION_FLAGS, argv[0], 0, NULL);
  if (!a) return NULL;
  light_client_options opts;
  light_client_options_init(&opts, LIGHT_CLIENT_OPTIONS_VERSION);
  char runtime[48]; /* the User-Agent's runtime part, as process.versions.node spells it: "node/20.11.1" */
  const napi_node_version *nv = NULL;
  if (napi_get_node_version(env, &nv) == napi_ok && nv) {
    snprintf(runtime, sizeof runtime, "node/%u.%u.%u", nv->major, nv->minor, nv->patch);
    opts.user_agent_runtime = runtime;
  }
  light_client *lc = NULL;
  light_error err = LIGHT_ERROR_INIT;
  if (light_args_client_options(a, &opts) == LIGHT_OK) /* finished: cannot fail */
    light_client_new(&lc, &opts, &err);
  else
    light_error_set(&err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, NULL, NULL);
  light_args_free(a); /* the option strings (tokens) are borrowed from it until here; it wipes them */
  return lc ? wrap(env, self, lc) : light_node__throw_error(env, &err);
}

/* checkOption(jsName, value): throws the core's TypeError when value is not
 * valid for that option (a one-member options record). */
napi_value light_node__check_option(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], obj;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_create_object(env, &obj) != napi_ok ||
      napi_set_property(env, obj, argv[0], argv[1]) != napi_ok) {
    napi_throw_type_error(env, NULL, "checkOption(name, value)");
    return NULL;
  }
  light_args_free(light_node__record(env, LIGHT_ARGS_CLIENT_OPTIONS, LN_OPTION_FLAGS, obj, 0, NULL));
  return NULL;
}

/* A new JS Client around the core client @p lc (taken over; freed on failure). */
static napi_value wrap_core_client(napi_env env, light_client *lc, const char *what) {
  light_node_env *e = light_node__env(env);
  napi_value ctor, ext, out;
  if (napi_get_reference_value(env, e->client_ctor, &ctor) != napi_ok ||
      napi_create_external(env, lc, NULL, NULL, &ext) != napi_ok ||
      napi_new_instance(env, ctor, 1, &ext, &out) != napi_ok) {
    light_client_free(lc);
    light_node__throw_last(env, what);
    return NULL;
  }
  return out;
}

static napi_value js_for_account(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  ln_client *c = unwrap(env, self);
  light_error err = LIGHT_ERROR_INIT;
  light_client *ac = NULL;
  size_t ulen = 0;
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);
  char *uuid = t == napi_string ? light_node__string(env, argv[0], &ulen) : NULL;
  if (!uuid) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "forAccount(accountUuid): accountUuid must be a string");
    return NULL;
  }
  if (!c || !c->client) /* a LightError, like every closed-client call */
    light_error_set(&err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, NULL, "client is closed");
  else /* the core refuses a NUL, "." and control characters */
    light_client_for_account_n(&ac, c->client, uuid, ulen, &err);
  free(uuid);
  return ac ? wrap_core_client(env, ac, "forAccount") : light_node__throw_error(env, &err);
}

/* withOptions({timeout, connectTimeout, maxRetries, appInfo}) → Client sharing
 * this one's pool and token cache (light_client_with_options). node/index.js
 * formats appInfo; the core checks names, types and values (light_args_client_overrides()). */
static napi_value js_with_options(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1] = {NULL}, self;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  ln_client *c = unwrap(env, self);
  light_error err = LIGHT_ERROR_INIT;
  light_client *lc = NULL;
  light_client_overrides o;
  light_client_overrides_init(&o);
  light_args *a = light_node__record(env, LIGHT_ARGS_CLIENT_OVERRIDES, LN_OPTION_FLAGS, argv[0], 0, NULL);
  if (!a) return NULL;
  if (!c || !c->client)
    light_error_set(&err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, NULL, "client is closed");
  else if (light_args_client_overrides(a, &o) != LIGHT_OK) /* finished: cannot fail */
    light_error_set(&err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, NULL, NULL);
  else
    light_client_with_options(&lc, c->client, &o, &err); /* app_info borrowed from a */
  light_args_free(a);
  return lc ? wrap_core_client(env, lc, "withOptions") : light_node__throw_error(env, &err);
}

napi_value light_node__define_client(napi_env env) {
  napi_property_descriptor methods[] = {
      {"call", NULL, js_call, NULL, NULL, NULL, napi_default, NULL},
      {"request", NULL, js_request, NULL, NULL, NULL, napi_default, NULL},
      {"cancel", NULL, js_cancel, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"forAccount", NULL, js_for_account, NULL, NULL, NULL, napi_default, NULL},
      {"withOptions", NULL, js_with_options, NULL, NULL, NULL, napi_default, NULL},
      {"can", NULL, js_can, NULL, NULL, NULL, napi_default, NULL},
      {"pending", NULL, NULL, js_pending, NULL, NULL, napi_default, NULL},
      {"baseURL", NULL, NULL, js_base_url, NULL, NULL, napi_default, NULL},
      {"accountUuid", NULL, NULL, js_account_uuid, NULL, NULL, napi_default, NULL},
  };
  napi_value cls;
  LN_CALL(env, napi_define_class(env, "Client", NAPI_AUTO_LENGTH, js_construct, NULL,
                                 sizeof methods / sizeof methods[0], methods, &cls));
  light_node_env *e = light_node__env(env);
  LN_CALL(env, napi_create_reference(env, cls, 1, &e->client_ctor));
  return cls;
}
