/* Exception classes (held in the module state) and light_error → exception.
 *
 * The hierarchy is DESIGN.md's: LightError ⊃ APIError ⊃ one class per status
 * family; APIConnectionError ⊃ APITimeoutError; SignatureVerificationError.
 * The class for an error is picked by light_error.kind alone — the binding
 * knows no status codes. Local mistakes (LIGHT_E_INVALID_ARGUMENT) become
 * ValueError, allocation failures MemoryError. */
#include <string.h>

#include "light_py.h"

typedef struct exc_spec {
  light_error_kind kind;
  light_error_kind base; /* LIGHT_ERR_NONE = Exception */
  const char *doc;
} exc_spec;

/* Order matters: a base comes before its subclasses. */
static const exc_spec specs[] = {
    {LIGHT_ERR_LIGHT, LIGHT_ERR_NONE, "Base class of every error raised by light."},
    {LIGHT_ERR_API, LIGHT_ERR_LIGHT,
     "The server answered with an error status. Attributes: status, body, request_id, headers."},
    {LIGHT_ERR_BAD_REQUEST, LIGHT_ERR_API, "HTTP 400."},
    {LIGHT_ERR_AUTHENTICATION, LIGHT_ERR_API, "HTTP 401: token missing, invalid or expired."},
    {LIGHT_ERR_PERMISSION_DENIED, LIGHT_ERR_API, "HTTP 403."},
    {LIGHT_ERR_NOT_FOUND, LIGHT_ERR_API, "HTTP 404."},
    {LIGHT_ERR_CONFLICT, LIGHT_ERR_API, "HTTP 409."},
    {LIGHT_ERR_UNPROCESSABLE_ENTITY, LIGHT_ERR_API, "HTTP 422: the request is valid JSON but not acceptable now."},
    {LIGHT_ERR_RATE_LIMIT, LIGHT_ERR_API, "HTTP 429 after the retries allowed."},
    {LIGHT_ERR_INTERNAL_SERVER, LIGHT_ERR_API, "HTTP 5xx after the retries allowed."},
    {LIGHT_ERR_DECODE, LIGHT_ERR_API, "A 2xx response whose body is not the JSON expected."},
    {LIGHT_ERR_CONNECTION, LIGHT_ERR_LIGHT, "Could not talk to the server (DNS, connect, reset, TLS)."},
    {LIGHT_ERR_TIMEOUT, LIGHT_ERR_CONNECTION, "The request timed out."},
    {LIGHT_ERR_SIGNATURE_VERIFICATION, LIGHT_ERR_LIGHT,
     "A webhook signature did not verify. Attribute: reason (malformed_header, timestamp_too_old, "
     "timestamp_in_future, signature_mismatch, no_secret)."},
};

int lpy_errors_init(PyObject *module, lpy_state *st) {
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    const exc_spec *s = &specs[i];
    PyObject *base = s->base == LIGHT_ERR_NONE ? PyExc_Exception : st->exc[s->base];
    const char *name = light_error_kind_name(s->kind);
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
    if (s->kind == LIGHT_ERR_SIGNATURE_VERIFICATION && PyDict_SetItemString(dict, "reason", Py_None) < 0)
      goto fail_dict;
    PyObject *cls = PyErr_NewExceptionWithDoc(qual, s->doc, base, dict);
    Py_DECREF(dict);
    if (!cls) return -1;
    st->exc[s->kind] = cls;
    if (PyModule_AddObjectRef(module, name, cls) < 0) return -1;
    continue;
  fail_dict:
    Py_DECREF(dict);
    return -1;
  }
  return 0;
}

/* "Name: value\r\n" lines → {lowercased name: value}; repeated names joined with ", ". */
static PyObject *headers_dict(const char *raw, size_t len) {
  PyObject *d = PyDict_New();
  if (!d || !raw) return d;
  const char *p = raw, *end = raw + len;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *line_end = eol ? eol : end;
    const char *colon = memchr(p, ':', (size_t)(line_end - p));
    if (colon && colon > p && memcmp(p, "HTTP/", 5) != 0) {
      const char *v = colon + 1, *ve = line_end;
      while (v < ve && (*v == ' ' || *v == '\t')) v++;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
      PyObject *k = PyUnicode_DecodeLatin1(p, colon - p, NULL);
      PyObject *lk = k ? PyObject_CallMethod(k, "lower", NULL) : NULL;
      PyObject *val = PyUnicode_DecodeLatin1(v, ve - v, NULL);
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
      Py_XDECREF(k);
      Py_XDECREF(lk);
      Py_XDECREF(val);
      if (rc < 0) {
        Py_DECREF(d);
        return NULL;
      }
    }
    p = eol ? eol + 1 : end;
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
  if (!exc || !err) return exc;
  if (err->http_status > 0 && set_attr(exc, "status", PyLong_FromLong(err->http_status)) < 0) goto fail;
  if (err->request_id && set_attr(exc, "request_id", PyUnicode_FromString(err->request_id)) < 0) goto fail;
  if ((err->body || err->http_status > 0) && set_attr(exc, "body", body_value(err->body, err->body_len)) < 0)
    goto fail;
  if ((err->headers || err->http_status > 0) && set_attr(exc, "headers", headers_dict(err->headers, err->headers_len)) < 0)
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
