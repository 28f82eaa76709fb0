/* _light.Client: one light_client (app or account scope) and the blocking
 * calls of the core. The GIL is released around every light_call /
 * light_request, so other Python threads run while this one waits on the
 * network; the core client is thread-safe (it pools easy handles), so one
 * object may be shared by any number of threads.
 *
 * Lifetime: `inflight` counts calls and async requests that borrowed the
 * core client. close() with calls in flight only marks the object; the last
 * call to finish frees the core client. Everything is GIL-protected. */
#include <string.h>
#include <time.h>

#include "light_py.h"

/* A fake-clock cell shared by a root client and the account clients derived from it. */
typedef struct lpy_clock {
  long long offset_ms; /* added to the real clock; written under the GIL, read by any thread */
} lpy_clock;

struct lpy_client {
  PyObject_HEAD light_client *client; /* owned; NULL once freed */
  PyObject *parent;                   /* the client it was derived from (keeps the clock cell alive), or NULL */
  lpy_clock *clock; /* NULL = real clock; owned when owns_clock, else the root's (kept alive by parent) */
  int owns_clock;
  long inflight; /* calls and async requests using `client` (GIL-protected) */
  int closing;   /* close() requested: free when inflight drops to 0 */
  int has_app, has_account;
};

/* ---- fake clock (tests) --------------------------------------------------- */

static int64_t clock_now_ms(void *ud) {
  lpy_clock *c = ud;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long long off = __atomic_load_n(&c->offset_ms, __ATOMIC_RELAXED);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + off;
}

/* ---- interruptible calls -------------------------------------------------
 * The core runs this between short waits (<= 50 ms) of a blocking call, on
 * the calling thread, which does not hold the GIL then. Python's signal
 * handlers run here: KeyboardInterrupt from SIGINT, or whatever a handler
 * raises (SystemExit from a SIGTERM handler), interrupts the call, and the
 * call raises that exception; a handler that returns normally lets the call
 * go on. The exception stays set on this thread's state until the call
 * returns. */
static int abort_check(void *ud) {
  (void)ud;
  PyGILState_STATE g = PyGILState_Ensure();
  int stop = PyErr_Occurred() != NULL || PyErr_CheckSignals() < 0;
  PyGILState_Release(g);
  return stop;
}

/* The outcome of a blocking call: the result, the exception the abort check
 * left (the call was interrupted by a signal handler), or the core's error. */
static PyObject *call_outcome(lpy_state *st, light_status rc, light_response *resp, light_error *err,
                              const cJSON *query, int paginated) {
  if (PyErr_Occurred()) return NULL;
  return rc == LIGHT_OK ? lpy_result(st, resp, query, paginated) : lpy_raise(st, rc, err);
}

/* ---- borrowing the core client ------------------------------------------ */

static void free_core(lpy_client *c) {
  if (c->client) {
    light_client *cl = c->client;
    c->client = NULL;
    /* Runs from dealloc and GC too: keep the GIL (freeing only closes sockets). */
    light_client_free(cl);
  }
}

light_client *lpy_client_acquire(lpy_client *c) {
  if (!c->client || c->closing)
    return (light_client *)lpy_raise_state(lpy_state_from_type(Py_TYPE(c)), "client is closed");
  c->inflight++;
  return c->client;
}

void lpy_client_release(lpy_client *c) {
  if (--c->inflight == 0 && c->closing) free_core(c);
}

/* ---- construction ---------------------------------------------------------- */

/* Record arguments of @p kind (light_args_new_record) from the keyword
 * arguments @p kwds (NULL = none), finished; NULL with an exception set. */
static light_args *record_of(lpy_state *st, light_args_record_kind kind, PyObject *kwds) {
  light_args *a = NULL;
  light_args_new_record(&a, kind, 0); /* options start in the params section; durations are seconds */
  if (!a) return (light_args *)PyErr_NoMemory();
  return lpy_args_finish(st, a, kwds ? lpy_args_members(a, kwds) : 0);
}

/* The scope of a new core client, read once. */
static PyObject *scoped(lpy_client *c) {
  c->has_app = light_client_can(c->client, LIGHT_AUTH_APP);
  c->has_account = light_client_can(c->client, LIGHT_AUTH_ACCOUNT);
  return (PyObject *)c;
}

