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

/* ---- Python → cJSON ---------------------------------------------------- */

static cJSON *to_item(PyObject *obj, const char *what, int depth);

static cJSON *str_item(PyObject *s) {
  Py_ssize_t n;
  const char *u = PyUnicode_AsUTF8AndSize(s, &n);
  if (!u) return NULL;
  if ((size_t)n != strlen(u)) {
    PyErr_SetString(PyExc_ValueError, "strings sent to Light must not contain NUL characters");
    return NULL;
  }
  cJSON *j = cJSON_CreateString(u);
  if (!j) PyErr_NoMemory();
  return j;
}

static cJSON *int_item(PyObject *obj, const char *what) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
  if (v == -1 && PyErr_Occurred()) return NULL;
  if (overflow || v > 9007199254740992LL || v < -9007199254740992LL) {
    PyErr_Format(PyExc_ValueError, "%s: integer %R does not fit a JSON number exactly; pass it as a string", what,
                 obj);
    return NULL;
  }
  cJSON *j = cJSON_CreateNumber((double)v);
  if (!j) PyErr_NoMemory();
  return j;
}

static cJSON *object_item(PyObject *obj, const char *what, int depth) {
  cJSON *out = cJSON_CreateObject();
  if (!out) return (cJSON *)PyErr_NoMemory();
  PyObject *items = NULL;
  if (PyDict_Check(obj)) {
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(obj, &pos, &k, &v)) {
      if (!PyUnicode_Check(k)) {
        char tn[96];
        PyErr_Format(PyExc_TypeError, "%s: object keys must be str, not %s", what, lpy_type_name(k, tn));
        goto fail;
      }
      const char *ks = PyUnicode_AsUTF8AndSize(k, NULL);
      if (!ks) goto fail;
      Py_INCREF(v); /* the dict may change under a __dict__-less object's isoformat() */
      cJSON *cv = to_item(v, what, depth + 1);
      Py_DECREF(v);
      if (!cv) goto fail;
      cJSON_AddItemToObject(out, ks, cv);
    }
    return out;
  }
  items = PyMapping_Items(obj);
  if (!items) goto fail;
  /* PyMapping_Items returns a new list of our own: nothing else mutates it. */
  Py_ssize_t n = PyList_Size(items);
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *kv = PyList_GetItem(items, i); /* borrowed from items */
    if (!kv) goto fail;
    if (!PyTuple_Check(kv) || PyTuple_Size(kv) != 2) {
      PyErr_Format(PyExc_TypeError, "%s: mapping items must be pairs", what);
      goto fail;
    }
    PyObject *k = PyTuple_GetItem(kv, 0), *v = PyTuple_GetItem(kv, 1); /* borrowed from kv (immutable) */
    if (!k || !v) goto fail;
    if (!PyUnicode_Check(k)) {
      char tn[96];
      PyErr_Format(PyExc_TypeError, "%s: object keys must be str, not %s", what, lpy_type_name(k, tn));
      goto fail;
    }
    const char *ks = PyUnicode_AsUTF8AndSize(k, NULL);
    if (!ks) goto fail;
    cJSON *cv = to_item(v, what, depth + 1);
    if (!cv) goto fail;
    cJSON_AddItemToObject(out, ks, cv);
  }
  Py_DECREF(items);
  return out;
fail:
  Py_XDECREF(items);
  cJSON_Delete(out);
  return NULL;
}

static cJSON *array_item(PyObject *obj, const char *what, int depth) {
  PyObject *seq = PySequence_Fast(obj, "expected a sequence");
  if (!seq) return NULL;
  cJSON *out = cJSON_CreateArray();
  if (!out) {
    Py_DECREF(seq);
    return (cJSON *)PyErr_NoMemory();
  }
  /* seq is a list or a tuple; an item is held while converting it (isoformat() may mutate a list). */
  int is_list = PyList_Check(seq);
  for (Py_ssize_t i = 0; i < (is_list ? PyList_Size(seq) : PyTuple_Size(seq)); i++) {
    PyObject *item = is_list ? PyList_GetItem(seq, i) : PyTuple_GetItem(seq, i);
    Py_XINCREF(item);
    cJSON *cv = item ? to_item(item, what, depth + 1) : NULL;
    Py_XDECREF(item);
    if (!cv) {
      cJSON_Delete(out);
      Py_DECREF(seq);
      return NULL;
    }
    cJSON_AddItemToArray(out, cv);
  }
  Py_DECREF(seq);
  return out;
}

