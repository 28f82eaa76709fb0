/* Python values → cJSON trees (the request direction; responses become
 * Python values in decode.c, straight from the core's parser).
 *
 * Python → cJSON accepts mappings, lists/tuples, str, int, float, bool, None,
 * decimal.Decimal (as a string, to keep money exact) and objects with an
 * isoformat() method (date/datetime) as strings. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "light_py.h"

/* ---- Python → light_args (request direction) ------------------------------
 *
 * Streams a Python value into the core's argument builder (light/args.h):
 * every string crosses with its length (the core refuses NUL where it must
 * and escapes it in body strings). Keys are handed to the core before the
 * value is converted, and every object whose buffer is read is held by a
 * reference across any call back into Python (isoformat(), str() of a
 * Decimal, a mapping's items()), so Python code run by those calls cannot
 * free what is being read (issue 14 item 4). A dict that changes size while
 * it is converted raises RuntimeError, as iterating it in Python would.
 *
 * Python types the core has no word for raise TypeError here; values the
 * core refuses (NaN, NUL in a key, ...) come back as its ValueError. */

static int put_value(light_args *a, PyObject *obj, int depth);

/* 0 on success; -1 with a Python exception set, or 1 when the args hold the error. */
static int args_rc(light_status st) { return st == LIGHT_OK ? 0 : 1; }

static int put_str(light_args *a, PyObject *s, int as_key) {
  Py_ssize_t n;
  Py_INCREF(s); /* its UTF-8 buffer is read below */
  const char *u = PyUnicode_AsUTF8AndSize(s, &n);
  int rc;
  if (!u)
    rc = -1;
  else
    rc = args_rc(as_key ? light_args_key(a, u, (size_t)n) : light_args_string(a, u, (size_t)n));
  Py_DECREF(s);
  return rc;
}

static int put_key(light_args *a, PyObject *k) {
  if (!PyUnicode_Check(k)) {
    char tn[96];
    PyErr_Format(PyExc_TypeError, "object keys must be str, not %s", lpy_type_name(k, tn));
    return -1;
  }
  return put_str(a, k, 1);
}

static int put_int(light_args *a, PyObject *obj) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
  if (v == -1 && PyErr_Occurred()) return -1;
  if (overflow) v = overflow > 0 ? INT64_MAX : INT64_MIN; /* the core refuses beyond +-2^53 in a body */
  return args_rc(light_args_int(a, (int64_t)v));
}

/* The str result of obj.method() (or str(obj) when method is NULL), streamed as a string. */
static int put_str_of(light_args *a, PyObject *obj, const char *method) {
  PyObject *s = method ? PyObject_CallMethod(obj, method, NULL) : PyObject_Str(obj);
  if (!s) return -1;
  int rc;
  if (PyUnicode_Check(s)) {
    rc = put_str(a, s, 0);
  } else {
    PyErr_Format(PyExc_TypeError, "%s() did not return a str", method ? method : "str");
    rc = -1;
  }
  Py_DECREF(s);
  return rc;
}

static int put_dict(light_args *a, PyObject *d, int depth, int members_only) {
  Py_INCREF(d);
  int rc = members_only ? 0 : args_rc(light_args_begin_object(a));
  Py_ssize_t pos = 0, size = PyDict_Size(d);
  PyObject *k, *v;
  while (rc == 0 && PyDict_Next(d, &pos, &k, &v)) {
    Py_INCREF(k);
    Py_INCREF(v);
    rc = put_key(a, k); /* the core copies the key now, before any Python code runs */
    if (rc == 0) rc = put_value(a, v, depth + 1);
    Py_DECREF(v);
    Py_DECREF(k);
    if (rc == 0 && PyDict_Size(d) != size) {
      PyErr_SetString(PyExc_RuntimeError, "dictionary changed size while it was being sent");
      rc = -1;
    }
  }
  if (rc == 0 && !members_only) rc = args_rc(light_args_end(a));
  Py_DECREF(d);
  return rc;
}

static int put_mapping(light_args *a, PyObject *obj, int depth, int members_only) {
  PyObject *items = PyMapping_Items(obj); /* a new list of our own */
  if (!items) return -1;
  int rc = members_only ? 0 : args_rc(light_args_begin_object(a));
  Py_ssize_t n = PyList_Size(items);
  for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
    PyObject *kv = PyList_GetItem(items, i); /* borrowed from items, which we own */
    if (!kv || !PyTuple_Check(kv) || PyTuple_Size(kv) != 2) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "mapping items must be (key, value) pairs");
      rc = -1;
      break;
    }
    Py_INCREF(kv); /* keeps key and value alive (a tuple is immutable) */
    rc = put_key(a, PyTuple_GetItem(kv, 0));
    if (rc == 0) rc = put_value(a, PyTuple_GetItem(kv, 1), depth + 1);
    Py_DECREF(kv);
  }
  if (rc == 0 && !members_only) rc = args_rc(light_args_end(a));
  Py_DECREF(items);
  return rc;
}