/* Client(**options): every keyword is an option of the core's table
 * (record arguments: the core checks names and values), plus the test hook
 * _fake_clock. Environment defaults are the core's. */
static PyObject *client_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  lpy_state *st = lpy_state_from_type(type);
  if (!PyArg_ParseTuple(args, ":Client")) return NULL; /* keyword arguments only */
  PyObject *opts = kwds ? PyDict_Copy(kwds) : NULL, *fake = opts ? PyDict_GetItemString(opts, "_fake_clock") : NULL;
  int use_fake = fake ? PyObject_IsTrue(fake) : 0; /* before fake (borrowed from opts) is dropped */
  if ((kwds && !opts) || use_fake < 0 || (fake && PyDict_DelItemString(opts, "_fake_clock") < 0)) {
    Py_XDECREF(opts);
    return NULL;
  }
  light_args *a = record_of(st, LIGHT_ARGS_CLIENT_OPTIONS, opts);
  Py_XDECREF(opts);
  if (!a) return NULL;
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  light_args_client_options(a, &o); /* strings borrowed from a until light_client_new returns */
  o.abort_check = abort_check;
  o.user_agent_runtime = st->runtime;

  lpy_client *self = (lpy_client *)PyType_GenericAlloc(type, 0);
  if (self && use_fake && !(self->clock = PyMem_Calloc(1, sizeof *self->clock))) Py_CLEAR(self);
  if (self && use_fake) {
    self->owns_clock = 1;
    o.clock = clock_now_ms;
    o.clock_ud = self->clock;
  }
  light_error err = LIGHT_ERROR_INIT;
  light_status rc = self ? light_client_new(&self->client, &o, &err) : LIGHT_E_NOMEM;
  light_args_free(a); /* the core copied the strings */
  if (rc == LIGHT_OK) return scoped(self);
  Py_XDECREF(self);
  return lpy_raise(st, rc, &err);
}

static int client_traverse(lpy_client *self, visitproc visit, void *arg) {
  Py_VISIT(Py_TYPE(self));
  Py_VISIT(self->parent);
  return 0;
}

static int client_clear(lpy_client *self) {
  /* The parent keeps the clock cell alive: free the core client first. */
  if (self->inflight == 0) free_core(self);
  Py_CLEAR(self->parent);
  return 0;
}

static void client_dealloc(lpy_client *self) {
  PyTypeObject *tp = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  free_core(self);
  Py_CLEAR(self->parent);
  if (self->owns_clock) PyMem_Free(self->clock);
  PyObject_GC_Del(self);
  Py_DECREF(tp);
}

/* (status, raw header block (latin-1), request id | None, retries): the
 * package turns it into the result's last_response. */
static PyObject *response_meta(const light_response *resp) {
  size_t hlen = 0;
  const char *h = light_response_headers(resp, &hlen);
  const char *rid = light_response_request_id(resp);
  PyObject *headers = PyUnicode_DecodeLatin1(h ? h : "", h ? (Py_ssize_t)hlen : 0, "replace");
  PyObject *id = rid ? PyUnicode_DecodeLatin1(rid, (Py_ssize_t)strlen(rid), "replace") : Py_NewRef(Py_None);
  PyObject *meta = headers && id
                       ? Py_BuildValue("(iOOi)", light_response_status(resp), headers, id, light_response_retries(resp))
                       : NULL;
  Py_XDECREF(headers);
  Py_XDECREF(id);
  return meta;
}

/* (value, next query | None, meta): next query only for paginated operations. */
PyObject *lpy_result(lpy_state *st, light_response *resp, const cJSON *prev_query, int paginated) {
  size_t blen;
  const char *body = light_response_body(resp, &blen);
  PyObject *obj = lpy_decode(st, body, blen, "response body"); /* the exchange validated it */
  if (!obj) return NULL;
  PyObject *nq = NULL;
  if (paginated) {
    cJSON *next = NULL;
    light_error e = LIGHT_ERROR_INIT;
    int more = light_page_next_query(&next, resp, prev_query, &e);
    if (more < 0) {
      Py_DECREF(obj);
      return lpy_raise(st, (light_status)more, &e);
    }
    nq = more ? lpy_decode_cjson(st, next) : Py_NewRef(Py_None);
    cJSON_Delete(next);
  } else {
    nq = Py_NewRef(Py_None);
  }
  PyObject *meta = nq ? response_meta(resp) : NULL;
  PyObject *t = meta ? PyTuple_Pack(3, obj, nq, meta) : NULL;
  Py_DECREF(obj);
  Py_XDECREF(nq);
  Py_XDECREF(meta);
  return t;
}

