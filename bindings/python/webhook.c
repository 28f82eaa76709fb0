/* Webhook signing and verification: thin wrappers over light_webhook_*.
 * Payloads may be bytes-like or str (encoded as UTF-8: pass the raw request
 * body whenever you have it). Secrets may be one str or a list/tuple of str
 * (rotation). */
#include <math.h>
#include <string.h>
#include <time.h>

#include "light_py.h"

/* Payload bytes from bytes-like or str; *keep (new reference, caller drops) keeps *data alive. */
static int payload_of(PyObject *o, PyObject **keep, const char **data, Py_ssize_t *len) {
  if (lpy_bytes_of(o, 1, keep, data, len) == 0) return 0;
  if (PyErr_ExceptionMatches(PyExc_TypeError)) {
    char tn[96];
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "payload must be bytes or str, not %s", lpy_type_name(o, tn));
  }
  return -1;
}

#define MAX_SECRETS 16

/* The core takes NUL-terminated secrets; a NUL inside would cut the key
 * (sign uses it whole), so it is refused in sign and verify alike. */
static Py_ssize_t nul_secret(void) {
  PyErr_SetString(PyExc_ValueError, "webhook secret must not contain NUL");
  return -1;
}

/* Bodies at least this large are verified with the GIL released: below it
 * the release/reacquire costs more than the HMAC (measured, docs/webhooks.md). */
#define VERIFY_NOGIL_BYTES 16384

/* Secrets from str or a list/tuple of str; returns the count, or -1. */
static Py_ssize_t secrets_of(PyObject *o, const char **out) {
  if (o == Py_None) return 0;
  Py_ssize_t len = 0;
  if (PyUnicode_Check(o)) {
    out[0] = PyUnicode_AsUTF8AndSize(o, &len);
    if (!out[0]) return -1;
    return memchr(out[0], '\0', (size_t)len) ? nul_secret() : 1;
  }
  if (!PyList_Check(o) && !PyTuple_Check(o)) {
    char tn[96];
    PyErr_Format(PyExc_TypeError, "secret must be a str or a list of str, not %s", lpy_type_name(o, tn));
    return -1;
  }
  int is_list = PyList_Check(o);
  Py_ssize_t n = is_list ? PyList_Size(o) : PyTuple_Size(o);
  if (n > MAX_SECRETS) {
    PyErr_Format(PyExc_ValueError, "at most %d secrets", MAX_SECRETS);
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *s = is_list ? PyList_GetItem(o, i) : PyTuple_GetItem(o, i); /* borrowed from o */
    if (!s) return -1;
    if (!PyUnicode_Check(s)) {
      PyErr_SetString(PyExc_TypeError, "every secret must be a str");
      return -1;
    }
    if (!(out[i] = PyUnicode_AsUTF8AndSize(s, &len))) return -1;
    if (memchr(out[i], '\0', (size_t)len)) return nul_secret();
  }
  return n;
}

/* A number of seconds (int or float); NaN, ±Infinity and values beyond
 * int64 are refused here, never converted. */
static int int64_of(PyObject *o, long long dflt, long long *out) {
  if (!o || o == Py_None) {
    *out = dflt;
    return 0;
  }
  if (PyBool_Check(o)) {
    PyErr_SetString(PyExc_TypeError, "expected an int number of seconds, not bool");
    return -1;
  }
  if (PyFloat_Check(o)) {
    double d = PyFloat_AsDouble(o);
    if (!(d >= -9.2e18 && d <= 9.2e18)) {
      PyErr_SetString(PyExc_ValueError, "expected a finite number of seconds");
      return -1;
    }
    *out = (long long)d;
    return 0;
  }
  *out = PyLong_AsLongLong(o);
  if (*out == -1 && PyErr_Occurred()) {
    if (PyErr_ExceptionMatches(PyExc_TypeError)) {
      PyErr_Clear();
      PyErr_SetString(PyExc_TypeError, "expected an int number of seconds");
    }
    return -1;
  }
  return 0;
}

/* verify(payload, signature, secret, tolerance=3600, now=None, parse=True) -> dict | None.
 * Hand-rolled FASTCALL argument handling: this is a hot path (one call per
 * delivered webhook) and costs less than PyArg_ParseTupleAndKeywords. */
