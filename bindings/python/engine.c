/* _light.Engine: drives the core's async engine (light/engine.h) on an
 * asyncio event loop. No threads: socket interest becomes
 * loop.add_reader/add_writer/remove_*, the engine's single timer becomes
 * loop.call_later (the previous handle is cancelled), and each completion
 * sets the result or exception of an asyncio Future.
 *
 * Everything here runs on the loop's thread with the GIL held; engine calls
 * never block (curl_multi_socket_action), so holding the GIL costs nothing.
 *
 * Ownership: the engine holds the loop, three bound callbacks and the armed
 * TimerHandle; each submitted request is an AsyncRequest object referenced
 * by the engine (as the completion's user data) until its completion ran,
 * and holding its Future, its Client (inflight-counted) and, for paginated
 * operations, a copy of the query (to compute the next page). */
#include <string.h>

#include "light_py.h"

typedef struct lpy_engine {
  PyObject_HEAD light_engine *engine; /* owned; NULL after close */
  lpy_state *st;
  PyObject *loop;
  PyObject *on_read, *on_write, *on_timer; /* bound builtins, made once */
  PyObject *timer;                         /* armed asyncio.TimerHandle or NULL */
  unsigned char *interest;                 /* per fd: LIGHT_POLL_IN|OUT currently registered */
  size_t n_interest;
  int closing;
} lpy_engine;

typedef struct lpy_request {
  PyObject_HEAD lpy_engine *engine; /* strong while pending */
  lpy_client *client;               /* strong; inflight-counted while pending */
  PyObject *future;                 /* strong */
  light_async_request *handle;      /* valid while pending */
  cJSON *query;                     /* copy of the query, for paginated operations */
  int paginated;
  int pending;
} lpy_request;

/* ---- host callbacks -------------------------------------------------------- */

static int call_loop(lpy_engine *e, PyObject *name, PyObject *a, PyObject *b, PyObject *c) {
  /* NULL ends the argument list: a, b, c are given left to right. */
  PyObject *r = PyObject_CallMethodObjArgs(e->loop, name, a, b, c, NULL);
  if (!r) return -1;
  Py_DECREF(r);
  return 0;
}

static int watch_socket(void *host, int fd, int what) {
  lpy_engine *e = host;
  if (fd < 0) return -1;
  if ((size_t)fd >= e->n_interest) {
    size_t n = (size_t)fd + 64;
    unsigned char *p = PyMem_Realloc(e->interest, n);
    if (!p) return -1;
    memset(p + e->n_interest, 0, n - e->n_interest);
    e->interest = p;
    e->n_interest = n;
  }
  int prev = e->interest[fd];
  int want = (what & LIGHT_POLL_REMOVE) ? 0 : (what & (LIGHT_POLL_IN | LIGHT_POLL_OUT));
  if (prev == want) return 0;
  e->interest[fd] = (unsigned char)want;
  PyObject *fdo = PyLong_FromLong(fd);
  if (!fdo) goto error;
  int rc = 0;
  if ((want & LIGHT_POLL_IN) && !(prev & LIGHT_POLL_IN))
    rc |= call_loop(e, e->st->str_add_reader, fdo, e->on_read, fdo);
  else if (!(want & LIGHT_POLL_IN) && (prev & LIGHT_POLL_IN))
    rc |= call_loop(e, e->st->str_remove_reader, fdo, NULL, NULL);
  if (rc == 0) {
    if ((want & LIGHT_POLL_OUT) && !(prev & LIGHT_POLL_OUT))
      rc |= call_loop(e, e->st->str_add_writer, fdo, e->on_write, fdo);
    else if (!(want & LIGHT_POLL_OUT) && (prev & LIGHT_POLL_OUT))
      rc |= call_loop(e, e->st->str_remove_writer, fdo, NULL, NULL);
  }
  Py_DECREF(fdo);
  if (rc == 0) return 0;
error:
  if (e->closing) { /* loop already closed: nothing to unregister from */
    PyErr_Clear();
    return 0;
  }
  PyErr_WriteUnraisable((PyObject *)e);
  return -1;
}

