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

/* The decoder has its own ASCII fast path (the limited API has no PyUnicode_New to fill directly). */
static PyObject *make_str(const char *s, size_t len) { return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "replace"); }

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
  PyObject *old = slot->str;
  slot->str = Py_NewRef(u);
  Py_XDECREF(old);
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
    case cJSON_Raw: return item->valuestring ? cached_str(ctx->values, item->valuestring, SHORT_VALUE_MAX) : PyUnicode_FromStringAndSize("", 0);
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
      PyList_SetItem(out, i, v); /* steals v; cannot fail on a fresh list */
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
