/* _light.Client: one light_client (app or account scope) and the blocking
 * calls of the core. The GIL is released around every light_call /
 * light_request, so other Python threads run while this one waits on the
 * network; the core client is thread-safe (it pools easy handles), so one
 * object may be shared by any number of threads.
 *
 * Lifetime: `inflight` counts calls and async requests that borrowed the
 * core client. close() with calls in flight only marks the object; the last
 * call to finish frees the core client. Everything is GIL-protected. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "light_py.h"

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
static PyObject *call_outcome(lpy_state *st, light_status rc, light_response *resp, const light_error *err,
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
  if (!c->client || c->closing) {
    lpy_state *st = lpy_state_from_type(Py_TYPE(c));
    PyErr_SetString(st->exc[LIGHT_ERR_LIGHT], "client is closed");
    return NULL;
  }
  c->inflight++;
  return c->client;
}

void lpy_client_release(lpy_client *c) {
  if (--c->inflight == 0 && c->closing) free_core(c);
}

/* ---- construction ---------------------------------------------------------- */

static int opt_str(PyObject *o, const char *name, const char **out) {
  if (!o || o == Py_None) return 0;
  if (!PyUnicode_Check(o)) {
    char tn[96];
    PyErr_Format(PyExc_TypeError, "%s must be a str, not %s", name, lpy_type_name(o, tn));
    return -1;
  }
  *out = PyUnicode_AsUTF8AndSize(o, NULL);
  return *out ? 0 : -1;
}

static int opt_ms(PyObject *o, const char *name, long *out) {
  if (!o || o == Py_None) return 0;
  double s = PyFloat_AsDouble(o);
  if (s == -1.0 && PyErr_Occurred()) {
    PyErr_Format(PyExc_TypeError, "%s must be a number of seconds", name);
    return -1;
  }
  if (!(s > 0) || s > 86400.0 * 7) {
    PyErr_Format(PyExc_ValueError, "%s must be a positive number of seconds", name);
    return -1;
  }
  *out = (long)(s * 1000.0 + 0.5);
  if (*out < 1) *out = 1;
  return 0;
}

static int opt_int(PyObject *o, const char *name, int *out, int lo) {
  if (!o || o == Py_None) return 0;
  if (!PyLong_Check(o) || PyBool_Check(o)) {
    PyErr_Format(PyExc_TypeError, "%s must be an int", name);
    return -1;
  }
  long v = PyLong_AsLong(o);
  if (v == -1 && PyErr_Occurred()) return -1;
  if (v < lo || v > 1000000) {
    PyErr_Format(PyExc_ValueError, "%s out of range", name);
    return -1;
  }
  *out = (int)v;
  return 0;
}

/* Raise the core's option error: TypeError for a wrong type or an unknown
 * name, ValueError for a bad value. Returns -1. */
static int option_error(light_error *err, PyObject *type_error) {
  PyErr_SetString(type_error ? type_error : PyExc_ValueError, err->message ? err->message : "invalid option");
  light_error_clear(err);
  return -1;
}

/* The type of @p v in the words the core's messages use in every language
 * (string, number, boolean, null, object, array), else Python's type name. */
static const char *json_type_name(PyObject *v, char tn[96]) {
  if (PyUnicode_Check(v)) return "string";
  if (PyBool_Check(v)) return "boolean";
  if (PyLong_Check(v) || PyFloat_Check(v)) return "number";
  if (v == Py_None) return "null";
  if (PyDict_Check(v)) return "object";
  if (PyList_Check(v) || PyTuple_Check(v)) return "array";
  return lpy_type_name(v, tn);
}

/* One keyword argument through the core's option table (snake_case names,
 * durations in seconds, strings with their length). @p keep holds objects
 * whose UTF-8 the options borrow. 0, or -1 with an exception set. */