static int set_timer(void *host, long timeout_ms) {
  lpy_engine *e = host;
  if (e->timer) {
    PyObject *r = PyObject_CallMethodObjArgs(e->timer, e->st->str_cancel, NULL);
    Py_XDECREF(r);
    if (!r) PyErr_Clear();
    Py_CLEAR(e->timer);
  }
  if (timeout_ms < 0 || e->closing) return 0;
  PyObject *h;
  if (timeout_ms == 0) {
    h = PyObject_CallMethodObjArgs(e->loop, e->st->str_call_soon, e->on_timer, NULL);
  } else {
    PyObject *delay = PyFloat_FromDouble((double)timeout_ms / 1000.0);
    if (!delay) goto error;
    h = PyObject_CallMethodObjArgs(e->loop, e->st->str_call_later, delay, e->on_timer, NULL);
    Py_DECREF(delay);
  }
  if (!h) goto error;
  e->timer = h;
  return 0;
error:
  PyErr_WriteUnraisable((PyObject *)e);
  return -1;
}

/* ---- completion ------------------------------------------------------------ */

static void settle(lpy_request *r, light_status status, light_response *resp, const light_error *err) {
  lpy_state *st = r->engine->st;
  PyObject *done = PyObject_CallMethodObjArgs(r->future, st->str_done, NULL);
  int is_done = done ? PyObject_IsTrue(done) : 1;
  Py_XDECREF(done);
  if (!done) PyErr_Clear();
  if (is_done) return; /* cancelled by the awaiting task */
  PyObject *value = NULL, *exc = NULL;
  if (status == LIGHT_OK) {
    value = lpy_result(st, resp, r->query, r->paginated);
  } else {
    exc = lpy_exception(st, status, err);
  }
  if (!value && !exc) { /* conversion itself failed: deliver that exception */
    PyObject *type, *val, *tb;
    PyErr_Fetch(&type, &val, &tb);
    PyErr_NormalizeException(&type, &val, &tb);
    if (tb) PyException_SetTraceback(val, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    exc = val;
    if (!exc) return;
  }
  PyObject *res = PyObject_CallMethodObjArgs(r->future, value ? st->str_set_result : st->str_set_exception,
                                             value ? value : exc, NULL);
  Py_XDECREF(res);
  if (!res) PyErr_Clear(); /* loop closed, or future settled meanwhile */
  Py_XDECREF(value);
  Py_XDECREF(exc);
}

static void on_done(void *ud, light_status status, light_response *resp, const light_error *err) {
  lpy_request *r = ud;
  PyObject *saved_type, *saved_val, *saved_tb;
  PyErr_Fetch(&saved_type, &saved_val, &saved_tb);
  r->handle = NULL;
  r->pending = 0;
  settle(r, status, resp, err);
  light_response_free(resp);
  cJSON_Delete(r->query);
  r->query = NULL;
  lpy_client_release(r->client);
  PyErr_Restore(saved_type, saved_val, saved_tb);
  Py_DECREF(r); /* the engine's reference */
}

/* ---- loop → engine ----------------------------------------------------------- */

static PyObject *socket_ready(lpy_engine *e, PyObject *fdo, int what) {
  int fd = (int)PyLong_AsLong(fdo);
  if (fd == -1 && PyErr_Occurred()) return NULL;
  if (e->engine) light_engine_socket_action(e->engine, fd, what);
  Py_RETURN_NONE;
}
static PyObject *engine_on_read(lpy_engine *e, PyObject *fdo) { return socket_ready(e, fdo, LIGHT_POLL_IN); }
static PyObject *engine_on_write(lpy_engine *e, PyObject *fdo) { return socket_ready(e, fdo, LIGHT_POLL_OUT); }

static PyObject *engine_on_timer(lpy_engine *e, PyObject *unused) {
  Py_CLEAR(e->timer); /* it fired */
  if (e->engine) light_engine_timeout(e->engine);
  Py_RETURN_NONE;
}

static PyMethodDef cb_read_def = {"_on_read", (PyCFunction)engine_on_read, METH_O, NULL};
static PyMethodDef cb_write_def = {"_on_write", (PyCFunction)engine_on_write, METH_O, NULL};
static PyMethodDef cb_timer_def = {"_on_timer", (PyCFunction)engine_on_timer, METH_NOARGS, NULL};

/* ---- Engine type --------------------------------------------------------------- */

static PyObject *engine_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"loop", NULL};
  PyObject *loop;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Engine", kwlist, &loop)) return NULL;
  lpy_engine *e = (lpy_engine *)PyType_GenericAlloc(type, 0);
  if (!e) return NULL;
  e->st = lpy_state_from_type(type);
  e->loop = Py_NewRef(loop);
  e->on_read = PyCFunction_New(&cb_read_def, (PyObject *)e);
  e->on_write = PyCFunction_New(&cb_write_def, (PyObject *)e);
  e->on_timer = PyCFunction_New(&cb_timer_def, (PyObject *)e);
  if (!e->on_read || !e->on_write || !e->on_timer) {
    Py_DECREF(e);
    return NULL;
  }
  light_engine_callbacks cb = {watch_socket, set_timer, e};
  light_error err = LIGHT_ERROR_INIT;
  light_status rc = light_engine_new(&e->engine, &cb, &err);
  if (rc != LIGHT_OK) {
    lpy_raise(e->st, rc, &err);
    Py_DECREF(e);
    return NULL;
  }
  return (PyObject *)e;
}

