/* JSON text → Python values, built straight from the core's parser
 * (light/json.h builder callbacks): no cJSON tree, no second walk.
 *
 * Object keys repeat across the elements of a list (invoices, usage
 * intervals), so a per-call cache hands out the same str object for the same
 * key bytes (one allocation, the hash computed once by the first dict insert);
 * short string values (dates, "0.000", status names) are shared the same way
 * (str is immutable: sharing is invisible). Strings keep every byte, "\u0000"
 * included. Integer literals become int (exact: the parser refuses any beyond
 * ±(2^53−1)), other numbers float; money and kWh arrive as strings and stay
 * str. Uses only the CPython limited API of 3.10. */
#include <string.h>

#include "light_py.h"

#define CACHE_SLOTS 256 /* power of two, per table */
#define CACHED_MAX 24   /* keys and string values up to this many bytes are shared */

typedef struct cache {
  uint64_t used[CACHE_SLOTS / 64]; /* slot i holds a str iff bit i is set (only this is zeroed per call) */
  PyObject *str[CACHE_SLOTS];      /* strong refs where used */
  unsigned char len[CACHE_SLOTS];
  char bytes[CACHE_SLOTS][CACHED_MAX];
} cache;

typedef struct decoder {
  PyObject *root; /* owned */
  cache keys, values;
} decoder;

static inline uint64_t load64(const char *s) {
  uint64_t w;
  memcpy(&w, s, 8);
  return w;
}

static inline uint64_t load32(const char *s) {
  uint32_t w;
  memcpy(&w, s, 4);
  return w;
}

/* Hash of at most CACHED_MAX (24) bytes without a byte loop: overlapping
 * word loads cover every byte (a collision only costs a cache miss: the
 * bytes are compared before a hit). */
