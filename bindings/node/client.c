/* Client: a light_client wrapped in a JS object; calls return Promises
 * completed by the environment's async engine (engine.c).
 *
 *   new Client(options)                      app and/or account token client
 *   client.forAccount(uuid) → Client         account scope, tokens managed by the core
 *   client.call(opId, pathParams, query, body, file, timeoutMs, maxRetries, ticket) → Promise
 *   client.request(method, path, query, body, timeoutMs, maxRetries, ticket) → Promise
 *   client.cancel(id) → bool                 AbortSignal support (ticket.id)
 *   client.close()                           cancel pending calls, free the core client
 *
 * A call resolves with the response JSON ({} for an empty body); for a
 * paginated operation with [json, nextQuery | null] where nextQuery comes
 * from light_page_next_query(). Failures reject with the classes of
 * node/errors.js; argument errors reject with a TypeError before any I/O.
 * While a call is pending the client's JS object is strongly referenced
 * (the core requires the light_client to outlive its requests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "light_node.h"

typedef struct ln_client {
  light_node_env *e;
  light_client *client; /* NULL once closed */
  napi_ref self;        /* weak (0) when idle, >0 while calls are pending */
  light_node_call *head;/* pending calls */
  uint32_t pending;
} ln_client;

/* ---- per-call arguments ------------------------------------------------- */

typedef struct call_args {
  light_params params;
  char **path_values;
  size_t n_path;
  cJSON *query;
  cJSON *body;
  light_file file;
  char *file_copy;   /* string content copied to UTF-8 */
  char *filename;
  char *content_type;
  char *field;
} call_args;

/* A call: pending in its client's list from submit to completion; while
 * the environment has LN_MAX_INFLIGHT calls in the engine it waits in the
 * environment's admission queue, owning its arguments. */
struct light_node_call {
  ln_client *c;
  napi_deferred deferred;
  light_async_request *handle; /* NULL while queued */
  call_args a;                 /* owned while queued; released at submission */
  char op_id[64];              /* "" for a raw request */
  char *method, *path;         /* raw request */
  cJSON *query;                /* kept for paginated operations (next-page query) */
  int paginated;
  int queued;
  uint32_t id;
  light_node_call *prev, *next; /* client's pending list */
  light_node_call *qnext;       /* environment's admission queue */
};

/* ---- helpers ------------------------------------------------------------ */

static light_status set_invalid(light_error *err, const char *param, const char *msg) {
  light_error_clear(err);
  err->code = LIGHT_E_INVALID_ARGUMENT;
  err->kind = LIGHT_ERR_INVALID_ARGUMENT;
  err->param = param;
  err->message = malloc(strlen(msg) + 1);
  if (err->message) strcpy(err->message, msg);
  return LIGHT_E_INVALID_ARGUMENT;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (!v || napi_typeof(env, v, &t) != napi_ok) return 1;
  return t == napi_undefined || t == napi_null;
}

static double opt_number(napi_env env, napi_value v, double dflt) {
  napi_valuetype t;
  double d = dflt;
  if (v && napi_typeof(env, v, &t) == napi_ok && t == napi_number) napi_get_value_double(env, v, &d);
  return d;
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
  if (k->prev) k->prev->next = k->next;
  else c->head = k->next;
  if (k->next) k->next->prev = k->prev;
  k->prev = k->next = NULL;
  if (--c->pending == 0 && touch_js) napi_reference_unref(c->e->env, c->self, NULL);
}

static void args_free(call_args *a);

static void call_free(light_node_call *k) {
  args_free(&k->a);
  cJSON_Delete(k->query);
  free(k->method);
  free(k->path);
  free(k);
}

static void pump(light_node_env *e);