static void engine_close_core(lpy_engine *e) {
  if (!e->engine) return;
  light_engine *eng = e->engine;
  e->closing = 1;
  /* Pending requests complete with LIGHT_E_CANCELLED from inside free. */
  Py_INCREF(e);
  light_engine_free(eng);
  e->engine = NULL;
  set_timer(e, -1); /* cancel an armed timer */
  Py_DECREF(e);
}

static int engine_traverse(lpy_engine *e, visitproc visit, void *arg) {
  Py_VISIT(Py_TYPE(e));
  Py_VISIT(e->loop);
  Py_VISIT(e->on_read);
  Py_VISIT(e->on_write);
  Py_VISIT(e->on_timer);
  Py_VISIT(e->timer);
  return 0;
}

static int engine_clear(lpy_engine *e) {
  if (e->engine) {
    /* Unreachable with requests pending is impossible (each holds the engine). */
    e->closing = 1;
    light_engine_free(e->engine);
    e->engine = NULL;
  }
  Py_CLEAR(e->timer);
  Py_CLEAR(e->on_read);
  Py_CLEAR(e->on_write);
  Py_CLEAR(e->on_timer);
  Py_CLEAR(e->loop);
  return 0;
}

static void engine_dealloc(lpy_engine *e) {
  PyTypeObject *tp = Py_TYPE(e);
  PyObject_GC_UnTrack(e);
  engine_clear(e);
  PyMem_Free(e->interest);
  PyObject_GC_Del(e);
  Py_DECREF(tp);
}

