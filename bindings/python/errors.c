/* Exception classes (held in the module state) and light_error → exception.
 *
 * The hierarchy is the core's error kinds (DESIGN.md's: LightError ⊃
 * APIError ⊃ one class per status family; APIConnectionError ⊃
 * APITimeoutError; SignatureVerificationError), built at import from
 * light_error_kind_*(). The class for an error is picked by light_error.kind alone — the binding
 * knows no status codes. Local mistakes (LIGHT_E_INVALID_ARGUMENT) become
 * ValueError, allocation failures MemoryError. */
#include <string.h>

#include "light_py.h"

/* The class tree is the core's (light_error_kind_count/name/parent/doc):
 * kinds are numbered so that a base comes before its subclasses.
 * InvalidArgumentError has no class: local misuse is TypeError/ValueError. */
int lpy_errors_init(PyObject *module, lpy_state *st) {
  size_t n = light_error_kind_count();
  if (n > LPY_N_KINDS) {
    PyErr_SetString(PyExc_ImportError, "light: the core has more error kinds than this extension was built for");
    return -1;
  }
  for (size_t k = 1; k < n; k++) {
    if (k == LIGHT_ERR_INVALID_ARGUMENT) continue;
    light_error_kind parent = light_error_kind_parent((light_error_kind)k);
    PyObject *base = parent == LIGHT_ERR_NONE ? PyExc_Exception : st->exc[parent];
    if (!base) {
      PyErr_Format(PyExc_ImportError, "light: error kind %zu has no base class", k);
      return -1;
    }
    const char *name = light_error_kind_name((light_error_kind)k);
    char qual[96];
    snprintf(qual, sizeof qual, "light.%s", name);
    PyObject *dict = PyDict_New();
    if (!dict) return -1;
    /* Class-level defaults so that instances built by user code have them too. */
    static const char *const attrs[] = {"status", "body", "request_id", "headers", "retry_after", "param", NULL};
    for (const char *const *a = attrs; *a; a++)
      if (PyDict_SetItemString(dict, *a, Py_None) < 0) goto fail_dict;
    PyObject *zero = PyLong_FromLong(0);
    if (!zero || PyDict_SetItemString(dict, "retries", zero) < 0) {
      Py_XDECREF(zero);
      goto fail_dict;
    }
    Py_DECREF(zero);
    if (k == LIGHT_ERR_SIGNATURE_VERIFICATION && PyDict_SetItemString(dict, "reason", Py_None) < 0) goto fail_dict;
    PyObject *cls = PyErr_NewExceptionWithDoc(qual, light_error_kind_doc((light_error_kind)k), base, dict);
    Py_DECREF(dict);
    if (!cls) return -1;
    st->exc[k] = cls;
    if (PyModule_AddObjectRef(module, name, cls) < 0) return -1;
    continue;
  fail_dict:
    Py_DECREF(dict);
    return -1;
  }
  return 0;
}

/* Parsed JSON body when it is JSON, else the text (None when empty). */
static PyObject *body_value(const char *body, size_t len) {
  if (!body || !len) Py_RETURN_NONE;
  light_json_result res;
  PyObject *o = lpy_decode_raw(body, len, NULL, 0, &res);
  if (o || PyErr_Occurred()) return o;
  return PyUnicode_DecodeUTF8(body, (Py_ssize_t)len, "replace");
}

/* A member of the core's error details (light_error_details_json) as Python:
 * text decoded leniently (header names and values as Latin-1, as the raw
 * header block the package reads), numbers as int (retry_after: seconds, a
 * float), the headers object as a dict. */
