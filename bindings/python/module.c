/* light._light: module definition (multi-phase init), module state, and the
 * operation table as Python data (the package builds its namespaced methods
 * from it at import time). */
#include <stdio.h>
#include <string.h>

#include "light_py.h"

static struct PyModuleDef light_module;

const char *lpy_type_name(PyObject *o, char buf[96]) {
  PyTypeObject *tp = Py_TYPE(o);
  PyObject *name = PyObject_GetAttrString((PyObject *)tp, "__name__"), *mod = NULL, *full = NULL;
  /* tp_name of a static (C) type is "module.Name" unless the module is builtins; of a class, the bare
   * name. (A C heap type, e.g. 3.13's decimal.Decimal, is named bare here: only messages use this.) */
  if (name && !(PyType_GetFlags(tp) & Py_TPFLAGS_HEAPTYPE)) {
    mod = PyObject_GetAttrString((PyObject *)tp, "__module__");
    if (mod && PyUnicode_Check(mod) && PyUnicode_CompareWithASCIIString(mod, "builtins") != 0)
      full = PyUnicode_FromFormat("%U.%U", mod, name);
  }
  Py_ssize_t n = 0;
  const char *u = NULL;
  PyObject *use = full ? full : name;
  if (use && PyUnicode_Check(use)) u = PyUnicode_AsUTF8AndSize(use, &n);
  if (!u) {
    u = "?";
    n = 1;
  }
  if (n > 80) n = 80;
  memcpy(buf, u, (size_t)n);
  buf[n] = '\0';
  Py_XDECREF(full);
  Py_XDECREF(mod);
  Py_XDECREF(name);
  if (PyErr_Occurred()) PyErr_Clear();
  return buf;
}

int lpy_bytes_of(PyObject *o, int allow_str, PyObject **keep, const char **data, Py_ssize_t *len) {
  *keep = NULL;
  if (allow_str && PyUnicode_Check(o)) {
    *data = PyUnicode_AsUTF8AndSize(o, len);
    if (!*data) return -1;
    *keep = Py_NewRef(o);
    return 0;
  }
  PyObject *b;
  if (PyBytes_Check(o)) {
    b = Py_NewRef(o);
  } else {
    /* Any buffer exporter, copied once (the 3.10 limited API has no Py_buffer). */
    PyObject *mv = PyMemoryView_FromObject(o);
    if (!mv) {
      if (PyErr_ExceptionMatches(PyExc_TypeError)) {
        char tn[96];
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "a bytes-like object is required, not '%s'", lpy_type_name(o, tn));
      }
      return -1;
    }
    b = PyBytes_FromObject(mv);
    Py_DECREF(mv);
    if (!b) return -1;
  }
  char *p;
  if (PyBytes_AsStringAndSize(b, &p, len) < 0) {
    Py_DECREF(b);
    return -1;
  }
  *data = p;
  *keep = b;
  return 0;
}

lpy_state *lpy_state_of(PyObject *module) { return (lpy_state *)PyModule_GetState(module); }

lpy_state *lpy_state_from_type(PyTypeObject *tp) {
  /* Our types are not subclassable, so the defining module is the type's own. */
  return (lpy_state *)PyType_GetModuleState(tp);
}

static PyObject *str_list(const char *const *l) {
  PyObject *t = PyList_New(0);
  if (!t) return NULL;
  for (; l && *l; l++) {
    PyObject *s = PyUnicode_FromString(*l);
    if (!s || PyList_Append(t, s) < 0) {
      Py_XDECREF(s);
      Py_DECREF(t);
      return NULL;
    }
    Py_DECREF(s);
  }
  PyObject *tup = PyList_AsTuple(t);
  Py_DECREF(t);
  return tup;
}

static PyObject *op_dict(const light_operation *op) {
  static const char *const auth_names[] = {"none", "app", "account"};
  static const char *const body_names[] = {"none", "json", "multipart"};
  static const char *const conf_names[] = {"documented", "example_app", "inferred"};
  return Py_BuildValue("{s:s,s:s,s:s,s:s,s:s,s:O,s:O,s:O,s:s,s:s,s:s,s:N,s:N,s:N,s:i,s:s}", "id", op->id, "method",
                       op->method, "path", op->path, "auth", auth_names[op->auth % 3], "body", body_names[op->body % 3],
                       "paginated", op->paginated ? Py_True : Py_False, "idempotent",
                       op->idempotent ? Py_True : Py_False, "inferred", op->inferred ? Py_True : Py_False, "confidence",
                       conf_names[op->confidence % 3], "ns", op->ns, "name", op->name, "path_params",
                       str_list(op->path_params), "query_params", str_list(op->query_params), "required",
                       str_list(op->required), "success_status", op->success_status, "summary", op->summary);
}

