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
    static const char *const attrs[] = {"status", "body", "request_id", "headers", "retry_after", NULL};
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

/* {lower-cased name: value}; repeated names joined with ", ". The core
 * parses the block (light_header_next). */
static PyObject *headers_dict(const char *raw, size_t len) {
  PyObject *d = PyDict_New();
  size_t pos = 0, nl, vl;
  const char *name, *v;
  char small[128];
  while (d && light_header_next(raw, len, &pos, &name, &nl, &v, &vl)) {
    char *key = nl < sizeof small ? small : PyMem_Malloc(nl + 1);
    if (!key) {
      Py_DECREF(d);
      return PyErr_NoMemory();
    }
    for (size_t i = 0; i < nl; i++) key[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
    PyObject *lk = PyUnicode_DecodeLatin1(key, (Py_ssize_t)nl, NULL);
    if (key != small) PyMem_Free(key);
    PyObject *val = PyUnicode_DecodeLatin1(v, (Py_ssize_t)vl, NULL);
    int rc = -1;
    if (lk && val) {
      PyObject *old = PyDict_GetItemWithError(d, lk);
      if (old) {
        PyObject *joined = PyUnicode_FromFormat("%U, %U", old, val);
        rc = joined ? PyDict_SetItem(d, lk, joined) : -1;
        Py_XDECREF(joined);
      } else if (!PyErr_Occurred()) {
        rc = PyDict_SetItem(d, lk, val);
      }
    }
    Py_XDECREF(lk);
    Py_XDECREF(val);
    if (rc < 0) {
      Py_DECREF(d);
      return NULL;
    }
  }
  return d;
}

/* Parsed JSON body when it is JSON, else the text (None when empty). */
static PyObject *body_value(const char *body, size_t len) {
  if (!body || !len) Py_RETURN_NONE;
  light_json_result res;
  PyObject *o = lpy_decode_raw(body, len, NULL, 0, &res);
  if (o || PyErr_Occurred()) return o;
  return PyUnicode_DecodeUTF8(body, (Py_ssize_t)len, "replace");
}

static int set_attr(PyObject *exc, const char *name, PyObject *value) {
  if (!value) return -1;
  int rc = PyObject_SetAttrString(exc, name, value);
  Py_DECREF(value);
  return rc;
}

PyObject *lpy_exception(lpy_state *st, light_status code, const light_error *err) {
  const char *msg = err && err->message ? err->message : light_strerror(code);
  if (code == LIGHT_E_NOMEM) return PyErr_NoMemory(), NULL;
  if (code == LIGHT_E_INVALID_ARGUMENT || (err && err->kind == LIGHT_ERR_INVALID_ARGUMENT))
    return PyObject_CallFunction(PyExc_ValueError, "s", msg);
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
  if (err->http_status > 0 && set_attr(exc, "status", PyLong_FromLong(err->http_status)) < 0) goto fail;
  if (err->request_id && set_attr(exc, "request_id", PyUnicode_FromString(err->request_id)) < 0) goto fail;
  if ((err->body || err->http_status > 0) && set_attr(exc, "body", body_value(err->body, err->body_len)) < 0) goto fail;
  if ((err->headers || err->http_status > 0) &&
      set_attr(exc, "headers", headers_dict(err->headers, err->headers_len)) < 0)
    goto fail;
  if (err->retry_after >= 0 && set_attr(exc, "retry_after", PyFloat_FromDouble(err->retry_after)) < 0) goto fail;
  if (set_attr(exc, "retries", PyLong_FromLong(err->retries)) < 0) goto fail;
  if (kind == LIGHT_ERR_SIGNATURE_VERIFICATION &&
      set_attr(exc, "reason", PyUnicode_FromString(light_signature_reason_name(err->signature_reason))) < 0)
    goto fail;
  return exc;
fail:
  Py_DECREF(exc);
  return NULL;
}

PyObject *lpy_raise(lpy_state *st, light_status code, const light_error *err) {
  PyObject *exc = lpy_exception(st, code, err);
  if (exc) {
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
  }
  return NULL;
}