static cJSON *str_of(PyObject *obj, const char *method) {
  PyObject *s = method ? PyObject_CallMethod(obj, method, NULL) : PyObject_Str(obj);
  if (!s) return NULL;
  cJSON *j = PyUnicode_Check(s) ? str_item(s) : NULL;
  if (!j && !PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "isoformat() did not return a str");
  Py_DECREF(s);
  return j;
}

/* The C decimal.Decimal (tp_name "decimal.Decimal"), as the full API's tp_name test matched it. */
static int is_decimal(PyObject *obj) {
  char tn[96];
  return strcmp(lpy_type_name(obj, tn), "decimal.Decimal") == 0;
}

static cJSON *to_item(PyObject *obj, const char *what, int depth) {
  if (depth > 256) {
    PyErr_Format(PyExc_ValueError, "%s: value nested too deeply", what);
    return NULL;
  }
  cJSON *j = NULL;
  if (obj == Py_None) j = cJSON_CreateNull();
  else if (obj == Py_True) j = cJSON_CreateTrue();
  else if (obj == Py_False) j = cJSON_CreateFalse();
  else if (PyUnicode_Check(obj)) return str_item(obj);
  else if (PyLong_Check(obj)) return int_item(obj, what);
  else if (PyFloat_Check(obj)) {
    double v = PyFloat_AsDouble(obj);
    if (!isfinite(v)) {
      PyErr_Format(PyExc_ValueError, "%s: %R is not a JSON number", what, obj);
      return NULL;
    }
    j = cJSON_CreateNumber(v);
  } else if (PyDict_Check(obj)) return object_item(obj, what, depth);
  else if (PyList_Check(obj) || PyTuple_Check(obj)) return array_item(obj, what, depth);
  else if (is_decimal(obj)) return str_of(obj, NULL);
  else if (PyObject_HasAttrString(obj, "isoformat")) return str_of(obj, "isoformat");
  else if (PyMapping_Check(obj) && PyObject_HasAttrString(obj, "items")) return object_item(obj, what, depth);
  else {
    char tn[96];
    PyErr_Format(PyExc_TypeError, "%s: %s values cannot be sent as JSON", what, lpy_type_name(obj, tn));
    return NULL;
  }
  if (!j) PyErr_NoMemory();
  return j;
}

cJSON *lpy_to_json(PyObject *obj, const char *what) { return to_item(obj, what ? what : "value", 0); }

cJSON *lpy_to_query(PyObject *obj) {
  if (!PyDict_Check(obj)) {
    PyErr_SetString(PyExc_TypeError, "query must be a dict");
    return NULL;
  }
  cJSON *out = cJSON_CreateObject();
  if (!out) return (cJSON *)PyErr_NoMemory();
  PyObject *k, *v;
  Py_ssize_t pos = 0;
  while (PyDict_Next(obj, &pos, &k, &v)) {
    if (!PyUnicode_Check(k)) {
      PyErr_SetString(PyExc_TypeError, "query parameter names must be str");
      goto fail;
    }
    if (v == Py_None) continue;
    const char *ks = PyUnicode_AsUTF8AndSize(k, NULL);
    if (!ks) goto fail;
    cJSON *cv;
    if (PyBool_Check(v) || PyUnicode_Check(v) || PyLong_Check(v) || PyFloat_Check(v) ||
        is_decimal(v) || PyObject_HasAttrString(v, "isoformat")) {
      cv = to_item(v, ks, 0);
    } else {
      char tn[96];
      PyErr_Format(PyExc_TypeError, "query parameter '%s' must be a str, int, float or bool, not %s", ks,
                   lpy_type_name(v, tn));
      goto fail;
    }
    if (!cv) goto fail;
    cJSON_AddItemToObject(out, ks, cv);
  }
  return out;
fail:
  cJSON_Delete(out);
  return NULL;
}