static int set_option(light_client_options *o, PyObject *key, PyObject *value, PyObject *keep) {
  light_error err = LIGHT_ERROR_INIT;
  char tn[96];
  Py_ssize_t klen = 0;
  const char *k = PyUnicode_Check(key) ? PyUnicode_AsUTF8AndSize(key, &klen) : NULL;
  if (!k) return -1;
  const light_option *opt = light_option_find(k, (size_t)klen);
  if (!opt || strcmp(opt->name, k) != 0 || (opt->flags & LIGHT_OPT_INTERNAL)) {
    light_option_unknown_error(k, (size_t)klen, &err);
    return option_error(&err, PyExc_TypeError);
  }
  if (value == Py_None) return 0; /* the default */
  light_status st;
  PyObject *sv = value;
  switch (opt->type) {
  case LIGHT_OPT_STRING:
  case LIGHT_OPT_ENUM: {
    if (!PyUnicode_Check(value) && (opt->flags & LIGHT_OPT_PATH)) { /* os.PathLike for ca_file */
      if (!(sv = PyOS_FSPath(value)) || PyList_Append(keep, sv) < 0) {
        Py_XDECREF(sv);
        return -1;
      }
      Py_DECREF(sv); /* keep holds it */
    }
    if (!PyUnicode_Check(sv)) goto wrong_type;
    Py_ssize_t len = 0;
    const char *v = PyUnicode_AsUTF8AndSize(sv, &len);
    if (!v) return -1;
    st = light_client_options_set_string(o, opt->name, v, (size_t)len, &err);
    break;
  }
  case LIGHT_OPT_INT:
  case LIGHT_OPT_DOUBLE: {
    if (PyBool_Check(value) || !(PyLong_Check(value) || PyFloat_Check(value))) goto wrong_type;
    double d = PyFloat_AsDouble(value); /* every range is below 2^53: a double is exact enough */
    if (d == -1.0 && PyErr_Occurred()) {
      if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
      PyErr_Clear();
      d = HUGE_VAL; /* an int beyond a double: out of every range */
    }
    st = light_client_options_set_seconds(o, opt->name, d, &err); /* durations are seconds in Python */
    break;
  }
  case LIGHT_OPT_BOOL:
    if (!PyBool_Check(value)) goto wrong_type;
    st = light_client_options_set_bool(o, opt->name, value == Py_True, &err);
    break;
  default: goto wrong_type;
  }
  return st == LIGHT_OK ? 0 : option_error(&err, NULL);
wrong_type:
  light_option_type_error(opt, NULL, json_type_name(value, tn), &err);
  return option_error(&err, PyExc_TypeError);
}

/* Client(**options): every keyword is an option of the core's table, plus
 * the test hook _fake_clock. Environment defaults are the core's. */
static PyObject *client_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  if (args && PyTuple_Size(args) > 0) {
    PyErr_SetString(PyExc_TypeError, "Client() takes keyword arguments only");
    return NULL;
  }
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.abort_check = abort_check;
  PyObject *keep = PyList_New(0), *fake = NULL;
  if (!keep) return NULL;
  if (kwds) {
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(kwds, &pos, &key, &value)) {
      if (PyUnicode_Check(key) && PyUnicode_CompareWithASCIIString(key, "_fake_clock") == 0) {
        fake = value;
        continue;
      }
      if (set_option(&o, key, value, keep) < 0) {
        Py_DECREF(keep);
        return NULL;
      }
    }
  }
  o.user_agent_runtime = lpy_state_from_type(type)->runtime;

  lpy_client *self = (lpy_client *)PyType_GenericAlloc(type, 0);
  if (!self) {
    Py_DECREF(keep);
    return NULL;
  }
  if (fake && PyObject_IsTrue(fake) == 1) {
    self->clock = PyMem_Calloc(1, sizeof *self->clock);
    if (!self->clock) {
      Py_DECREF(keep);
      Py_DECREF(self);
      return PyErr_NoMemory();
    }
    self->owns_clock = 1;
    o.clock = clock_now_ms;
    o.clock_ud = self->clock;
  }
  light_error err = LIGHT_ERROR_INIT;
  light_status rc = light_client_new(&self->client, &o, &err);
  Py_DECREF(keep); /* the core copied the strings */
  if (rc != LIGHT_OK) {
    lpy_raise(lpy_state_from_type(type), rc, &err);
    light_error_clear(&err);
    Py_DECREF(self);
    return NULL;
  }
  self->has_app = light_client_can(self->client, LIGHT_AUTH_APP);
  self->has_account = light_client_can(self->client, LIGHT_AUTH_ACCOUNT);
  return (PyObject *)self;
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

/* ---- parameters ---------------------------------------------------------- */

