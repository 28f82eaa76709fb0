/* The one converter between cJSON trees and Python values.
 *
 * cJSON → Python walks the tree once, straight into dicts, lists and
 * strings (no text round trip). Object keys repeat across the elements of a
 * list (invoices, usage intervals), so a small per-call cache hands out the
 * same str object for the same key (no new allocation, the hash computed
 * once); short string values (dates, "0.000") are shared the same way. Money and kWh values arrive as JSON strings and
 * stay str. Integral numbers become int (cJSON keeps only the double), other
 * numbers float.
 *
 * Python → cJSON accepts mappings, lists/tuples, str, int, float, bool, None,
 * decimal.Decimal (as a string, to keep money exact) and objects with an
 * isoformat() method (date/datetime) as strings. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "light_py.h"

/* ---- cJSON → Python ---------------------------------------------------- */

#define CACHE_SIZE 256      /* power of two, per table */
#define SHORT_VALUE_MAX 24  /* string values up to this length are shared too */

typedef struct str_slot {
  PyObject *str; /* strong ref */
  size_t len;
  size_t hash;
  char bytes[SHORT_VALUE_MAX + 1];
} str_slot;

/* Object keys repeat across list elements, and so do short values (dates,
 * "0.000", status names): both are handed out from small caches. str is
 * immutable, so sharing is invisible to users. */
typedef struct from_ctx {
  str_slot keys[CACHE_SIZE];
  str_slot values[CACHE_SIZE];
  int depth;
} from_ctx;

static int is_ascii(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  uint64_t acc = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    acc |= w;
  }
  for (; i < len; i++) acc |= p[i];
  return (acc & 0x8080808080808080ULL) == 0;
}

static PyObject *make_str(const char *s, size_t len) {
  if (!is_ascii(s, len)) return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "replace");
  PyObject *u = PyUnicode_New((Py_ssize_t)len, 127);
  if (u) memcpy(PyUnicode_1BYTE_DATA(u), s, len);
  return u;
}

static PyObject *cached_str(str_slot *table, const char *s, size_t max_len) {
  size_t len = strlen(s);
  if (len > max_len) return make_str(s, len);
  size_t h = (size_t)1469598103934665603ULL; /* FNV-1a */
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= (size_t)1099511628211ULL;
  }
  str_slot *slot = &table[(h ^ (h >> 17)) & (CACHE_SIZE - 1)];
  if (slot->str && slot->hash == h && slot->len == len && memcmp(slot->bytes, s, len) == 0)
    return Py_NewRef(slot->str);
  PyObject *u = make_str(s, len);
  if (!u) return NULL;
  Py_XSETREF(slot->str, Py_NewRef(u));
  memcpy(slot->bytes, s, len);
  slot->len = len;
  slot->hash = h;
  return u;
}

#define KEY_MAX SHORT_VALUE_MAX

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
    case cJSON_Raw: return item->valuestring ? cached_str(ctx->values, item->valuestring, SHORT_VALUE_MAX) : PyUnicode_New(0, 0);
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
      PyObject *k = cached_str(ctx->keys, c->string ? c->string : "", KEY_MAX);
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
  /* A fresh tree cannot hold cycles: do not let the allocations of a big
   * document trigger collections of the young generation half-way. */
  int gc_was_enabled = PyGC_Disable();
  PyObject *out = from_item(ctx, item);
  if (gc_was_enabled) PyGC_Enable();
  for (size_t i = 0; i < CACHE_SIZE; i++) {
    Py_XDECREF(ctx->keys[i].str);
    Py_XDECREF(ctx->values[i].str);
  }
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