/* ---- completion ----------------------------------------------------------- */

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
  napi_value v = NULL;
  if (st == LIGHT_OK) {
    size_t blen = 0;
    const char *body = light_response_body(resp, &blen);
    if (blen) {
      v = light_node__decode_or_throw(env, body, blen, "response body", 1); /* the exchange validated it */
      if (!v) {
        napi_value ex = NULL;
        napi_get_and_clear_last_exception(env, &ex);
        napi_reject_deferred(env, k->deferred, ex);
        light_response_free(resp);
        call_free(k);
        pump(e);
        return;
      }
    } else {
      napi_create_object(env, &v);
    }
    if (k->paginated) {
      cJSON *next = NULL;
      int more = light_page_next_query(resp, k->query, &next);
      if (more < 0) {
        light_error derr = LIGHT_ERROR_INIT;
        derr.code = (light_status)more;
        derr.kind = LIGHT_ERR_DECODE;
        derr.http_status = light_response_status(resp);
        const char *m = "the response of a paginated operation is not a list envelope";
        derr.message = malloc(strlen(m) + 1);
        if (derr.message) strcpy(derr.message, m);
        napi_reject_deferred(env, k->deferred, light_node__error_value(env, &derr));
        light_error_clear(&derr);
        light_response_free(resp);
        call_free(k);
        pump(e);
        return;
      }
      napi_value pair, nq;
      napi_create_array_with_length(env, 2, &pair);
      napi_set_element(env, pair, 0, v);
      if (more == 1 && next)
        nq = light_node__decode_cjson(env, next);
      else
        napi_get_null(env, &nq);
      napi_set_element(env, pair, 1, nq);
      cJSON_Delete(next);
      v = pair;
    }
    light_response_free(resp);
    napi_resolve_deferred(env, k->deferred, v);
  } else {
    light_response_free(resp);
    v = light_node__error_value(env, err);
    if (!v) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) napi_get_and_clear_last_exception(env, &v);
    }
    napi_reject_deferred(env, k->deferred, v);
  }
  call_free(k);
  pump(e);
}

/* ---- admission ------------------------------------------------------------ */

