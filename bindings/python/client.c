/* _light.Client: one light_client (app or account scope) and the blocking
 * calls of the core. The GIL is released around every light_call /
 * light_request, so other Python threads run while this one waits on the
 * network; the core client is thread-safe (it pools easy handles), so one
 * object may be shared by any number of threads.
 *
 * Lifetime: `inflight` counts calls and async requests that borrowed the
 * core client. close() with calls in flight only marks the object; the last
 * call to finish frees the core client. Everything is GIL-protected. */
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

static int opt_double(PyObject *o, const char *name, double *out) {
  if (!o || o == Py_None) return 0;
  double v = PyFloat_AsDouble(o);
  if (v == -1.0 && PyErr_Occurred()) return -1;
  if (v < 0) {
    PyErr_Format(PyExc_ValueError, "%s must not be negative", name);
    return -1;
  }
  *out = v;
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

static PyObject *client_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"app_token",   "account_token", "base_url",   "timeout",      "connect_timeout",
                           "max_retries", "ca_file",       "proxy",      "rate_limit",   "insecure_skip_verify",
                           "max_response_bytes",           "retry_base", "retry_max",    "retry_after_cap",
                           "token_refresh_margin",         "fake_clock", NULL};
  PyObject *app = NULL, *acct = NULL, *base = NULL, *timeout = NULL, *ctimeout = NULL, *retries = NULL, *ca = NULL,
           *proxy = NULL, *rate = NULL, *insecure = NULL, *maxbytes = NULL, *rbase = NULL, *rmax = NULL,
           *racap = NULL, *margin = NULL, *fake = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$OOOOOOOOOOOOOOOO:Client", kwlist, &app, &acct, &base, &timeout,
                                   &ctimeout, &retries, &ca, &proxy, &rate, &insecure, &maxbytes, &rbase, &rmax,
                                   &racap, &margin, &fake))
    return NULL;
  light_client_options o;
  light_client_options_init(&o);
  int irate = 0, iinsecure = 0, margin_s = -1;
  if (opt_str(app, "app_token", &o.app_token) < 0 || opt_str(acct, "account_token", &o.account_token) < 0 ||
      opt_str(base, "base_url", &o.base_url) < 0 || opt_ms(timeout, "timeout", &o.timeout_ms) < 0 ||
      opt_ms(ctimeout, "connect_timeout", &o.connect_timeout_ms) < 0 ||
      opt_int(retries, "max_retries", &o.max_retries, 0) < 0 || opt_str(ca, "ca_file", &o.ca_file) < 0 ||
      opt_str(proxy, "proxy", &o.proxy) < 0 || opt_double(rbase, "retry_base", &o.retry_base_s) < 0 ||
      opt_double(rmax, "retry_max", &o.retry_max_s) < 0 ||
      opt_double(racap, "retry_after_cap", &o.retry_after_cap_s) < 0 ||
      opt_int(margin, "token_refresh_margin", &margin_s, 0) < 0)
    return NULL;
  if (acct && acct != Py_None && (!app || app == Py_None)) o.app_token = NULL; /* bare account client */
  if (rate && (irate = PyObject_IsTrue(rate)) < 0) return NULL;
  if (insecure && (iinsecure = PyObject_IsTrue(insecure)) < 0) return NULL;
  o.rate_limit = irate;
  o.insecure_skip_verify = iinsecure;
  if (margin_s >= 0) o.token_refresh_margin_s = margin_s;
  if (maxbytes && maxbytes != Py_None) {
    Py_ssize_t n = PyNumber_AsSsize_t(maxbytes, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred()) return NULL;
    if (n <= 0) return PyErr_Format(PyExc_ValueError, "max_response_bytes must be positive");
    o.max_response_bytes = (size_t)n;
  }
  o.user_agent_runtime = lpy_state_from_type(type)->runtime;

  lpy_client *self = (lpy_client *)PyType_GenericAlloc(type, 0);
  if (!self) return NULL;
  if (fake && PyObject_IsTrue(fake) == 1) {
    self->clock = PyMem_Calloc(1, sizeof *self->clock);
    if (!self->clock) {
      Py_DECREF(self);
      return PyErr_NoMemory();
    }
    self->owns_clock = 1;
    o.clock = clock_now_ms;
    o.clock_ud = self->clock;
  }
  light_error err = LIGHT_ERROR_INIT;
  light_status rc = light_client_new(&self->client, &o, &err);
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

