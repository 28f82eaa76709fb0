/* light._light: module definition (multi-phase init), module state, and the
 * operation table as Python data (the package builds its namespaced methods
 * from it at import time). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "light_py.h"

static struct PyModuleDef light_module;

lpy_state *lpy_state_of(PyObject *module) { return (lpy_state *)PyModule_GetState(module); }

lpy_state *lpy_state_from_type(PyTypeObject *tp) {
  /* Our types are not subclassable, so the defining module is the type's own. */
  return (lpy_state *)PyType_GetModuleState(tp);
}

/* A table the core hands out as JSON (light/options.h) as a tuple of dicts. */
static PyObject *table(PyObject *module, cJSON *j) {
  PyObject *l = j ? lpy_decode_cjson(lpy_state_of(module), j) : PyErr_NoMemory();
  cJSON_Delete(j);
  PyObject *t = l ? PySequence_Tuple(l) : NULL;
  Py_XDECREF(l);
  return t;
}

static PyObject *mod_operations(PyObject *module, PyObject *unused) {
  return table(module, light_operation_table_json(0));
}

static PyObject *mod_options(PyObject *module, PyObject *unused) { return table(module, light_option_table_json()); }

/* _decode(data: bytes) -> object: what a response body goes through (the
 * core's parser building Python objects, GIL held); benchmarks and tests. */
static PyObject *mod_decode(PyObject *module, PyObject *arg) {
  PyObject *keep;
  const char *data;
  Py_ssize_t len;
  if (lpy_bytes_of(arg, &keep, &data, &len) < 0) return NULL;
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
  if (lpy_bytes_of(arg, &keep, &data, &len) < 0) return NULL;
  light_json_result res;
  Py_BEGIN_ALLOW_THREADS light_json_parse(data, (size_t)len, NULL, NULL, NULL, &res);
  Py_END_ALLOW_THREADS Py_DECREF(keep);
  if (res.error == LIGHT_JSON_OK) Py_RETURN_NONE;
  light_error err = LIGHT_ERROR_INIT;
  return lpy_raise(lpy_state_of(module), light_json_error(&err, &res, (size_t)len, "JSON text"), &err);
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
    {"options", mod_options, METH_NOARGS, "The core's client option table as a tuple of dicts."},
    {"_decode", mod_decode, METH_O, "Decode JSON bytes into Python objects with the core's parser."},
    {"_validate", mod_validate, METH_O, "Run the core's JSON parser over bytes, building nothing (benchmarks)."},
    {"_roundtrip", mod_roundtrip, METH_O, "Python -> request JSON -> Python (tests)."},
    {"_encode", mod_encode, METH_O, "Python -> the request body's JSON text (tests)."},
    {NULL, NULL, 0, NULL}};

/* The method names engine.c calls, interned once, and the lpy_state field each fills. */
#define NAME(field) \
  { offsetof(lpy_state, str_##field), #field }
static const struct {
  size_t offset;
  const char *name;
} names[] = {NAME(add_reader),    NAME(add_writer),    NAME(remove_reader), NAME(remove_writer),
             NAME(call_later),    NAME(call_soon),     NAME(cancel),        NAME(set_result),
             NAME(set_exception), NAME(create_future), NAME(done)};
#define NAMED(st, i) (*(PyObject **)((char *)(st) + names[i].offset))

static int module_exec(PyObject *module) {
  lpy_state *st = lpy_state_of(module);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!(NAMED(st, i) = PyUnicode_InternFromString(names[i].name))) return -1;
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
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) Py_CLEAR(NAMED(st, i));
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