static inline size_t hash_bytes(const char *s, size_t n) {
  uint64_t h;
  if (n >= 8) {
    h = load64(s) ^ (load64(s + n - 8) * 0x9E3779B97F4A7C15ULL);
    if (n > 16) h ^= load64(s + 8) * 0xC2B2AE3D27D4EB4FULL;
  } else if (n >= 4) {
    h = load32(s) | (load32(s + n - 4) << 32);
  } else {
    h = n ? (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
                (uint64_t)(unsigned char)s[n - 1] << 16
          : 0;
  }
  h = (h ^ (n * 0x100000001B3ULL)) * 0xFF51AFD7ED558CCDULL;
  return (size_t)(h ^ (h >> 32));
}

static inline PyObject *make_str(const char *s, size_t n) {
  return PyUnicode_DecodeUTF8(s, (Py_ssize_t)n, NULL); /* valid UTF-8: the parser checked */
}

/* New reference to a str for the bytes, shared through @p c when short. */
static PyObject *cached_str(cache *c, const char *s, size_t n) {
  if (n > CACHED_MAX) return make_str(s, n);
  size_t i = hash_bytes(s, n) & (CACHE_SLOTS - 1);
  uint64_t bit = (uint64_t)1 << (i & 63);
  int used = (c->used[i >> 6] & bit) != 0;
  if (used && c->len[i] == n && memcmp(c->bytes[i], s, n) == 0) {
    Py_INCREF(c->str[i]);
    return c->str[i];
  }
  PyObject *u = make_str(s, n);
  if (!u) return NULL;
  if (used) Py_DECREF(c->str[i]);
  c->used[i >> 6] |= bit;
  Py_INCREF(u);
  c->str[i] = u;
  c->len[i] = (unsigned char)n;
  memcpy(c->bytes[i], s, n);
  return u;
}

static void cache_clear(cache *c) {
  for (size_t w = 0; w < CACHE_SLOTS / 64; w++) {
    for (uint64_t m = c->used[w]; m; m &= m - 1) Py_DECREF(c->str[w * 64 + (size_t)__builtin_ctzll(m)]);
    c->used[w] = 0;
  }
}

/* Attach @p v (a new reference, consumed) at @p at. */
static int attach(decoder *d, const light_json_slot *at, PyObject *v) {
  if (!v) return -1;
  if (!at->parent) {
    d->root = v;
    return 0;
  }
  int rc;
  if (at->parent_type == LIGHT_JSON_ARRAY) {
    rc = PyList_Append((PyObject *)at->parent, v);
  } else {
    PyObject *k = cached_str(&d->keys, at->key, at->key_len);
    rc = k ? PyDict_SetItem((PyObject *)at->parent, k, v) : -1;
    Py_XDECREF(k);
  }
  Py_DECREF(v);
  return rc;
}

static int on_scalar(void *ud, const light_json_slot *at, const light_json_scalar *v) {
  decoder *d = ud;
  PyObject *o;
  switch (v->type) {
  case LIGHT_JSON_NULL:
    o = Py_None;
    Py_INCREF(o);
    break;
  case LIGHT_JSON_TRUE:
    o = Py_True;
    Py_INCREF(o);
    break;
  case LIGHT_JSON_FALSE:
    o = Py_False;
    Py_INCREF(o);
    break;
  case LIGHT_JSON_NUMBER: o = v->is_integer ? PyLong_FromLongLong((long long)v->i) : PyFloat_FromDouble(v->d); break;
  case LIGHT_JSON_STRING: o = cached_str(&d->values, v->str, v->len); break;
  default: PyErr_SetString(PyExc_SystemError, "light: unexpected JSON value"); return -1;
  }
  return attach(d, at, o);
}

static void *on_begin(void *ud, const light_json_slot *at, light_json_type type) {
  decoder *d = ud;
  PyObject *o = type == LIGHT_JSON_OBJECT ? PyDict_New() : PyList_New(0);
  if (!o) return NULL;
  PyObject *handle = o; /* borrowed from the parent (or d->root) once attached */
  return attach(d, at, o) == 0 ? handle : NULL;
}

static int on_end(void *ud, const light_json_slot *at, void *container, light_json_type type, size_t count) {
  return 0;
}

static const light_json_builder builder = {on_scalar, on_begin, on_end};

PyObject *lpy_decode_raw(const char *text, size_t len, light_json_member *summary, size_t n_summary,
                         light_json_result *res) {
  decoder *d = PyMem_Malloc(sizeof *d);
  if (!d) return PyErr_NoMemory();
  d->root = NULL;
  memset(d->keys.used, 0, sizeof d->keys.used);
  memset(d->values.used, 0, sizeof d->values.used);
  light_json_options opt = {0, 0, summary, n_summary};
  light_json_errc e = light_json_parse(text, len, &builder, d, &opt, res);
  cache_clear(&d->keys);
  cache_clear(&d->values);
  PyObject *root = d->root;
  PyMem_Free(d);
  if (e == LIGHT_JSON_OK) return root;
  Py_XDECREF(root);
  if (e == LIGHT_JSON_E_BUILDER && !PyErr_Occurred()) PyErr_NoMemory();
  return NULL;
}

PyObject *lpy_decode(lpy_state *st, const char *text, size_t len, const char *what) {
  if (!text || !len) Py_RETURN_NONE;
  light_json_result res;
  PyObject *o = lpy_decode_raw(text, len, NULL, 0, &res);
  if (o || PyErr_Occurred()) return o;
  light_error err = LIGHT_ERROR_INIT;
  return lpy_raise(st, light_json_error(&err, &res, len, what), &err);
}

PyObject *lpy_decode_cjson(lpy_state *st, const cJSON *j) {
  if (!j) Py_RETURN_NONE;
  char *text = cJSON_PrintUnformatted(j);
  if (!text) return PyErr_NoMemory();
  PyObject *o = lpy_decode(st, text, strlen(text), "JSON value");
  cJSON_free(text);
  return o;
}
