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
  if (!u) rc = -1;
  else rc = args_rc(as_key ? light_args_key(a, u, (size_t)n) : light_args_string(a, u, (size_t)n));
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
    if (PyBytes_Check(obj)) rc = PyBytes_AsStringAndSize(obj, &d, &n) < 0 ? -1 : 0;
    else d = PyByteArray_AsString(obj), n = PyByteArray_Size(obj), rc = d ? 0 : -1;
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
  if (PyDict_Check(obj)) rc = put_dict(a, obj, 0, 1);
  else if (PyMapping_Check(obj)) rc = put_mapping(a, obj, 0, 1);
  else {
    char tn[96];
    PyErr_Format(PyExc_TypeError, "expected a mapping, not %s", lpy_type_name(obj, tn));
    rc = -1;
  }
  return rc < 0 ? -1 : 0;
}