/* Submit finished arguments (consumed: the engine copies them). */
static PyObject *engine_submit_common(lpy_engine *e, lpy_client *client, light_args *a, int paginated) {
  lpy_state *st = e->st;
  light_client *cl = lpy_client_acquire(client);
  if (!cl) {
    light_args_free(a);
    return NULL;
  }
  lpy_request *r = PyObject_GC_New(lpy_request, st->request_type);
  if (!r) goto fail_release;
  r->engine = (lpy_engine *)Py_NewRef((PyObject *)e);
  r->client = (lpy_client *)Py_NewRef((PyObject *)client);
  r->handle = NULL;
  r->query = NULL;
  r->paginated = paginated;
  r->pending = 0;
  r->future = PyObject_CallMethodObjArgs(e->loop, st->str_create_future, NULL);
  PyObject_GC_Track(r);
  if (!r->future) goto fail_r;
  if (paginated && light_args_query(a) && !(r->query = cJSON_Duplicate(light_args_query(a), 1))) {
    PyErr_NoMemory();
    goto fail_r;
  }
  light_error err = LIGHT_ERROR_INIT;
  light_status rc;
  Py_INCREF(r); /* the engine's reference, dropped in on_done */
  r->pending = 1;
  rc = light_engine_submit_args(&r->handle, e->engine, cl, a, on_done, r, &err);
  light_args_free(a);
  if (rc != LIGHT_OK) {
    r->pending = 0;
    Py_DECREF(r);
    lpy_raise(st, rc, &err);
    lpy_client_release(client);
    Py_DECREF(r);
    return NULL;
  }
  return (PyObject *)r;
fail_r:
  Py_DECREF(r);
  light_args_free(a);
  lpy_client_release(client);
  return NULL;
fail_release:
  light_args_free(a);
  lpy_client_release(client);
  return NULL;
}

static int submit_check(lpy_engine *e, PyObject *client) {
  if (!e->engine) return lpy_raise_state(e->st, "async engine is closed"), -1;
  if (Py_TYPE(client) != e->st->client_type) return PyErr_Format(PyExc_TypeError, "expected a _light.Client"), -1;
  return 0;
}

/* submit(client, op_id, path_params=(), params=None, paginated=False) -> AsyncRequest */
static PyObject *engine_submit(lpy_engine *e, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"client", "op_id", "path_params", "params", "paginated", NULL};
  PyObject *client, *pp = NULL, *params = NULL;
  const char *op_id;
  int paginated = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "Os|OOp:submit", kwlist, &client, &op_id, &pp, &params, &paginated))
    return NULL;
  if (submit_check(e, client) < 0) return NULL;
  light_args *a = lpy_args_build(e->st, op_id, NULL, 0, NULL, 0, pp, params);
  return a ? engine_submit_common(e, (lpy_client *)client, a, paginated) : NULL;
}

/* submit_raw(client, method, path, options=None) -> AsyncRequest; options = {query, body, headers, timeout,
 * max_retries} */
static PyObject *engine_submit_raw(lpy_engine *e, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"client", "method", "path", "options", NULL};
  PyObject *client, *options = NULL;
  const char *method, *path;
  Py_ssize_t ml, pl;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "Os#s#|O:submit_raw", kwlist, &client, &method, &ml, &path, &pl,
                                   &options))
    return NULL;
  if (submit_check(e, client) < 0) return NULL;
  light_args *a = lpy_args_build(e->st, NULL, method, ml, path, pl, NULL, options);
  return a ? engine_submit_common(e, (lpy_client *)client, a, 0) : NULL;
}

static PyObject *engine_close(lpy_engine *e, PyObject *unused) {
  engine_close_core(e);
  Py_RETURN_NONE;
}

static PyObject *engine_pending(lpy_engine *e, void *c) {
  return PyLong_FromSize_t(e->engine ? light_engine_pending(e->engine) : 0);
}
static PyObject *engine_get_loop(lpy_engine *e, void *c) { return Py_NewRef(e->loop ? e->loop : Py_None); }
static PyObject *engine_closed(lpy_engine *e, void *c) { return PyBool_FromLong(e->engine == NULL); }