int lpy_params_build(lpy_state *st, lpy_params *out, PyObject *path_params, PyObject *query, PyObject *body,
                     PyObject *file, PyObject *timeout, PyObject *max_retries) {
  (void)st;
  memset(out, 0, sizeof *out);
  light_params init = LIGHT_PARAMS_INIT;
  out->p = init;
  if (path_params && path_params != Py_None) {
    if (!PyTuple_Check(path_params)) {
      PyErr_SetString(PyExc_TypeError, "path_params must be a tuple");
      goto fail;
    }
    Py_ssize_t n = PyTuple_Size(path_params);
    if (n > 0) {
      out->path_values = PyMem_Calloc((size_t)n, sizeof(char *));
      if (!out->path_values) {
        PyErr_NoMemory();
        goto fail;
      }
      for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = PyTuple_GetItem(path_params, i); /* borrowed; the tuple is the caller's */
        if (!v) goto fail;
        if (!PyUnicode_Check(v)) {
          char tn[96];
          PyErr_Format(PyExc_TypeError, "path parameter %zd must be a str, not %s", i + 1, lpy_type_name(v, tn));
          goto fail;
        }
        Py_ssize_t len;
        out->path_values[i] = PyUnicode_AsUTF8AndSize(v, &len);
        if (!out->path_values[i]) goto fail;
        if (len == 0 || (size_t)len != strlen(out->path_values[i])) {
          PyErr_Format(PyExc_ValueError, "path parameter %zd must be a non-empty string without NUL", i + 1);
          goto fail;
        }
      }
      out->p.path_params = out->path_values;
      out->p.n_path_params = (size_t)n;
    }
  }
  if (query && query != Py_None) {
    if (!(out->query = lpy_to_query(query))) goto fail;
    out->p.query = out->query;
  }
  if (body && body != Py_None) {
    if (!(out->body = lpy_to_json(body, "body"))) goto fail;
    out->p.body = out->body;
  }
  if (file && file != Py_None) {
    /* (data: bytes, filename: str|None, content_type: str|None) */
    PyObject *data = NULL, *fname = Py_None, *ctype = Py_None;
    if (!PyArg_ParseTuple(file, "O|OO:file", &data, &fname, &ctype)) goto fail;
    if (!PyBytes_Check(data)) {
      PyErr_SetString(PyExc_TypeError, "file content must be bytes");
      goto fail;
    }
    out->keep = Py_NewRef(file);
    char *fd;
    Py_ssize_t fl;
    if (PyBytes_AsStringAndSize(data, &fd, &fl) < 0) goto fail;
    out->file.data = fd;
    out->file.len = (size_t)fl;
    if (opt_str(fname, "filename", &out->file.filename) < 0 || opt_str(ctype, "content_type", &out->file.content_type) < 0)
      goto fail;
    out->p.file = &out->file;
  }
  if (timeout && timeout != Py_None && opt_ms(timeout, "timeout", &out->p.timeout_ms) < 0) goto fail;
  if (max_retries && max_retries != Py_None && opt_int(max_retries, "max_retries", &out->p.max_retries, 0) < 0)
    goto fail;
  return 0;
fail:
  lpy_params_clear(out);
  return -1;
}

void lpy_params_clear(lpy_params *p) {
  PyMem_Free(p->path_values);
  cJSON_Delete(p->query);
  light_json_delete_wiped(p->body); /* credit_check bodies carry an SSN */
  Py_CLEAR(p->keep);
  memset(p, 0, sizeof *p);
}

PyObject *lpy_result(lpy_state *st, light_response *resp, const cJSON *prev_query, int paginated) {
  size_t blen;
  const char *body = light_response_body(resp, &blen);
  PyObject *obj = lpy_decode(st, body, blen, "response body"); /* the exchange validated it */
  if (!obj || !paginated) return obj;
  cJSON *next = NULL;
  int more = light_page_next_query(resp, prev_query, &next);
  if (more < 0) {
    Py_DECREF(obj);
    light_error e = LIGHT_ERROR_INIT;
    e.code = (light_status)more;
    e.kind = LIGHT_ERR_DECODE;
    e.http_status = light_response_status(resp);
    e.message = (char *)"response of a paginated operation is not a list envelope";
    return lpy_raise(st, (light_status)more, &e);
  }
  PyObject *nq = more ? lpy_decode_cjson(st, next) : Py_NewRef(Py_None);
  cJSON_Delete(next);
  if (!nq) {
    Py_DECREF(obj);
    return NULL;
  }
  PyObject *t = PyTuple_Pack(2, obj, nq);
  Py_DECREF(obj);
  Py_DECREF(nq);
  return t;
}

/* ---- blocking calls -------------------------------------------------------- */