light_args *lpy_args_build(lpy_state *st, const char *op_id, const char *method, Py_ssize_t method_len,
                           const char *path, Py_ssize_t path_len, PyObject *path_params, PyObject *params) {
  light_args *a = NULL;
  light_status rc = op_id ? light_args_new(&a, op_id, 0)
                          : light_args_new_raw(&a, method, (size_t)method_len, path, (size_t)path_len, 0);
  if (!a) return (light_args *)PyErr_NoMemory();
  int prc = 0;
  if (rc == LIGHT_OK && op_id && path_params && path_params != Py_None) {
    if (!PyTuple_Check(path_params)) {
      PyErr_SetString(PyExc_TypeError, "path_params must be a tuple");
      prc = -1;
    }
    for (Py_ssize_t i = 0; prc == 0 && i < PyTuple_Size(path_params); i++) {
      PyObject *v = PyTuple_GetItem(path_params, i); /* borrowed from the tuple, which the caller holds */
      if (!v)
        prc = -1;
      else
        prc = lpy_args_value(a, v); /* the core decides what a path parameter may be, as for every language */
    }
  }
  if (prc == 0 && light_args_section(a, LIGHT_ARGS_PARAMS) == LIGHT_OK && params && params != Py_None)
    prc = lpy_args_members(a, params);
  if (prc == 0 && PyErr_Occurred()) prc = -1;
  if (prc == 0) light_args_finish(a);
  if (!PyErr_Occurred() && light_args_error(a, NULL) != LIGHT_OK) {
    light_error err = LIGHT_ERROR_INIT;
    light_status code = light_args_error(a, &err);
    if (light_args_error_is_type(a))
      PyErr_SetString(PyExc_TypeError, err.message ? err.message : "invalid argument"); /* Python's idiom */
    else
      lpy_raise(st, code, &err);
    light_error_clear(&err);
  }
  if (PyErr_Occurred()) {
    light_args_free(a);
    return NULL;
  }
  return a;
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
      lpy_raise(st, (light_status)more, &e);
      light_error_clear(&e);
      return NULL;
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

static PyObject *client_for_account(lpy_client *self, PyObject *arg) {
  if (!PyUnicode_Check(arg)) return PyErr_Format(PyExc_TypeError, "account_uuid must be a str");
  Py_ssize_t ulen = 0;
  const char *uuid = PyUnicode_AsUTF8AndSize(arg, &ulen);
  if (!uuid) return NULL;
  if (memchr(uuid, '\0', (size_t)ulen)) return PyErr_Format(PyExc_ValueError, "account_uuid contains a NUL byte");
  light_client *cl = lpy_client_acquire(self);
  if (!cl) return NULL;
  PyTypeObject *tp = Py_TYPE(self);
  lpy_client *child = (lpy_client *)PyType_GenericAlloc(tp, 0);
  if (!child) {
    lpy_client_release(self);
    return NULL;
  }
  light_error err = LIGHT_ERROR_INIT;
  light_status rc = light_client_for_account(&child->client, cl, uuid, &err);
  lpy_client_release(self);
  if (rc != LIGHT_OK) {
    lpy_raise(lpy_state_from_type(tp), rc, &err);
    light_error_clear(&err);
    Py_DECREF(child);
    return NULL;
  }
  child->parent = Py_NewRef((PyObject *)self);
  child->clock = self->clock;
  child->has_app = light_client_can(child->client, LIGHT_AUTH_APP);
  child->has_account = light_client_can(child->client, LIGHT_AUTH_ACCOUNT);
  return (PyObject *)child;
}

/* options() → the core's option table (light_option_table_json()) as a list of dicts. */
PyObject *lpy_options(PyObject *module, PyObject *unused) {
  (void)unused;
  cJSON *j = light_option_table_json();
  if (!j) return PyErr_NoMemory();
  PyObject *o = lpy_decode_cjson(lpy_state_of(module), j);
  cJSON_Delete(j);
  return o;
}

/* with_options(*, timeout=None, connect_timeout=None, max_retries=None, app_info=None) -> Client
 * sharing this client's pool and token cache (light_client_with_options). */
static PyObject *client_with_options(lpy_client *self, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"timeout", "connect_timeout", "max_retries", "app_info", NULL};
  PyObject *timeout = NULL, *ctimeout = NULL, *retries = NULL, *app_info = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$OOOO:with_options", kwlist, &timeout, &ctimeout, &retries, &app_info))
    return NULL;
  light_client_overrides o;
  light_client_overrides_init(&o);
  if (opt_ms(timeout, "timeout", &o.timeout_ms) < 0 || opt_ms(ctimeout, "connect_timeout", &o.connect_timeout_ms) < 0 ||
      opt_int(retries, "max_retries", &o.max_retries, 0) < 0 || opt_str(app_info, "app_info", &o.app_info) < 0)
    return NULL;
  light_client *cl = lpy_client_acquire(self);
  if (!cl) return NULL;
  PyTypeObject *tp = Py_TYPE(self);
  lpy_client *child = (lpy_client *)PyType_GenericAlloc(tp, 0);
  if (!child) {
    lpy_client_release(self);
    return NULL;
  }
  light_error err = LIGHT_ERROR_INIT;
  light_status rc = light_client_with_options(&child->client, cl, &o, &err);
  lpy_client_release(self);
  if (rc != LIGHT_OK) {
    lpy_raise(lpy_state_from_type(tp), rc, &err);
    light_error_clear(&err);
    Py_DECREF(child);
    return NULL;
  }
  child->parent = Py_NewRef((PyObject *)self);
  child->clock = self->clock;
  child->has_app = light_client_can(child->client, LIGHT_AUTH_APP);
  child->has_account = light_client_can(child->client, LIGHT_AUTH_ACCOUNT);
  return (PyObject *)child;
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
