/* Python values → the core's argument builder (the request direction, call
 * and record arguments alike; responses become Python values in decode.c,
 * straight from the core's parser).
 *
 * It accepts mappings, lists/tuples, str, int, float, bool, None,
 * decimal.Decimal (as a string, to keep money exact), objects with an
 * isoformat() method (date/datetime) as strings, and bytes-like objects as
 * binary data. */
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

/* Name of @p o's type as CPython's tp_name spells it ("int", "decimal.Decimal", "MyClass"),
 * at most 80 bytes, written to @p buf; never fails (clears any error, "?" then). */
static const char *type_name(PyObject *o, char buf[96]) {
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

int lpy_bytes_of(PyObject *o, PyObject **keep, const char **data, Py_ssize_t *len) {
  *keep = NULL;
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
        PyErr_Format(PyExc_TypeError, "a bytes-like object is required, not '%s'", type_name(o, tn));
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
    PyErr_Format(PyExc_TypeError, "object keys must be str, not %s", type_name(k, tn));
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

/* Bytes of bytes or any buffer (a webhook payload, a multipart file: the core refuses them
 * elsewhere), copied by the core; 2 (no exception) when @p obj is no buffer. */
static int put_bytes(light_args *a, PyObject *obj) {
  PyObject *keep;
  const char *d;
  Py_ssize_t n;
  if (lpy_bytes_of(obj, &keep, &d, &n) < 0) return PyErr_ExceptionMatches(PyExc_TypeError) ? (PyErr_Clear(), 2) : -1;
  int rc = args_rc(light_args_binary(a, d, (size_t)n));
  Py_DECREF(keep);
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
  if (PyBytes_Check(obj)) return put_bytes(a, obj);
  if (is_decimal(obj)) return put_str_of(a, obj, NULL);
  int has = PyObject_HasAttrString(obj, "isoformat");
  if (has) return put_str_of(a, obj, "isoformat");
  if (PyMapping_Check(obj) && PyObject_HasAttrString(obj, "items")) return put_mapping(a, obj, depth, 0);
  int rc = put_bytes(a, obj); /* bytearray, memoryview, any buffer */
  if (rc != 2) return rc;
  char tn[96];
  PyErr_Format(PyExc_TypeError, "%s values cannot be sent as JSON", type_name(obj, tn));
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
    PyErr_Format(PyExc_TypeError, "expected a mapping, not %s", type_name(obj, tn));
    rc = -1;
  }
  return rc < 0 ? -1 : 0;
}

light_args *lpy_args_finish(lpy_state *st, light_args *a, int rc) {
  if (rc == 0 && !PyErr_Occurred()) light_args_finish(a);
  light_error err = LIGHT_ERROR_INIT;
  light_status code = PyErr_Occurred() ? LIGHT_OK : light_args_error(a, &err);
  PyObject *exc = code != LIGHT_OK && light_args_error_is_type(a) /* Python's idiom */
                      ? lpy_arg_exception(PyExc_TypeError, &err, err.message ? err.message : "invalid argument")
                      : NULL;
  if (exc) {
    PyErr_SetObject(PyExc_TypeError, exc);
    Py_DECREF(exc);
  } else if (code != LIGHT_OK && !light_args_error_is_type(a))
    lpy_raise(st, code, &err);
  light_error_clear(&err);
  if (!PyErr_Occurred()) return a;
  light_args_free(a);
  return NULL;
}

light_args *lpy_args_build(lpy_state *st, const char *op_id, const char *method, Py_ssize_t method_len,
                           const char *path, Py_ssize_t path_len, PyObject *path_params, PyObject *params) {
  light_args *a = NULL;
  light_status rc = op_id ? light_args_new(&a, op_id, 0)
                          : light_args_new_raw(&a, method, (size_t)method_len, path, (size_t)path_len, 0);
  if (!a) return (light_args *)PyErr_NoMemory();
  int prc = 0;
  if (rc == LIGHT_OK && op_id && path_params && path_params != Py_None) {
    if (!PyTuple_Check(path_params)) {
      PyErr_SetString(PyExc_TypeError, "path_params must be a tuple");
      prc = -1;
    }
    /* borrowed from the tuple, which the caller holds; the core decides what a path parameter may be */
    for (Py_ssize_t i = 0; prc == 0 && i < PyTuple_Size(path_params); i++)
      prc = lpy_args_value(a, PyTuple_GetItem(path_params, i));
  }
  if (prc == 0 && light_args_section(a, LIGHT_ARGS_PARAMS) == LIGHT_OK && params && params != Py_None)
    prc = lpy_args_members(a, params);
  return lpy_args_finish(st, a, prc);
}