/* Hand @p k to the engine. On failure the caller rejects and frees it. */
static light_status start_call(light_node_call *k, light_error *err) {
  light_node_env *e = k->c->e;
  light_status st;
  if (!k->c->client) {
    err->code = LIGHT_E_STATE;
    err->kind = LIGHT_ERR_LIGHT;
    return LIGHT_E_STATE;
  }
  if (k->op_id[0])
    st = light_engine_submit(e->engine, k->c->client, k->op_id, &k->a.params, on_done, k, &k->handle, err);
  else
    st = light_engine_submit_raw(e->engine, k->c->client, k->method, k->path, &k->a.params, on_done, k, &k->handle,
                                 err);
  if (st != LIGHT_OK) return st;
  e->inflight++;
  k->queued = 0;
  if (k->paginated) {
    k->query = k->a.query; /* light_page_next_query() copies it forward */
    k->a.query = NULL;
  }
  args_free(&k->a); /* the engine copied what it needs */
  memset(&k->a, 0, sizeof k->a);
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

static void cancelled(light_error *err) {
  const char *m = "request cancelled";
  err->code = LIGHT_E_CANCELLED;
  err->kind = LIGHT_ERR_LIGHT;
  err->message = malloc(strlen(m) + 1);
  if (err->message) strcpy(err->message, m);
}

/* Cancel one pending call: a queued one is rejected here, an engine one by
 * light_engine_cancel() (its completion runs now). */
static void cancel_call(light_node_env *e, light_node_call *k) {
  if (k->queued) {
    light_error err = LIGHT_ERROR_INIT;
    queue_remove(e, k);
    cancelled(&err);
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

static void args_free(call_args *a) {
  for (size_t i = 0; i < a->n_path; i++) free(a->path_values[i]);
  free(a->path_values);
  cJSON_Delete(a->query);
  light_json_delete_wiped(a->body); /* credit_check bodies carry an SSN */
  free(a->file_copy);
  free(a->filename);
  free(a->content_type);
  free(a->field);
}

static light_status read_file(napi_env env, napi_value v, call_args *a, light_error *err) {
  napi_value data;
  bool is = false;
  napi_valuetype t;
  if (napi_get_named_property(env, v, "data", &data) != napi_ok) return set_invalid(err, "file", "bad file");
  napi_typeof(env, data, &t);
  if (t == napi_string) {
    size_t n = 0;
    a->file_copy = light_node__string(env, data, &n);
    if (!a->file_copy) return set_invalid(err, "file", "out of memory");
    a->file.data = a->file_copy;
    a->file.len = n;
  } else if ((napi_is_buffer(env, data, &is) == napi_ok && is)) {
    void *d = NULL;
    size_t n = 0;
    napi_get_buffer_info(env, data, &d, &n);
    a->file.data = d ? d : "";
    a->file.len = n;
  } else if (napi_is_typedarray(env, data, &is) == napi_ok && is) {
    napi_typedarray_type tt;
    size_t n = 0, off = 0;
    void *d = NULL;
    napi_value ab;
    napi_get_typedarray_info(env, data, &tt, &n, &d, &ab, &off);
    if (tt != napi_uint8_array) return set_invalid(err, "file", "file must be a Buffer, Uint8Array or string");
    a->file.data = d ? d : "";
    a->file.len = n;
  } else {
    return set_invalid(err, "file", "file must be a Buffer, Uint8Array or string");
  }
  if (light_node__get_string_prop(env, v, "filename", &a->filename) != 0 ||
      light_node__get_string_prop(env, v, "contentType", &a->content_type) != 0 ||
      light_node__get_string_prop(env, v, "field", &a->field) != 0) {
    napi_value ex;
    napi_get_and_clear_last_exception(env, &ex);
    return set_invalid(err, "file", "filename, contentType and field must be strings");
  }
  a->file.filename = a->filename;
  a->file.content_type = a->content_type;
  a->file.field = a->field;
  a->params.file = &a->file;
  return LIGHT_OK;
}

/* argv: pathParams, query, body, file, timeoutMs, maxRetries */
static light_status read_args(napi_env env, napi_value *argv, int with_path_params, call_args *a, light_error *err) {
  light_params init = LIGHT_PARAMS_INIT;
  a->params = init;
  if (with_path_params && !is_nullish(env, argv[0])) {
    bool is = false;
    uint32_t n = 0;
    napi_is_array(env, argv[0], &is);
    if (!is) return set_invalid(err, "path_params", "path parameters must be an array of strings");
    napi_get_array_length(env, argv[0], &n);
    a->path_values = calloc(n ? n : 1, sizeof *a->path_values);
    if (!a->path_values) return set_invalid(err, "path_params", "out of memory");
    for (uint32_t i = 0; i < n; i++) {
      napi_value el;
      napi_valuetype t;
      napi_get_element(env, argv[0], i, &el);
      napi_typeof(env, el, &t);
      if (t != napi_string) return set_invalid(err, "path_params", "path parameters must be strings");
      a->path_values[i] = light_node__string(env, el, NULL);
      if (!a->path_values[i]) return set_invalid(err, "path_params", "out of memory");
      a->n_path++;
    }
    a->params.path_params = (const char *const *)a->path_values;
    a->params.n_path_params = a->n_path;
  }
  napi_valuetype t;
  if (!is_nullish(env, argv[1])) {
    napi_typeof(env, argv[1], &t);
    if (t != napi_object) return set_invalid(err, "query", "query must be an object");
    if (!(a->query = light_node__to_json(env, argv[1], "query", err))) return err->code;
    a->params.query = a->query;
  }
  if (!is_nullish(env, argv[2])) {
    napi_typeof(env, argv[2], &t);
    if (t != napi_object) return set_invalid(err, "body", "body must be an object");
    if (!(a->body = light_node__to_json(env, argv[2], "body", err))) return err->code;
    a->params.body = a->body;
  }
  if (!is_nullish(env, argv[3])) {
    napi_typeof(env, argv[3], &t);
    if (t != napi_object) return set_invalid(err, "file", "file must be an object {data, filename, contentType}");
    light_status st = read_file(env, argv[3], a, err);
    if (st != LIGHT_OK) return st;
  }
  double timeout = opt_number(env, argv[4], 0);
  if (timeout < 0) return set_invalid(err, "timeout", "timeout must be a non-negative number of milliseconds");
  a->params.timeout_ms = (long)timeout;
  double retries = opt_number(env, argv[5], -1);
  a->params.max_retries = retries < 0 ? -1 : (int)retries;
  return LIGHT_OK;
}

/* Shared by call() and request(): the returned Promise is rejected at once
 * (before any I/O) on argument errors. */
static napi_value submit(napi_env env, napi_value self, const char *op_id, const char *method, const char *path,
                         napi_value *argv, napi_value ticket) {
  ln_client *c = unwrap(env, self);
  napi_value promise;
  napi_deferred deferred;
  LN_CALL(env, napi_create_promise(env, &deferred, &promise));
  light_error err = LIGHT_ERROR_INIT;
  call_args a;
  memset(&a, 0, sizeof a);
  light_status st = LIGHT_OK;
  const light_operation *op = NULL;
  if (!c || !c->client) {
    err.code = st = LIGHT_E_STATE;
    err.kind = LIGHT_ERR_LIGHT;
    const char *m = "client is closed";
    err.message = malloc(strlen(m) + 1);
    if (err.message) strcpy(err.message, m);
  }
  if (st == LIGHT_OK && op_id && !(op = light_operation_find(op_id)))
    st = set_invalid(&err, "operation", "unknown operation");
  if (st == LIGHT_OK) st = read_args(env, argv, op_id != NULL, &a, &err);
  light_engine *engine = NULL;
  if (st == LIGHT_OK) {
    engine = light_node__engine(c->e);
    if (!engine) {
      napi_value ex;
      napi_get_and_clear_last_exception(env, &ex);
      args_free(&a);
      napi_reject_deferred(env, deferred, ex);
      return promise;
    }
  }
  light_node_call *k = NULL;
  if (st == LIGHT_OK && !(k = calloc(1, sizeof *k))) {
    err.code = st = LIGHT_E_NOMEM;
    err.kind = LIGHT_ERR_LIGHT;
  }
  if (st == LIGHT_OK && !op_id && (!(k->method = strdup(method)) || !(k->path = strdup(path)))) {
    err.code = st = LIGHT_E_NOMEM;
    err.kind = LIGHT_ERR_LIGHT;
  }
  if (st != LIGHT_OK) {
    args_free(&a);
    if (k) call_free(k);
    napi_reject_deferred(env, deferred, light_node__error_value(env, &err));
    light_error_clear(&err);
    return promise;
  }
  light_node_env *e = c->e;
  k->c = c;
  k->deferred = deferred;
  k->paginated = op && op->paginated;
  k->id = ++e->next_call_id;
  if (op_id) snprintf(k->op_id, sizeof k->op_id, "%s", op_id);
  /* the call owns the arguments from here on */
  k->a = a;
  memset(&a, 0, sizeof a);
  if (k->a.params.file) k->a.params.file = &k->a.file;
  if (!e->q_head && e->inflight < LN_MAX_INFLIGHT) {
    /* the common case: straight to the engine, which validates now */
    st = start_call(k, &err);
    if (st != LIGHT_OK) {
      call_free(k);
      napi_reject_deferred(env, deferred, light_node__error_value(env, &err));
      light_error_clear(&err);
      return promise;
    }
  } else {
    /* Admission queue: the engine already has LN_MAX_INFLIGHT calls. A
     * Buffer file is borrowed only for this JS call, so copy it. */
    if (k->a.params.file && !k->a.file_copy && k->a.file.len) {
      k->a.file_copy = malloc(k->a.file.len);
      if (!k->a.file_copy) {
        call_free(k);
        err.code = LIGHT_E_NOMEM;
        err.kind = LIGHT_ERR_LIGHT;
        napi_reject_deferred(env, deferred, light_node__error_value(env, &err));
        return promise;
      }
      memcpy(k->a.file_copy, k->a.file.data, k->a.file.len);
      k->a.file.data = k->a.file_copy;
    }
    k->queued = 1;
    if (e->q_tail)
      e->q_tail->qnext = k;
    else
      e->q_head = k;
    e->q_tail = k;
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

static napi_value js_call(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8], self, undef;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  napi_get_undefined(env, &undef);
  for (size_t i = argc; i < 8; i++) argv[i] = undef;
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  if (t != napi_string) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "operation id must be a string");
    return NULL;
  }
  char op_id[64];
  size_t n = 0;
  napi_get_value_string_utf8(env, argv[0], op_id, sizeof op_id, &n);
  return submit(env, self, op_id, NULL, NULL, argv + 1, argv[7]);
}

static napi_value js_request(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7], self, undef;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  napi_get_undefined(env, &undef);
  for (size_t i = argc; i < 7; i++) argv[i] = undef;
  napi_valuetype t1, t2;
  napi_typeof(env, argv[0], &t1);
  napi_typeof(env, argv[1], &t2);
  if (t1 != napi_string || t2 != napi_string) {
    napi_value promise, errv, msg;
    napi_deferred d;
    LN_CALL(env, napi_create_promise(env, &d, &promise));
    napi_create_string_utf8(env, "request(method, path): method and path must be strings", NAPI_AUTO_LENGTH, &msg);
    napi_create_type_error(env, NULL, msg, &errv);
    napi_reject_deferred(env, d, errv);
    return promise;
  }
  char method[16];
  size_t n = 0;
  napi_get_value_string_utf8(env, argv[0], method, sizeof method, &n);
  char *path = light_node__string(env, argv[1], NULL);
  if (!path) {
    napi_throw_error(env, NULL, "light-sdk: out of memory");
    return NULL;
  }
  /* request() has no path params: shift so argv[1..5] = query, body, file, timeout, retries */
  napi_value shifted[6] = {undef, argv[2], argv[3], undef, argv[4], argv[5]};
  napi_value r = submit(env, self, NULL, method, path, shifted, argv[6]);
  free(path);
  return r;
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
  napi_value self, v;
  LN_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  ln_client *c = unwrap(env, self);
  const char *s = c && c->client ? light_client_base_url(c->client) : NULL;
  if (s)
    napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  else
    napi_get_null(env, &v);
  return v;
}

static napi_value js_account_uuid(napi_env env, napi_callback_info info) {
  napi_value self, v;
  LN_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  ln_client *c = unwrap(env, self);
  const char *s = c && c->client ? light_client_account_uuid(c->client) : NULL;
  if (s)
    napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  else
    napi_get_null(env, &v);
  return v;
}

static napi_value js_can(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, v;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  ln_client *c = unwrap(env, self);
  char kind[16] = "";
  size_t n = 0;
  if (argc >= 1) napi_get_value_string_utf8(env, argv[0], kind, sizeof kind, &n);
  light_auth_kind k = strcmp(kind, "app") == 0 ? LIGHT_AUTH_APP : strcmp(kind, "account") == 0 ? LIGHT_AUTH_ACCOUNT
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

#define OPT_STR(name, field)                                                    \
  do {                                                                          \
    if (light_node__get_string_prop(env, argv[0], name, &strs[ns]) != 0) goto fail; \
    if (strs[ns]) opts.field = strs[ns];                                        \
    ns++;                                                                       \
  } while (0)

/* The option strings include the app and account tokens. */
static void wipe_free_all(char **strs, int n) {
  for (int i = 0; i < n; i++) {
    if (strs[i]) OPENSSL_cleanse(strs[i], strlen(strs[i]));
    free(strs[i]);
  }
}

static napi_value js_construct(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);

  /* internal: new Client(parentExternal... ) is not exposed; forAccount uses an External */
  if (t == napi_external) {
    light_client *lc = NULL;
    napi_get_value_external(env, argv[0], (void **)&lc);
    return wrap(env, self, lc);
  }
  light_client_options opts;
  light_client_options_init(&opts);
  char *strs[8] = {NULL};
  int ns = 0;
  if (t == napi_object) {
    OPT_STR("appToken", app_token);
    OPT_STR("accountToken", account_token);
    OPT_STR("baseURL", base_url);
    OPT_STR("caFile", ca_file);
    OPT_STR("proxy", proxy);
    OPT_STR("userAgentRuntime", user_agent_runtime);
    napi_value v;
    napi_get_named_property(env, argv[0], "timeout", &v);
    opts.timeout_ms = (long)opt_number(env, v, (double)opts.timeout_ms);
    napi_get_named_property(env, argv[0], "connectTimeout", &v);
    opts.connect_timeout_ms = (long)opt_number(env, v, (double)opts.connect_timeout_ms);
    napi_get_named_property(env, argv[0], "maxRetries", &v);
    opts.max_retries = (int)opt_number(env, v, (double)opts.max_retries);
    napi_get_named_property(env, argv[0], "maxResponseBytes", &v);
    opts.max_response_bytes = (size_t)opt_number(env, v, (double)opts.max_response_bytes);
    napi_get_named_property(env, argv[0], "tokenRefreshMargin", &v);
    opts.token_refresh_margin_s = (long)opt_number(env, v, (double)opts.token_refresh_margin_s);
    napi_get_named_property(env, argv[0], "retryBase", &v);
    opts.retry_base_s = opt_number(env, v, opts.retry_base_s);
    napi_get_named_property(env, argv[0], "retryMax", &v);
    opts.retry_max_s = opt_number(env, v, opts.retry_max_s);
    bool b = false;
    napi_valuetype bt;
    napi_get_named_property(env, argv[0], "rateLimit", &v);
    napi_typeof(env, v, &bt);
    if (bt == napi_boolean) {
      napi_get_value_bool(env, v, &b);
      opts.rate_limit = b;
    }
    napi_get_named_property(env, argv[0], "insecureSkipVerify", &v);
    napi_typeof(env, v, &bt);
    if (bt == napi_boolean) {
      napi_get_value_bool(env, v, &b);
      opts.insecure_skip_verify = b;
    }
  } else if (t != napi_undefined && t != napi_null) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "options must be an object");
    return NULL;
  }
  light_client *lc = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_client_new(&lc, &opts, &err);
  wipe_free_all(strs, ns);
  if (st != LIGHT_OK) {
    light_node__throw_error(env, &err);
    light_error_clear(&err);
    return NULL;
  }
  return wrap(env, self, lc);
