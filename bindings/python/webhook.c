/* Webhook signing and verification: the arguments are the core's record
 * arguments (light_args_new_record), streamed with the call-argument
 * converter and checked by the core, with one message for every language.
 * Payloads may be bytes-like or str (encoded as UTF-8: pass the raw request
 * body whenever you have it). Secrets may be one str or a list/tuple of str
 * (rotation). */
#include <string.h>

#include "light_py.h"

/* Bodies at least this large are verified with the GIL released: below it
 * the release/reacquire costs more than the HMAC (measured, docs/webhooks.md). */
#define VERIFY_NOGIL_BYTES 16384

/* FASTCALL arguments as finished webhook record arguments of @p kind:
 * positional values take the record's names in order, keywords are named.
 * With @p parse (verify), the sixth positional or the keyword `parse` is
 * read into *parse instead: a positional one before anything is streamed. No
 * dict is built. NULL with an exception set. */
static light_args *webhook_args(PyObject *module, light_args_record_kind kind, PyObject *const *args, Py_ssize_t nargs,
                                PyObject *kwnames, int *parse) {
  if (parse && nargs > 5 && (*parse = PyObject_IsTrue(args[5])) < 0) return NULL;
  light_args *a = NULL;
  light_args_new_record(&a, kind, 0); /* seconds, as Python's times are */
  if (!a) return (light_args *)PyErr_NoMemory();
  int rc = 0;
  for (Py_ssize_t i = 0; rc == 0 && i < nargs; i++)
    if (!parse || i != 5) rc = lpy_args_value(a, args[i]);
  if (rc == 0) light_args_section(a, LIGHT_ARGS_PARAMS);
  Py_ssize_t nk = kwnames ? PyTuple_Size(kwnames) : 0;
  for (Py_ssize_t k = 0; rc == 0 && k < nk; k++) {
    Py_ssize_t n = 0;
    const char *name = PyUnicode_AsUTF8AndSize(PyTuple_GetItem(kwnames, k), &n); /* kwnames holds it */
    if (!name)
      rc = -1;
    else if (parse && n == 5 && memcmp(name, "parse", 5) == 0) {
      if (nargs > 5) PyErr_SetString(PyExc_TypeError, "argument 'parse' given twice"); /* the core's wording */
      rc = nargs > 5 || (*parse = PyObject_IsTrue(args[nargs + k])) < 0 ? -1 : 0;
    } else if (light_args_key(a, name, (size_t)n) != LIGHT_OK)
      rc = -1;
    else
      rc = lpy_args_value(a, args[nargs + k]);
  }
  return lpy_args_finish(lpy_state_of(module), a, rc);
}

/* verify(payload, signature, secret, tolerance=3600, now=None, parse=True) -> dict | None;
 * verify_signature: the same without parse. */
static PyObject *verify_impl(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, int *parse) {
  light_args *a = webhook_args(module, LIGHT_ARGS_WEBHOOK_VERIFY, args, nargs, kwnames, parse);
  if (!a) return NULL;
  size_t len = 0;
  const char *data = light_args_payload(a, &len);
  light_error err = LIGHT_ERROR_INIT;
  PyObject *out = NULL;
  light_status rc;
  /* The args own copies of the payload and the secrets: nothing Python can drop is read without the GIL. */
  if (len >= VERIFY_NOGIL_BYTES) {
    Py_BEGIN_ALLOW_THREADS rc = light_webhook_verify_args(a, &err);
    Py_END_ALLOW_THREADS
  } else {
    rc = light_webhook_verify_args(a, &err);
  }
  if (rc == LIGHT_OK && parse && *parse) {
    /* the event straight from the core's parser, checked by the core's envelope rule */
    light_json_member m[LIGHT_WEBHOOK_ENVELOPE_N];
    light_webhook_envelope_init(m);
    light_json_result res;
    out = len ? lpy_decode_raw(data, len, m, LIGHT_WEBHOOK_ENVELOPE_N, &res) : NULL;
    if (!len) res.error = LIGHT_JSON_OK;
    rc = out || !PyErr_Occurred() ? light_webhook_envelope_check(&res, m, len, &err) : LIGHT_E_NOMEM;
    if (rc != LIGHT_OK) Py_CLEAR(out);
  }
  light_args_free(a);
  /* a validly signed body that is no event envelope: APIResponseValidationError, as in every language */
  if (rc != LIGHT_OK) return PyErr_Occurred() ? NULL : lpy_raise(lpy_state_of(module), rc, &err);
  return out ? out : Py_NewRef(Py_None);
}

static PyObject *webhook_verify(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  int parse = 1;
  return verify_impl(module, args, nargs, kwnames, &parse);
}

/* verify_signature(payload, signature, secret, tolerance=3600, now=None) -> None */
static PyObject *webhook_verify_signature(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                          PyObject *kwnames) {
  return verify_impl(module, args, nargs, kwnames, NULL);
}

/* sign(payload, secret, timestamp=None) -> "t.hex" */
static PyObject *webhook_sign(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  light_args *a = webhook_args(module, LIGHT_ARGS_WEBHOOK_SIGN, args, nargs, kwnames, NULL);
  if (!a) return NULL;
  char out[LIGHT_SIGNATURE_MAX];
  light_error err = LIGHT_ERROR_INIT;
  light_status rc = light_webhook_sign_args(out, sizeof out, a, &err);
  light_args_free(a);
  return rc == LIGHT_OK ? PyUnicode_FromString(out) : lpy_raise(lpy_state_of(module), rc, &err);
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
    {"webhook_sign", (PyCFunction)(void (*)(void))webhook_sign, METH_FASTCALL | METH_KEYWORDS,
     "webhook_sign(payload, secret, timestamp=None) -> str"},
    {"event_names", webhook_event_names, METH_NOARGS, "The documented webhook event names."},
    {NULL, NULL, 0, NULL}};