static PyObject *mod_operations(PyObject *module, PyObject *unused) {
  size_t n = light_operation_count();
  PyObject *t = PyTuple_New((Py_ssize_t)n);
  if (!t) return NULL;
  for (size_t i = 0; i < n; i++) {
    PyObject *d = op_dict(light_operation_at(i));
    if (!d) {
      Py_DECREF(t);
      return NULL;
    }
    PyTuple_SetItem(t, (Py_ssize_t)i, d); /* steals d; cannot fail on a fresh tuple */
  }
  return t;
}

/* _decode(data: bytes) -> object: what a response body goes through (the
 * core's parser building Python objects, GIL held); benchmarks and tests. */
static PyObject *mod_decode(PyObject *module, PyObject *arg) {
  PyObject *keep;
  const char *data;
  Py_ssize_t len;
  if (lpy_bytes_of(arg, 0, &keep, &data, &len) < 0) return NULL;
  PyObject *o = len ? lpy_decode(lpy_state_of(module), data, (size_t)len, "JSON text")
                    : PyErr_Format(PyExc_ValueError, "JSON text is empty");
  Py_DECREF(keep);
  return o;
}

/* _validate(data) -> None: the core's parser alone, building nothing (what
 * the exchange does to a 2xx body without the GIL); benchmarks. */
static PyObject *mod_validate(PyObject *module, PyObject *arg) {
  PyObject *keep;
  const char *data;
  Py_ssize_t len;
  if (lpy_bytes_of(arg, 0, &keep, &data, &len) < 0) return NULL;
  light_json_result res;
  Py_BEGIN_ALLOW_THREADS light_json_parse(data, (size_t)len, NULL, NULL, NULL, &res);
  Py_END_ALLOW_THREADS Py_DECREF(keep);
  if (res.error == LIGHT_JSON_OK) Py_RETURN_NONE;
  light_error err = LIGHT_ERROR_INIT;
  light_status code = light_json_error(&err, &res, (size_t)len, "JSON text");
  PyObject *r = lpy_raise(lpy_state_of(module), code, &err);
  light_error_clear(&err);
  return r;
}

/* The JSON text the core writes for @p arg as a request body (raw request args), or NULL with an exception. */
static light_args *encode_args(PyObject *module, PyObject *arg) {
  PyObject *opts = Py_BuildValue("{s:O}", "body", arg);
  if (!opts) return NULL;
  light_args *a = lpy_args_build(lpy_state_of(module), NULL, "POST", 4, "/", 1, NULL, opts);
  Py_DECREF(opts);
  return a;
}

/* _encode(obj) -> str: the JSON text of obj as a request body (tests of the request direction). */
static PyObject *mod_encode(PyObject *module, PyObject *arg) {
  light_args *a = encode_args(module, arg);
  if (!a) return NULL;
  size_t n = 0;
  const char *t = light_args_body(a, &n);
  PyObject *o = t ? PyUnicode_DecodeUTF8(t, (Py_ssize_t)n, "strict") : Py_NewRef(Py_None);
  light_args_free(a);
  return o;
}

/* _roundtrip(obj) -> object: Python → request JSON text → Python (tests of the converter). */
static PyObject *mod_roundtrip(PyObject *module, PyObject *arg) {
  light_args *a = encode_args(module, arg);
  if (!a) return NULL;
  size_t n = 0;
  const char *t = light_args_body(a, &n);
  cJSON *j = t ? cJSON_ParseWithLength(t, n) : NULL;
  light_args_free(a);
  if (!j) return PyErr_Format(PyExc_ValueError, "the encoded body did not parse back");
  PyObject *o = lpy_decode_cjson(lpy_state_of(module), j);
  cJSON_Delete(j);
  return o;
}

static PyObject *mod_version(PyObject *module, PyObject *unused) { return PyUnicode_FromString(light_version()); }

static PyObject *mod_error_kinds(PyObject *module, PyObject *unused) {
  lpy_state *st = lpy_state_of(module);
  PyObject *d = PyDict_New();
  if (!d) return NULL;
  for (int k = 1; k < LPY_N_KINDS; k++) {
    if (!st->exc[k]) continue;
    if (PyDict_SetItemString(d, light_error_kind_name((light_error_kind)k), st->exc[k]) < 0) {
      Py_DECREF(d);
      return NULL;
    }
  }
  return d;
}