fail:
  wipe_free_all(strs, ns);
  return NULL;
}

static napi_value js_for_account(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  ln_client *c = unwrap(env, self);
  light_error err = LIGHT_ERROR_INIT;
  char *uuid = NULL;
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);
  if (t != napi_string || !(uuid = light_node__string(env, argv[0], NULL))) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "forAccount(accountUuid): accountUuid must be a string");
    return NULL;
  }
  if (!c || !c->client) {
    free(uuid);
    napi_throw_error(env, NULL, "client is closed");
    return NULL;
  }
  light_client *ac = NULL;
  light_status st = light_client_for_account(c->client, uuid, &ac, &err);
  free(uuid);
  if (st != LIGHT_OK) {
    light_node__throw_error(env, &err);
    light_error_clear(&err);
    return NULL;
  }
  light_node_env *e = light_node__env(env);
  napi_value ctor, ext, out;
  if (napi_get_reference_value(env, e->client_ctor, &ctor) != napi_ok ||
      napi_create_external(env, ac, NULL, NULL, &ext) != napi_ok ||
      napi_new_instance(env, ctor, 1, &ext, &out) != napi_ok) {
    light_client_free(ac);
    light_node__throw_last(env, "forAccount");
    return NULL;
  }
  return out;
}

napi_value light_node__define_client(napi_env env) {
  napi_property_descriptor methods[] = {
      {"call", NULL, js_call, NULL, NULL, NULL, napi_default, NULL},
      {"request", NULL, js_request, NULL, NULL, NULL, napi_default, NULL},
      {"cancel", NULL, js_cancel, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"forAccount", NULL, js_for_account, NULL, NULL, NULL, napi_default, NULL},
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