static PyMethodDef engine_methods[] = {
    {"submit", (PyCFunction)(void (*)(void))engine_submit, METH_VARARGS | METH_KEYWORDS,
     "submit(client, op_id, path_params=(), params=None, paginated=False) -> AsyncRequest"},
    {"submit_raw", (PyCFunction)(void (*)(void))engine_submit_raw, METH_VARARGS | METH_KEYWORDS,
     "submit_raw(client, method, path, options=None) -> AsyncRequest"},
    {"close", (PyCFunction)engine_close, METH_NOARGS, "Cancel pending requests and free the engine (idempotent)."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef engine_getset[] = {
    {"pending", (getter)engine_pending, NULL, "requests submitted and not completed", NULL},
    {"loop", (getter)engine_get_loop, NULL, "the asyncio loop driving this engine", NULL},
    {"closed", (getter)engine_closed, NULL, "True after close()", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyType_Slot engine_slots[] = {{Py_tp_new, engine_new},
                                     {Py_tp_dealloc, engine_dealloc},
                                     {Py_tp_traverse, engine_traverse},
                                     {Py_tp_clear, engine_clear},
                                     {Py_tp_methods, engine_methods},
                                     {Py_tp_getset, engine_getset},
                                     {Py_tp_doc, "Async engine bound to one asyncio loop."},
                                     {0, NULL}};

static PyType_Spec engine_spec = {"light._light.Engine", sizeof(lpy_engine), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
                                  engine_slots};

/* ---- AsyncRequest type ----------------------------------------------------------- */

static PyObject *request_cancel(lpy_request *r, PyObject *unused) {
  if (r->pending && r->handle && r->engine->engine) light_engine_cancel(r->engine->engine, r->handle);
  Py_RETURN_NONE;
}

static PyObject *request_future(lpy_request *r, void *c) { return Py_NewRef(r->future ? r->future : Py_None); }
static PyObject *request_pending(lpy_request *r, void *c) { return PyBool_FromLong(r->pending); }

static int request_traverse(lpy_request *r, visitproc visit, void *arg) {
  Py_VISIT(Py_TYPE(r));
  Py_VISIT(r->future);
  Py_VISIT((PyObject *)r->engine);
  Py_VISIT((PyObject *)r->client);
  return 0;
}

static int request_clear(lpy_request *r) {
  if (r->pending) return 0; /* the engine still owns it */
  Py_CLEAR(r->future);
  Py_CLEAR(r->engine);
  Py_CLEAR(r->client);
  return 0;
}

static void request_dealloc(lpy_request *r) {
  PyTypeObject *tp = Py_TYPE(r);
  PyObject_GC_UnTrack(r);
  Py_CLEAR(r->future);
  Py_CLEAR(r->engine);
  Py_CLEAR(r->client);
  cJSON_Delete(r->query);
  PyObject_GC_Del(r);
  Py_DECREF(tp);
}

static PyMethodDef request_methods[] = {
    {"cancel", (PyCFunction)request_cancel, METH_NOARGS, "Cancel the request if it is still pending."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef request_getset[] = {{"future", (getter)request_future, NULL, "asyncio.Future of the result", NULL},
                                       {"pending", (getter)request_pending, NULL, "not completed yet", NULL},
                                       {NULL, NULL, NULL, NULL, NULL}};

static PyType_Slot request_slots[] = {{Py_tp_dealloc, request_dealloc},
                                      {Py_tp_traverse, request_traverse},
                                      {Py_tp_clear, request_clear},
                                      {Py_tp_methods, request_methods},
                                      {Py_tp_getset, request_getset},
                                      {Py_tp_doc, "One pending async request."},
                                      {0, NULL}};

static PyType_Spec request_spec = {"light._light.AsyncRequest", sizeof(lpy_request), 0,
                                   Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION,
                                   request_slots};

int lpy_engine_type_init(PyObject *module, lpy_state *st) {
  st->engine_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &engine_spec, NULL);
  if (!st->engine_type || PyModule_AddType(module, st->engine_type) < 0) return -1;
  st->request_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &request_spec, NULL);
  if (!st->request_type || PyModule_AddType(module, st->request_type) < 0) return -1;
  return 0;
}