static PyObject *verify_impl(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                             int max_args) {
  static const char *const names[] = {"payload", "signature", "secret", "tolerance", "now", "parse"};
  PyObject *a[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
  if (nargs > max_args) return PyErr_Format(PyExc_TypeError, "verify() takes at most %d arguments", max_args);
  for (Py_ssize_t i = 0; i < nargs; i++) a[i] = args[i];
  Py_ssize_t nk = kwnames ? PyTuple_Size(kwnames) : 0;
  for (Py_ssize_t k = 0; k < nk; k++) {
    PyObject *kname = PyTuple_GetItem(kwnames, k); /* borrowed from kwnames */
    const char *kn = kname ? PyUnicode_AsUTF8AndSize(kname, NULL) : NULL;
    if (!kn) return NULL;
    int found = 0;
    for (int i = 0; i < max_args; i++)
      if (strcmp(kn, names[i]) == 0) {
        if (a[i]) return PyErr_Format(PyExc_TypeError, "verify() got multiple values for '%s'", kn);
        a[i] = args[nargs + k];
        found = 1;
      }
    if (!found) return PyErr_Format(PyExc_TypeError, "verify() got an unexpected keyword argument '%s'", kn);
  }
  if (!a[0] || !a[1] || !a[2]) return PyErr_Format(PyExc_TypeError, "verify() needs payload, signature and secret");
  lpy_state *st = lpy_state_of(module);
  const char *sig;
  if (a[1] == Py_None)
    sig = "";
  else if (PyUnicode_Check(a[1])) {
    if (!(sig = PyUnicode_AsUTF8AndSize(a[1], NULL))) return NULL;
  } else if (PyBytes_Check(a[1])) {
    if (!(sig = PyBytes_AsString(a[1]))) return NULL;
  } else
    return PyErr_Format(PyExc_TypeError, "signature must be a str");
  long long now;
  int64_t tolerance = LIGHT_WEBHOOK_DEFAULT_TOLERANCE;
  if (a[3] && a[3] != Py_None) {
    /* NaN, ±Infinity, 0, negative, huge → 0, which the core refuses: nothing turns the window off */
    if (PyBool_Check(a[3]) || !(PyLong_Check(a[3]) || PyFloat_Check(a[3]))) {
      char tn[96];
      return PyErr_Format(PyExc_TypeError, "tolerance must be a number of seconds, not %s", lpy_type_name(a[3], tn));
    }
    double d = PyFloat_AsDouble(a[3]);
    if (d == -1.0 && PyErr_Occurred()) {
      if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return NULL;
      PyErr_Clear();
      d = HUGE_VAL;
    }
    tolerance = light_webhook_tolerance_of(d);
  }
  if (int64_of(a[4], (long long)time(NULL), &now) < 0) return NULL;
  int parse = max_args < 6 ? 0 : a[5] ? PyObject_IsTrue(a[5]) : 1;
  if (parse < 0) return NULL;
  PyObject *keep;
  const char *data;
  Py_ssize_t len;
  if (payload_of(a[0], &keep, &data, &len) < 0) return NULL;
  /* The secrets last, so that no Python code runs between taking their UTF-8
   * and the verify; a list is copied to a tuple, so that no other thread (the
   * GIL is released for large bodies) can drop a secret while it is read. */
  PyObject *sec_hold = PyList_Check(a[2]) ? PyList_AsTuple(a[2]) : Py_NewRef(a[2]);
  if (!sec_hold) {
    Py_DECREF(keep);
    return NULL;
  }
  const char *secrets[MAX_SECRETS];
  Py_ssize_t n_secrets = secrets_of(sec_hold, secrets);
  if (n_secrets < 0) {
    Py_DECREF(sec_hold);
    Py_DECREF(keep);
    return NULL;
  }
  light_error err = LIGHT_ERROR_INIT;
  PyObject *out = NULL;
  light_status rc;
  /* keep, the signature and the secrets' str objects stay referenced by this
   * call, and the payload is immutable (bytes, or a copy): safe without the GIL. */
  if (len >= VERIFY_NOGIL_BYTES) {
    Py_BEGIN_ALLOW_THREADS rc =
        light_webhook_verify(data, (size_t)len, sig, secrets, (size_t)n_secrets, tolerance, now, &err);
    Py_END_ALLOW_THREADS
  } else {
    rc = light_webhook_verify(data, (size_t)len, sig, secrets, (size_t)n_secrets, tolerance, now, &err);
  }
  Py_DECREF(sec_hold);
  if (rc == LIGHT_OK && parse) {
    /* the event straight from the core's parser, checked by the core's envelope rule */
    light_json_member m[LIGHT_WEBHOOK_ENVELOPE_N];
    light_webhook_envelope_init(m);
    light_json_result res;
    out = len ? lpy_decode_raw(data, (size_t)len, m, LIGHT_WEBHOOK_ENVELOPE_N, &res) : NULL;
    if (!out && PyErr_Occurred()) {
      Py_DECREF(keep);
      light_error_clear(&err);
      return NULL;
    }
    if (!len) res.error = LIGHT_JSON_OK;
    rc = light_webhook_envelope_check(&res, m, (size_t)len, &err);
    if (rc != LIGHT_OK) Py_CLEAR(out);
  }
  Py_DECREF(keep);
  if (rc != LIGHT_OK) {
    /* a validly signed body that is no event envelope: APIResponseValidationError, as in every language */
    out = lpy_raise(st, rc, &err);
  } else if (!parse) {
    out = Py_NewRef(Py_None);
  }
  light_error_clear(&err);
  return out;
}

static PyObject *webhook_verify(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  return verify_impl(module, args, nargs, kwnames, 6);
}

/* verify_signature(payload, signature, secret, tolerance=3600, now=None) -> None */
static PyObject *webhook_verify_signature(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                          PyObject *kwnames) {
  return verify_impl(module, args, nargs, kwnames, 5);
}

/* sign(payload, secret, timestamp=None) -> "t.hex" */
static PyObject *webhook_sign(PyObject *module, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"payload", "secret", "timestamp", NULL};
  PyObject *payload, *ts = NULL;
  const char *secret;
  Py_ssize_t secret_len;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "Os#|O:sign", kwlist, &payload, &secret, &secret_len, &ts)) return NULL;
  if (memchr(secret, '\0', (size_t)secret_len)) return (PyObject *)(nul_secret(), NULL);
  long long t;
  if (int64_of(ts, (long long)time(NULL), &t) < 0) return NULL;
  PyObject *keep;
  const char *data;
  Py_ssize_t len;
  if (payload_of(payload, &keep, &data, &len) < 0) return NULL;
  char out[LIGHT_SIGNATURE_MAX];
  light_status rc = light_webhook_sign(out, sizeof out, data, (size_t)len, secret, (size_t)secret_len, t);
  Py_DECREF(keep);
  if (rc == LIGHT_E_INVALID_ARGUMENT)
    return PyErr_Format(PyExc_ValueError, "sign(): secret must be non-empty and timestamp >= 0");
  if (rc != LIGHT_OK) return lpy_raise(lpy_state_of(module), rc, NULL);
  return PyUnicode_FromString(out);
}

