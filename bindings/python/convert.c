/* The one converter between cJSON trees and Python values.
 *
 * cJSON → Python walks the tree once, straight into dicts, lists and
 * strings (no text round trip). Object keys repeat across the elements of a
 * list (invoices, usage intervals), so a small per-call key cache hands out
 * the same str object for the same key: no new allocation, and the key's
 * hash is computed once. Money and kWh values arrive as JSON strings and
 * stay str. Integral numbers become int (cJSON keeps only the double), other
 * numbers float.
 *
 * Python → cJSON accepts mappings, lists/tuples, str, int, float, bool, None,
 * decimal.Decimal (as a string, to keep money exact) and objects with an
 * isoformat() method (date/datetime) as strings. */
#include <math.h>
#include <string.h>

#include "light_py.h"

/* ---- cJSON → Python ---------------------------------------------------- */

#define KEY_CACHE_SIZE 256 /* power of two */

typedef struct key_slot {
  PyObject *key; /* strong ref */
  const char *utf8;
  size_t len;
  size_t hash;
} key_slot;

typedef struct from_ctx {
  key_slot keys[KEY_CACHE_SIZE];
  int depth;
} from_ctx;

static size_t fnv1a(const char *s, size_t *len) {
  size_t h = (size_t)1469598103934665603ULL;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    h ^= *p++;
    h *= (size_t)1099511628211ULL;
  }
  *len = (size_t)((const char *)p - s);
  return h;
}

static PyObject *make_str(const char *s, size_t len) { return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "replace"); }

static PyObject *key_for(from_ctx *ctx, const char *s) {
  size_t len;
  size_t h = fnv1a(s, &len);
  key_slot *slot = &ctx->keys[h & (KEY_CACHE_SIZE - 1)];
  if (slot->key && slot->hash == h && slot->len == len && memcmp(slot->utf8, s, len) == 0) {
    Py_INCREF(slot->key);
    return slot->key;
  }
  PyObject *k = make_str(s, len);
  if (!k) return NULL;
  const char *u = PyUnicode_AsUTF8(k);
  if (!u) { /* cannot happen for a fresh str; do not cache */
    PyErr_Clear();
    return k;
  }
  Py_XSETREF(slot->key, Py_NewRef(k));
  slot->utf8 = u;
  slot->len = len;
  slot->hash = h;
  return k;
}

static PyObject *number(const cJSON *item) {
  double v = item->valuedouble;
  if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0) return PyLong_FromLongLong((long long)v);
  return PyFloat_FromDouble(v);
}

static PyObject *from_item(from_ctx *ctx, const cJSON *item) {
  switch (item->type & 0xFF) {
    case cJSON_NULL: Py_RETURN_NONE;
    case cJSON_True: Py_RETURN_TRUE;
    case cJSON_False: Py_RETURN_FALSE;
    case cJSON_Number: return number(item);
    case cJSON_String:
    case cJSON_Raw: return item->valuestring ? make_str(item->valuestring, strlen(item->valuestring)) : PyUnicode_New(0, 0);
    default: break;
  }
  if (++ctx->depth > 512) {
    ctx->depth--;
    PyErr_SetString(PyExc_RecursionError, "JSON nested too deeply");
    return NULL;
  }
  PyObject *out = NULL;
  if (cJSON_IsArray(item)) {
    Py_ssize_t n = 0;
    for (const cJSON *c = item->child; c; c = c->next) n++;
    out = PyList_New(n);
    if (!out) goto done;
    Py_ssize_t i = 0;
    for (const cJSON *c = item->child; c; c = c->next, i++) {
      PyObject *v = from_item(ctx, c);
      if (!v) {
        Py_CLEAR(out);
        goto done;
      }
      PyList_SET_ITEM(out, i, v);
    }
  } else if (cJSON_IsObject(item)) {
    out = PyDict_New();
    if (!out) goto done;
    for (const cJSON *c = item->child; c; c = c->next) {
      PyObject *k = key_for(ctx, c->string ? c->string : "");
      PyObject *v = k ? from_item(ctx, c) : NULL;
      int rc = v ? PyDict_SetItem(out, k, v) : -1;
      Py_XDECREF(k);
      Py_XDECREF(v);
      if (rc < 0) {
        Py_CLEAR(out);
        goto done;
      }
    }
  } else {
    PyErr_SetString(PyExc_ValueError, "unexpected JSON node");
  }
done:
  ctx->depth--;
  return out;
}