static int put_seq(light_args *a, PyObject *obj, int depth) {
  PyObject *seq = PySequence_Fast(obj, "expected a sequence"); /* a list/tuple we hold */
  if (!seq) return -1;
  int is_list = PyList_Check(seq);
  Py_ssize_t n = is_list ? PyList_Size(seq) : PyTuple_Size(seq);
  int rc = args_rc(light_args_begin_array(a, (size_t)n)); /* too long: refused before the walk */
  for (Py_ssize_t i = 0; rc == 0 && i < (is_list ? PyList_Size(seq) : PyTuple_Size(seq)); i++) {
    PyObject *item = is_list ? PyList_GetItem(seq, i) : PyTuple_GetItem(seq, i);
    if (!item) {
      rc = -1;
      break;
    }
    Py_INCREF(item); /* isoformat() of an element may mutate the list */
    rc = put_value(a, item, depth + 1);
    Py_DECREF(item);
  }
  if (rc == 0) rc = args_rc(light_args_end(a));
  Py_DECREF(seq);
  return rc;
}

/* decimal.Decimal: its type's __module__ is "decimal" and __name__ "Decimal" (a static type up to
 * CPython 3.12, a heap type from 3.13 on, so tp_name cannot tell). Reached only for values that are
 * none of the built-in JSON types. Errors are cleared: "not a Decimal". */
static int is_decimal(PyObject *obj) {
  PyObject *tp = (PyObject *)Py_TYPE(obj);
  PyObject *name = PyObject_GetAttrString(tp, "__name__");
  PyObject *mod = name ? PyObject_GetAttrString(tp, "__module__") : NULL;
  int yes = name && mod && PyUnicode_Check(name) && PyUnicode_Check(mod) &&
            PyUnicode_CompareWithASCIIString(name, "Decimal") == 0 &&
            PyUnicode_CompareWithASCIIString(mod, "decimal") == 0;
  Py_XDECREF(name);
  Py_XDECREF(mod);
  if (PyErr_Occurred()) PyErr_Clear();
  return yes;
}

static int put_value(light_args *a, PyObject *obj, int depth) {
  if (depth > LIGHT_ARGS_MAX_DEPTH + 2) {
    light_args_fail(a, "body", "arguments nested deeper than 64 levels (or cyclic)");
    return 1;
  }
  if (obj == Py_None) return args_rc(light_args_null(a));
  if (obj == Py_True) return args_rc(light_args_bool(a, 1));
  if (obj == Py_False) return args_rc(light_args_bool(a, 0));
  if (PyUnicode_Check(obj)) return put_str(a, obj, 0);
  if (PyLong_Check(obj)) return put_int(a, obj);
  if (PyFloat_Check(obj)) {
    double v = PyFloat_AsDouble(obj);
    if (v == -1.0 && PyErr_Occurred()) return -1;
    return args_rc(light_args_double(a, v));
  }
  if (PyDict_Check(obj)) return put_dict(a, obj, depth, 0);
  if (PyList_Check(obj) || PyTuple_Check(obj)) return put_seq(a, obj, depth);
  if (PyBytes_Check(obj) || PyByteArray_Check(obj)) {
    char *d = NULL;
    Py_ssize_t n = 0;
    Py_INCREF(obj);
    int rc;
    if (PyBytes_Check(obj))
      rc = PyBytes_AsStringAndSize(obj, &d, &n) < 0 ? -1 : 0;
    else
      d = PyByteArray_AsString(obj), n = PyByteArray_Size(obj), rc = d ? 0 : -1;
    if (rc == 0) rc = args_rc(light_args_binary(a, d, (size_t)n)); /* only a multipart file accepts bytes */
    Py_DECREF(obj);
    return rc;
  }
  if (is_decimal(obj)) return put_str_of(a, obj, NULL);
  int has = PyObject_HasAttrString(obj, "isoformat");
  if (has) return put_str_of(a, obj, "isoformat");
  if (PyMapping_Check(obj) && PyObject_HasAttrString(obj, "items")) return put_mapping(a, obj, depth, 0);
  char tn[96];
  PyErr_Format(PyExc_TypeError, "%s values cannot be sent as JSON", lpy_type_name(obj, tn));
  return -1;
}

int lpy_args_value(light_args *a, PyObject *obj) { return put_value(a, obj, 0) < 0 ? -1 : 0; }

int lpy_args_members(light_args *a, PyObject *obj) {
  int rc;
  if (PyDict_Check(obj))
    rc = put_dict(a, obj, 0, 1);
  else if (PyMapping_Check(obj))
    rc = put_mapping(a, obj, 0, 1);
  else {
    char tn[96];
    PyErr_Format(PyExc_TypeError, "expected a mapping, not %s", lpy_type_name(obj, tn));
    rc = -1;
  }
  return rc < 0 ? -1 : 0;
}