static PyMethodDef module_methods[] = {
    {"operations", mod_operations, METH_NOARGS, "The core's operation table as a tuple of dicts."},
    {"version", mod_version, METH_NOARGS, "Version of the linked core library."},
    {"error_classes", mod_error_kinds, METH_NOARGS, "{class name: exception class}"},
    {"options", lpy_options, METH_NOARGS, "The core's client option table as a tuple of dicts."},
    {"_decode", mod_decode, METH_O, "Decode JSON bytes into Python objects with the core's parser."},
    {"_validate", mod_validate, METH_O, "Run the core's JSON parser over bytes, building nothing (benchmarks)."},
    {"_roundtrip", mod_roundtrip, METH_O, "Python -> request JSON -> Python (tests)."},
    {"_encode", mod_encode, METH_O, "Python -> the request body's JSON text (tests)."},
    {NULL, NULL, 0, NULL}};

static int intern(PyObject **slot, const char *s) {
  *slot = PyUnicode_InternFromString(s);
  return *slot ? 0 : -1;
}

static int module_exec(PyObject *module) {
  lpy_state *st = lpy_state_of(module);
  if (intern(&st->str_add_reader, "add_reader") < 0 || intern(&st->str_add_writer, "add_writer") < 0 ||
      intern(&st->str_remove_reader, "remove_reader") < 0 || intern(&st->str_remove_writer, "remove_writer") < 0 ||
      intern(&st->str_call_later, "call_later") < 0 || intern(&st->str_call_soon, "call_soon") < 0 ||
      intern(&st->str_cancel, "cancel") < 0 || intern(&st->str_set_result, "set_result") < 0 ||
      intern(&st->str_set_exception, "set_exception") < 0 || intern(&st->str_cancelled, "cancelled") < 0 ||
      intern(&st->str_create_future, "create_future") < 0 || intern(&st->str_done, "done") < 0)
    return -1;
  /* Py_GetVersion() is "3.12.1 (main, ...)": the running interpreter, whatever headers built us. */
  const char *v = Py_GetVersion();
  size_t vl = strcspn(v, " ");
  if (vl > sizeof st->runtime - sizeof "python/") vl = sizeof st->runtime - sizeof "python/";
  snprintf(st->runtime, sizeof st->runtime, "python/%.*s", (int)vl, v);
  if (lpy_errors_init(module, st) < 0) return -1;
  if (lpy_client_type_init(module, st) < 0) return -1;
  if (lpy_engine_type_init(module, st) < 0) return -1;
  if (PyModule_AddFunctions(module, lpy_webhook_methods) < 0) return -1;
  if (PyModule_AddStringConstant(module, "SIGNATURE_HEADER", LIGHT_SIGNATURE_HEADER) < 0) return -1;
  if (PyModule_AddIntConstant(module, "DEFAULT_TOLERANCE", LIGHT_WEBHOOK_DEFAULT_TOLERANCE) < 0) return -1;
  if (PyModule_AddStringConstant(module, "__version__", LIGHT_VERSION) < 0) return -1;
  return 0;
}

static int module_traverse(PyObject *module, visitproc visit, void *arg) {
  lpy_state *st = lpy_state_of(module);
  if (!st) return 0;
  Py_VISIT(st->client_type);
  Py_VISIT(st->engine_type);
  Py_VISIT(st->request_type);
  for (int i = 0; i < LPY_N_KINDS; i++) Py_VISIT(st->exc[i]);
  return 0;
}

static int module_clear(PyObject *module) {
  lpy_state *st = lpy_state_of(module);
  if (!st) return 0;
  Py_CLEAR(st->client_type);
  Py_CLEAR(st->engine_type);
  Py_CLEAR(st->request_type);
  for (int i = 0; i < LPY_N_KINDS; i++) Py_CLEAR(st->exc[i]);
  Py_CLEAR(st->str_add_reader);
  Py_CLEAR(st->str_add_writer);
  Py_CLEAR(st->str_remove_reader);
  Py_CLEAR(st->str_remove_writer);
  Py_CLEAR(st->str_call_later);
  Py_CLEAR(st->str_call_soon);
  Py_CLEAR(st->str_cancel);
  Py_CLEAR(st->str_set_result);
  Py_CLEAR(st->str_set_exception);
  Py_CLEAR(st->str_cancelled);
  Py_CLEAR(st->str_create_future);
  Py_CLEAR(st->str_done);
  return 0;
}

static void module_free(void *module) { module_clear((PyObject *)module); }

static PyModuleDef_Slot module_slots[] = {{Py_mod_exec, module_exec}, {0, NULL}};

static struct PyModuleDef light_module = {
    PyModuleDef_HEAD_INIT, "_light",       "CPython binding of the light-sdk C core.",
    sizeof(lpy_state),     module_methods, module_slots,
    module_traverse,       module_clear,   module_free};

PyMODINIT_FUNC PyInit__light(void);
PyMODINIT_FUNC PyInit__light(void) { return PyModuleDef_Init(&light_module); }