PyObject *lpy_from_json(const cJSON *item) {
  if (!item) Py_RETURN_NONE;
  from_ctx *ctx = PyMem_Calloc(1, sizeof *ctx);
  if (!ctx) return PyErr_NoMemory();
  PyObject *out = from_item(ctx, item);
  for (size_t i = 0; i < KEY_CACHE_SIZE; i++) Py_XDECREF(ctx->keys[i].key);
  PyMem_Free(ctx);
  return out;
}

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
        PyErr_Format(PyExc_TypeError, "%s: object keys must be str, not %.80s", what, Py_TYPE(k)->tp_name);
        goto fail;
      }
      const char *ks = PyUnicode_AsUTF8(k);
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
  Py_ssize_t n = PyList_GET_SIZE(items);
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *kv = PyList_GET_ITEM(items, i);
    if (!PyTuple_Check(kv) || PyTuple_GET_SIZE(kv) != 2) {
      PyErr_Format(PyExc_TypeError, "%s: mapping items must be pairs", what);
      goto fail;
    }
    PyObject *k = PyTuple_GET_ITEM(kv, 0);
    if (!PyUnicode_Check(k)) {
      PyErr_Format(PyExc_TypeError, "%s: object keys must be str, not %.80s", what, Py_TYPE(k)->tp_name);
      goto fail;
    }
    const char *ks = PyUnicode_AsUTF8(k);
    if (!ks) goto fail;
    cJSON *cv = to_item(PyTuple_GET_ITEM(kv, 1), what, depth + 1);
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
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  for (Py_ssize_t i = 0; i < n; i++) {
    cJSON *cv = to_item(PySequence_Fast_GET_ITEM(seq, i), what, depth + 1);
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
    double v = PyFloat_AS_DOUBLE(obj);
    if (!isfinite(v)) {
      PyErr_Format(PyExc_ValueError, "%s: %R is not a JSON number", what, obj);
      return NULL;
    }
    j = cJSON_CreateNumber(v);
  } else if (PyDict_Check(obj)) return object_item(obj, what, depth);
  else if (PyList_Check(obj) || PyTuple_Check(obj)) return array_item(obj, what, depth);
  else if (strcmp(Py_TYPE(obj)->tp_name, "decimal.Decimal") == 0) return str_of(obj, NULL);
  else if (PyObject_HasAttrString(obj, "isoformat")) return str_of(obj, "isoformat");
  else if (PyMapping_Check(obj) && PyObject_HasAttrString(obj, "items")) return object_item(obj, what, depth);
  else {
    PyErr_Format(PyExc_TypeError, "%s: %.80s values cannot be sent as JSON", what, Py_TYPE(obj)->tp_name);
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
    const char *ks = PyUnicode_AsUTF8(k);
    if (!ks) goto fail;
    cJSON *cv;
    if (PyBool_Check(v) || PyUnicode_Check(v) || PyLong_Check(v) || PyFloat_Check(v) ||
        strcmp(Py_TYPE(v)->tp_name, "decimal.Decimal") == 0 || PyObject_HasAttrString(v, "isoformat")) {
      cv = to_item(v, ks, 0);
    } else {
      PyErr_Format(PyExc_TypeError, "query parameter '%s' must be a str, int, float or bool, not %.80s", ks,
                   Py_TYPE(v)->tp_name);
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