/* ---- blocking calls -------------------------------------------------------- */

/* One blocking call of finished arguments (consumed). */
static PyObject *run_call(lpy_client *self, lpy_state *st, light_args *a, int paginated) {
  light_client *cl = lpy_client_acquire(self);
  if (!cl) {
    light_args_free(a);
    return NULL;
  }
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status rc;
  Py_BEGIN_ALLOW_THREADS rc = light_call_args(&resp, cl, a, &err);
  Py_END_ALLOW_THREADS lpy_client_release(self);
  PyObject *out = call_outcome(st, rc, resp, &err, light_args_query(a), paginated);
  light_response_free(resp);
  light_error_clear(&err);
  light_args_free(a);
  return out;
}

/* call(op_id, path_params=(), params=None, paginated=False): params holds the keyword arguments */
static PyObject *client_call(lpy_client *self, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"op_id", "path_params", "params", "paginated", NULL};
  const char *op_id;
  PyObject *path = NULL, *params = NULL;
  int paginated = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|OOp:call", kwlist, &op_id, &path, &params, &paginated)) return NULL;
  lpy_state *st = lpy_state_from_type(Py_TYPE(self));
  light_args *a = lpy_args_build(st, op_id, NULL, 0, NULL, 0, path, params);
  return a ? run_call(self, st, a, paginated) : NULL;
}

/* request(method, path, options=None): options = {query, body, headers, timeout, max_retries} */
static PyObject *client_request(lpy_client *self, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"method", "path", "options", NULL};
  const char *method, *path;
  Py_ssize_t ml, pl;
  PyObject *options = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#s#|O:request", kwlist, &method, &ml, &path, &pl, &options))
    return NULL;
  lpy_state *st = lpy_state_from_type(Py_TYPE(self));
  light_args *a = lpy_args_build(st, NULL, method, ml, path, pl, NULL, options);
  return a ? run_call(self, st, a, 0) : NULL;
}

/* A client derived from @p self (light_client_for_account() when @p uuid,
 * else light_client_with_options() with @p ov) sharing its clock cell, which
 * the parent reference keeps alive. */
static PyObject *derive(lpy_client *self, const char *uuid, size_t ulen, const light_client_overrides *ov) {
  light_client *cl = lpy_client_acquire(self);
  if (!cl) return NULL;
  PyTypeObject *tp = Py_TYPE(self);
  lpy_client *child = (lpy_client *)PyType_GenericAlloc(tp, 0);
  light_error err = LIGHT_ERROR_INIT;
  light_status rc = !child ? LIGHT_E_NOMEM
                    : uuid ? light_client_for_account_n(&child->client, cl, uuid, ulen, &err)
                           : light_client_with_options(&child->client, cl, ov, &err);
  lpy_client_release(self);
  if (rc != LIGHT_OK) {
    Py_XDECREF(child);
    return lpy_raise(lpy_state_from_type(tp), rc, &err);
  }
  child->parent = Py_NewRef((PyObject *)self);
  child->clock = self->clock;
  return scoped(child);
}

static PyObject *client_for_account(lpy_client *self, PyObject *arg) {
  if (!PyUnicode_Check(arg)) return PyErr_Format(PyExc_TypeError, "account_uuid must be a str");
  Py_ssize_t ulen = 0;
  const char *uuid = PyUnicode_AsUTF8AndSize(arg, &ulen);
  if (!uuid) return NULL;
  return derive(self, uuid, (size_t)ulen, NULL); /* the core refuses a NUL, "." and control characters */
}

/* with_options(*, timeout=None, connect_timeout=None, max_retries=None, app_info=None) -> Client
 * sharing this client's pool and token cache (light_client_with_options); the core checks the
 * keywords (record arguments). */