static PyObject *detail(const cJSON *j, int latin1) {
  if (cJSON_IsString(j)) {
    Py_ssize_t n = (Py_ssize_t)strlen(j->valuestring);
    return latin1 ? PyUnicode_DecodeLatin1(j->valuestring, n, NULL)
                  : PyUnicode_DecodeUTF8(j->valuestring, n, "replace");
  }
  if (cJSON_IsNumber(j))
    return strcmp(j->string, "retry_after") == 0 ? PyFloat_FromDouble(j->valuedouble)
                                                 : PyLong_FromDouble(j->valuedouble);
  if (!cJSON_IsObject(j)) Py_RETURN_NONE; /* no other shape is in the details */
  PyObject *d = PyDict_New();
  for (const cJSON *c = j->child; d && c; c = c->next) {
    PyObject *k = PyUnicode_DecodeLatin1(c->string, (Py_ssize_t)strlen(c->string), NULL), *v = detail(c, 1);
    if (!k || !v || PyDict_SetItem(d, k, v) < 0) Py_CLEAR(d);
    Py_XDECREF(k);
    Py_XDECREF(v);
  }
  return d;
}

static int set_attr(PyObject *exc, const char *name, PyObject *value) {
  if (!value) return -1;
  int rc = PyObject_SetAttrString(exc, name, value);
  Py_DECREF(value);
  return rc;
}

PyObject *lpy_arg_exception(PyObject *cls, const light_error *err, const char *msg) {
  PyObject *exc = PyObject_CallFunction(cls, "s", msg);
  /* the argument at fault, as Node's TypeError and Lua's err carry it */
  if (exc && err && err->param && set_attr(exc, "param", PyUnicode_FromString(err->param)) < 0) Py_CLEAR(exc);
  return exc;
}

PyObject *lpy_exception(lpy_state *st, light_status code, const light_error *err) {
  const char *msg = err && err->message ? err->message : light_strerror(code);
  if (code == LIGHT_E_NOMEM) return PyErr_NoMemory(), NULL;
  if (code == LIGHT_E_INVALID_ARGUMENT || (err && err->kind == LIGHT_ERR_INVALID_ARGUMENT))
    return lpy_arg_exception(PyExc_ValueError, err, msg);
  light_error_kind kind = err ? err->kind : LIGHT_ERR_LIGHT;
  if (kind <= LIGHT_ERR_NONE || kind >= LPY_N_KINDS || !st->exc[kind]) kind = LIGHT_ERR_LIGHT;
  if (code == LIGHT_E_CANCELLED) kind = LIGHT_ERR_LIGHT;

  PyObject *text;
  if (err && err->http_status > 0) {
    if (err->request_id)
      text = PyUnicode_FromFormat("HTTP %d: %s (request_id=%s)", err->http_status, msg, err->request_id);
    else
      text = PyUnicode_FromFormat("HTTP %d: %s", err->http_status, msg);
  } else {
    text = PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "replace");
  }
  if (!text) return NULL;
  PyObject *exc = PyObject_CallFunctionObjArgs(st->exc[kind], text, NULL);
  Py_DECREF(text);
  if (!exc) return NULL;
  /* the core's message, the same text as Node's e.message and Lua's err.message (str(e) adds the status and request id)
   */
  if (set_attr(exc, "message", PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "replace")) < 0) goto fail;
  if (!err) return exc;
  if ((err->body || err->http_status > 0) && set_attr(exc, "body", body_value(err->body, err->body_len)) < 0) goto fail;
  /* status, request_id, headers, retries, retry_after, reason, param: named and shaped by the core */
  cJSON *details = light_error_details_json(err, 0);
  const cJSON *c = details ? details->child : NULL;
  while (c &&
         (!strcmp(c->string, "kind") || !strcmp(c->string, "message") || set_attr(exc, c->string, detail(c, 0)) == 0))
    c = c->next; /* kind is the class; message is set above */
  int ok = details && !c;
  cJSON_Delete(details);
  if (ok) return exc;
  if (!details) PyErr_NoMemory();
fail:
  Py_DECREF(exc);
  return NULL;
}

PyObject *lpy_raise(lpy_state *st, light_status code, light_error *err) {
  PyObject *exc = lpy_exception(st, code, err);
  light_error_clear(err);
  if (exc) {
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
  }
  return NULL;
}

PyObject *lpy_raise_state(lpy_state *st, const char *message) {
  light_error err = LIGHT_ERROR_INIT;
  return lpy_raise(st, light_error_set(&err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, NULL, message), &err);
}