/* call(op_id, path_params=(), query=None, body=None, file=None, timeout=None, max_retries=None, paginated=False) */
static PyObject *client_call(lpy_client *self, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"op_id", "path_params", "query", "body", "file", "timeout", "max_retries", "paginated", NULL};
  const char *op_id;
  PyObject *path = NULL, *query = NULL, *body = NULL, *file = NULL, *timeout = NULL, *retries = NULL;
  int paginated = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|OOOOOOp:call", kwlist, &op_id, &path, &query, &body, &file,
                                   &timeout, &retries, &paginated))
    return NULL;
  lpy_state *st = lpy_state_from_type(Py_TYPE(self));
  lpy_params p;
  if (lpy_params_build(st, &p, path, query, body, file, timeout, retries) < 0) return NULL;
  light_client *cl = lpy_client_acquire(self);
  if (!cl) {
    lpy_params_clear(&p);
    return NULL;
  }
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status rc;
  Py_BEGIN_ALLOW_THREADS
  rc = light_call(cl, op_id, &p.p, &resp, &err);
  Py_END_ALLOW_THREADS
  lpy_client_release(self);
  PyObject *out = rc == LIGHT_OK ? lpy_result(st, resp, p.query, paginated) : lpy_raise(st, rc, &err);
  light_response_free(resp);
  light_error_clear(&err);
  lpy_params_clear(&p);
  return out;
}

/* request(method, path, query=None, body=None, timeout=None, max_retries=None) */
static PyObject *client_request(lpy_client *self, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"method", "path", "query", "body", "timeout", "max_retries", NULL};
  const char *method, *path;
  PyObject *query = NULL, *body = NULL, *timeout = NULL, *retries = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "ss|OOOO:request", kwlist, &method, &path, &query, &body, &timeout,
                                   &retries))
    return NULL;
  lpy_state *st = lpy_state_from_type(Py_TYPE(self));
  lpy_params p;
  if (lpy_params_build(st, &p, NULL, query, body, NULL, timeout, retries) < 0) return NULL;
  light_client *cl = lpy_client_acquire(self);
  if (!cl) {
    lpy_params_clear(&p);
    return NULL;
  }
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status rc;
  Py_BEGIN_ALLOW_THREADS
  rc = light_request(cl, method, path, &p.p, &resp, &err);
  Py_END_ALLOW_THREADS
  lpy_client_release(self);
  PyObject *out = rc == LIGHT_OK ? lpy_result(st, resp, NULL, 0) : lpy_raise(st, rc, &err);
  light_response_free(resp);
  light_error_clear(&err);
  lpy_params_clear(&p);
  return out;
}

static PyObject *client_for_account(lpy_client *self, PyObject *arg) {
  if (!PyUnicode_Check(arg)) return PyErr_Format(PyExc_TypeError, "account_uuid must be a str");
  const char *uuid = PyUnicode_AsUTF8AndSize(arg, NULL);
  if (!uuid) return NULL;
  light_client *cl = lpy_client_acquire(self);
  if (!cl) return NULL;
  PyTypeObject *tp = Py_TYPE(self);
  lpy_client *child = (lpy_client *)PyType_GenericAlloc(tp, 0);
  if (!child) {
    lpy_client_release(self);
    return NULL;
  }
  light_error err = LIGHT_ERROR_INIT;
  light_status rc = light_client_for_account(cl, uuid, &child->client, &err);
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

static PyObject *get_closed(lpy_client *self, void *c) { return PyBool_FromLong(self->client == NULL || self->closing); }
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
     "call(op_id, path_params=(), query=None, body=None, file=None, timeout=None, max_retries=None, paginated=False)\n"
     "Blocking call of an operation of the table (GIL released while waiting)."},
    {"request", (PyCFunction)(void (*)(void))client_request, METH_VARARGS | METH_KEYWORDS,
     "request(method, path, query=None, body=None, timeout=None, max_retries=None)\nRaw escape hatch."},
    {"for_account", (PyCFunction)client_for_account, METH_O, "for_account(account_uuid) -> Client (account scope)"},
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

static PyType_Slot client_slots[] = {
    {Py_tp_new, client_new},
    {Py_tp_dealloc, client_dealloc},
    {Py_tp_traverse, client_traverse},
    {Py_tp_clear, client_clear},
    {Py_tp_methods, client_methods},
    {Py_tp_getset, client_getset},
    {Py_tp_doc, "Core client handle (use light.Client)."},
    {0, NULL}};

static PyType_Spec client_spec = {"light._light.Client", sizeof(lpy_client), 0,
                                  Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, client_slots};

int lpy_client_type_init(PyObject *module, lpy_state *st) {
  st->client_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &client_spec, NULL);
  if (!st->client_type) return -1;
  return PyModule_AddType(module, st->client_type);
}