static PyObject *client_with_options(lpy_client *self, PyObject *args, PyObject *kwds) {
  if (!PyArg_ParseTuple(args, ":with_options")) return NULL; /* keyword arguments only */
  light_args *a = record_of(lpy_state_from_type(Py_TYPE(self)), LIGHT_ARGS_CLIENT_OVERRIDES, kwds);
  if (!a) return NULL;
  light_client_overrides o;
  light_client_overrides_init(&o);
  light_args_client_overrides(a, &o); /* app_info borrowed from a */
  PyObject *child = derive(self, NULL, 0, &o);
  light_args_free(a);
  return child;
}

static PyObject *client_close(lpy_client *self, PyObject *unused) {
  self->closing = 1;
  if (self->inflight == 0) free_core(self);
  Py_RETURN_NONE;
}

static PyObject *client_advance_clock(lpy_client *self, PyObject *arg) {
  if (!self->clock) return PyErr_Format(PyExc_ValueError, "client was not created with fake_clock=True");
  double s = PyFloat_AsDouble(arg);
  if (s == -1.0 && PyErr_Occurred()) return NULL;
  __atomic_add_fetch(&self->clock->offset_ms, (long long)(s * 1000.0), __ATOMIC_RELAXED);
  Py_RETURN_NONE;
}

static PyObject *get_closed(lpy_client *self, void *c) {
  return PyBool_FromLong(self->client == NULL || self->closing);
}
static PyObject *get_has_app(lpy_client *self, void *c) { return PyBool_FromLong(self->has_app); }
static PyObject *get_has_account(lpy_client *self, void *c) { return PyBool_FromLong(self->has_account); }
static PyObject *get_base_url(lpy_client *self, void *c) {
  if (!self->client) Py_RETURN_NONE;
  return PyUnicode_FromString(light_client_base_url(self->client));
}
static PyObject *get_account_uuid(lpy_client *self, void *c) {
  const char *u = self->client ? light_client_account_uuid(self->client) : NULL;
  if (!u) Py_RETURN_NONE;
  return PyUnicode_FromString(u);
}

static PyMethodDef client_methods[] = {
    {"call", (PyCFunction)(void (*)(void))client_call, METH_VARARGS | METH_KEYWORDS,
     "call(op_id, path_params=(), params=None, paginated=False)\n"
     "Blocking call of an operation of the table (GIL released while waiting)."},
    {"request", (PyCFunction)(void (*)(void))client_request, METH_VARARGS | METH_KEYWORDS,
     "request(method, path, options=None)\nRaw escape hatch; options = {query, body, headers, timeout, max_retries}."},
    {"for_account", (PyCFunction)client_for_account, METH_O, "for_account(account_uuid) -> Client (account scope)"},
    {"with_options", (PyCFunction)(void (*)(void))client_with_options, METH_VARARGS | METH_KEYWORDS,
     "with_options(*, timeout=None, connect_timeout=None, max_retries=None, app_info=None) -> Client\n"
     "A client sharing this one's connection pool and token cache with changed settings."},
    {"close", (PyCFunction)client_close, METH_NOARGS, "Free the connection pool (idempotent)."},
    {"_advance_clock", (PyCFunction)client_advance_clock, METH_O, "Tests: move the fake clock by N seconds."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef client_getset[] = {
    {"closed", (getter)get_closed, NULL, "True after close()", NULL},
    {"has_app_token", (getter)get_has_app, NULL, "can call app-token operations", NULL},
    {"has_account_token", (getter)get_has_account, NULL, "can call account-token operations", NULL},
    {"base_url", (getter)get_base_url, NULL, "base URL in use", NULL},
    {"account_uuid", (getter)get_account_uuid, NULL, "account of a for_account client, else None", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyType_Slot client_slots[] = {{Py_tp_new, client_new},
                                     {Py_tp_dealloc, client_dealloc},
                                     {Py_tp_traverse, client_traverse},
                                     {Py_tp_clear, client_clear},
                                     {Py_tp_methods, client_methods},
                                     {Py_tp_getset, client_getset},
                                     {Py_tp_doc, "Core client handle (use light.Client)."},
                                     {0, NULL}};

static PyType_Spec client_spec = {"light._light.Client", sizeof(lpy_client), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
                                  client_slots};

int lpy_client_type_init(PyObject *module, lpy_state *st) {
  st->client_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &client_spec, NULL);
  if (!st->client_type) return -1;
  return PyModule_AddType(module, st->client_type);
}