static PyObject *webhook_event_names(PyObject *module, PyObject *unused) {
  size_t n = light_event_count();
  PyObject *t = PyTuple_New((Py_ssize_t)n);
  if (!t) return NULL;
  for (size_t i = 0; i < n; i++) {
    PyObject *s = PyUnicode_FromString(light_event_at(i));
    if (!s) {
      Py_DECREF(t);
      return NULL;
    }
    PyTuple_SetItem(t, (Py_ssize_t)i, s); /* steals s; cannot fail on a fresh tuple */
  }
  return t;
}

PyMethodDef lpy_webhook_methods[] = {
    {"webhook_verify", (PyCFunction)(void (*)(void))webhook_verify, METH_FASTCALL | METH_KEYWORDS,
     "webhook_verify(payload, signature, secret, tolerance=3600, now=None, parse=True) -> dict | None"},
    {"webhook_verify_signature", (PyCFunction)(void (*)(void))webhook_verify_signature, METH_FASTCALL | METH_KEYWORDS,
     "verify_signature(payload, signature, secret, tolerance=3600, now=None) -> None\n"
     "Verify a Light-Signature-v1 header over the raw payload (str or bytes) with a secret or a list of\n"
     "secrets; raises SignatureVerificationError (reason: malformed_header, timestamp_too_old,\n"
     "timestamp_in_future, signature_mismatch, no_secret)."},
    {"webhook_sign", (PyCFunction)(void (*)(void))webhook_sign, METH_VARARGS | METH_KEYWORDS,
     "webhook_sign(payload, secret, timestamp=None) -> str"},
    {"event_names", webhook_event_names, METH_NOARGS, "The documented webhook event names."},
    {NULL, NULL, 0, NULL}};
