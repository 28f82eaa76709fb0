/* JS values → light_args (the request direction; JSON text becomes JS
 * values in decode.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "light_node.h"

#define LN_MAX_DEPTH 64

/* ---- request direction: JS values streamed into light_args ---------------
 *
 * As JSON.stringify: toJSON() is honoured (called once with the key), holes
 * and undefined/function/symbol array elements become null, such object
 * members are skipped. Refused (the promise rejects, nothing is sent): Map,
 * Set, an invalid Date, a toJSON() or getter that throws, lone surrogates,
 * BigInt, NaN/Infinity (the core), arrays longer than the core's item budget
 * (checked from .length before any element is read). Strings cross with
 * their length (NUL kept, for the core to refuse or escape). */

typedef struct walk {
  napi_env env;
  light_args *a;
  napi_value map_ctor, set_ctor;
  char *buf;        /* scratch UTF-8 (wiped: a body string may be an SSN) */
  size_t cap, used; /* used: the most bytes written, wiped when done */
  int record;       /* record arguments: a function or symbol member is refused, not skipped */
} walk;

static light_status js_fail(walk *w, const char *what) {
  napi_value ex = NULL, msg = NULL;
  bool pending = false;
  char text[300];
  napi_is_exception_pending(w->env, &pending);
  if (pending && napi_get_and_clear_last_exception(w->env, &ex) == napi_ok && ex) {
    napi_value m;
    napi_valuetype t;
    if (napi_get_named_property(w->env, ex, "message", &m) == napi_ok && napi_typeof(w->env, m, &t) == napi_ok &&
        t == napi_string)
      msg = m;
  }
  char detail[200] = "";
  if (msg) {
    size_t n = 0;
    napi_get_value_string_utf8(w->env, msg, detail, sizeof detail, &n);
  }
  snprintf(text, sizeof text, "%s%s%s", what, detail[0] ? ": " : "", detail);
  return light_args_fail(w->a, "body", text);
}

/* A lone surrogate among the @p n UTF-16 units of @p v: 1, 0, or -1 (no memory). */
static int lone_surrogate(napi_env env, napi_value v, size_t n) {
  uint16_t *u = malloc((n + 1) * sizeof *u);
  int lone = u ? 0 : -1;
  if (u) napi_get_value_string_utf16(env, v, (char16_t *)u, n + 1, &n);
  for (size_t i = 0; u && i < n && !lone; i++) {
    if (u[i] >= 0xd800 && u[i] <= 0xdbff && i + 1 < n && u[i + 1] >= 0xdc00 && u[i + 1] <= 0xdfff)
      i++;
    else
      lone = u[i] >= 0xd800 && u[i] <= 0xdfff;
  }
  if (u) OPENSSL_cleanse(u, n * sizeof *u);
  free(u);
  return lone;
}

/* UTF-8 into w->buf, written by V8; lone surrogates refused. */
static light_status js_string(walk *w, napi_value v, const char **out, size_t *len) {
  size_t n = 0;
  if (napi_get_value_string_utf16(w->env, v, NULL, 0, &n) != napi_ok) return js_fail(w, "unreadable string");
  if (n * 3 + 1 > w->cap) {
    if (w->buf) OPENSSL_cleanse(w->buf, w->used);
    free(w->buf);
    w->cap = w->used = 0;
    if (!(w->buf = malloc(n * 3 + 1))) return light_args_fail(w->a, NULL, "out of memory");
    w->cap = n * 3 + 1;
  }
  napi_get_value_string_utf8(w->env, v, w->buf, w->cap, len);
  if (*len > w->used) w->used = *len;
  /* V8 writes a lone surrogate as U+FFFD (EF BF BD): only a text with an 0xEF byte is looked at in UTF-16 */
  int lone = memchr(w->buf, 0xef, *len) ? lone_surrogate(w->env, v, n) : 0;
  if (lone)
    return light_args_fail(w->a, "body",
                           lone < 0 ? "out of memory" : "string contains a lone UTF-16 surrogate (not valid Unicode)");
  *out = w->buf;
  return LIGHT_OK;
}

static light_status put_string(walk *w, napi_value v, int as_key) {
  const char *s = NULL;
  size_t n = 0;
  light_status st = js_string(w, v, &s, &n);
  if (st != LIGHT_OK) return st;
  st = as_key ? light_args_key(w->a, s, n) : light_args_string(w->a, s, n);
  OPENSSL_cleanse(w->buf, n);
  return st;
}

static light_status put_number(walk *w, double d) {
  if (d == floor(d) && fabs(d) <= 9007199254740992.0) return light_args_int(w->a, (int64_t)d);
  return light_args_double(w->a, d); /* NaN, Infinity, fractions, beyond 2^53: the core decides */
}

/* Map or Set (looked up on the first object: most values are scalars). */
static int map_or_set(walk *w, napi_value v) {
  napi_value g;
  bool r = false, q = false;
  if (!w->map_ctor && napi_get_global(w->env, &g) == napi_ok) {
    napi_get_named_property(w->env, g, "Map", &w->map_ctor);
    napi_get_named_property(w->env, g, "Set", &w->set_ctor);
  }
  return (w->map_ctor && napi_instanceof(w->env, v, w->map_ctor, &r) == napi_ok && r) ||
         (w->set_ctor && napi_instanceof(w->env, v, w->set_ctor, &q) == napi_ok && q);
}

static light_status put_value(walk *w, napi_value v, napi_value key, int depth);

/* A member or element value after toJSON; *skip = 1 when JSON.stringify would omit it. */
static light_status resolve(walk *w, napi_value v, napi_value key, napi_value *out, int *skip) {
  napi_env env = w->env;
  napi_valuetype t;
  *skip = 0;
  *out = v;
  if (napi_typeof(env, v, &t) != napi_ok) return js_fail(w, "unreadable value");
  if (t == napi_object) {
    bool is = false;
    /* binary data is sent as bytes where allowed (a file), never via Buffer#toJSON */
    if (napi_is_typedarray(env, v, &is) == napi_ok && is) return LIGHT_OK;
    if (napi_is_date(env, v, &is) == napi_ok && is) {
      double ms = 0;
      napi_get_date_value(env, v, &ms);
      if (!isfinite(ms)) return light_args_fail(w->a, "body", "an invalid Date (NaN) cannot be sent as JSON");
    }
    napi_value fn;
    napi_valuetype ft;
    if (napi_get_named_property(env, v, "toJSON", &fn) != napi_ok) return js_fail(w, "reading toJSON threw");
    if (napi_typeof(env, fn, &ft) == napi_ok && ft == napi_function) {
      napi_value r, k = key;
      if (!k) napi_create_string_utf8(env, "", 0, &k);
      if (napi_call_function(env, v, fn, 1, &k, &r) != napi_ok) return js_fail(w, "toJSON() threw");
      *out = r;
      if (napi_typeof(env, r, &t) != napi_ok) return js_fail(w, "unreadable value");
    }
  }
  if (t == napi_undefined || (!w->record && (t == napi_function || t == napi_symbol))) *skip = 1;
  return LIGHT_OK;
}

/* The own enumerable members of @p obj as key/value pairs, skipping @p skip_key. */
static light_status put_members(walk *w, napi_value obj, const char *skip_key, int depth) {
  napi_env env = w->env;
  napi_value keys;
  if (napi_get_all_property_names(env, obj, napi_key_own_only, napi_key_enumerable | napi_key_skip_symbols,
                                  napi_key_numbers_to_strings, &keys) != napi_ok)
    return js_fail(w, "enumerating the object's keys threw");
  uint32_t n = 0;
  napi_get_array_length(env, keys, &n);
  light_status st = LIGHT_OK;
  for (uint32_t i = 0; st == LIGHT_OK && i < n; i++) {
    napi_value k, val, r;
    int skip;
    char name[16];
    size_t kl = 0;
    napi_get_element(env, keys, i, &k);
    if (skip_key && napi_get_value_string_utf8(env, k, name, sizeof name, &kl) == napi_ok && strlen(skip_key) == kl &&
        strcmp(name, skip_key) == 0)
      continue;
    if (napi_get_property(env, obj, k, &val) != napi_ok) return js_fail(w, "a property getter threw");
    if ((st = resolve(w, val, k, &r, &skip)) != LIGHT_OK) return st;
    if (skip) continue;
    if ((st = put_string(w, k, 1)) != LIGHT_OK) return st;
    st = put_value(w, r, k, depth + 1);
  }
  return st;
}

static light_status put_object(walk *w, napi_value v, int depth) {
  napi_env env = w->env;
  bool is = false;
  if (napi_is_array(env, v, &is) == napi_ok && is) {
    uint32_t n = 0;
    napi_get_array_length(env, v, &n);
    light_status st = light_args_begin_array(w->a, n); /* refused here when too long: never walked */
    for (uint32_t i = 0; st == LIGHT_OK && i < n; i++) {
      napi_value el, k, r;
      int skip;
      if (napi_get_element(env, v, i, &el) != napi_ok) return js_fail(w, "reading an array element threw");
      napi_create_uint32(env, i, &k);
      if ((st = resolve(w, el, k, &r, &skip)) != LIGHT_OK) return st;
      st = skip ? light_args_null(w->a) : put_value(w, r, k, depth + 1);
    }
    return st == LIGHT_OK ? light_args_end(w->a) : st;
  }
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) { /* a Buffer is a Uint8Array */
    napi_typedarray_type tt;
    size_t n = 0, off = 0;
    void *d = NULL;
    napi_value ab;
    napi_get_typedarray_info(env, v, &tt, &n, &d, &ab, &off);
    if (tt == napi_uint8_array || tt == napi_int8_array || tt == napi_uint8_clamped_array)
      return light_args_binary(w->a, d, n);
    return light_args_fail(w->a, "body", "typed arrays other than byte arrays (Buffer, Uint8Array) cannot be sent");
  }
  if ((napi_is_arraybuffer(env, v, &is) == napi_ok && is) || (napi_is_dataview(env, v, &is) == napi_ok && is))
    return light_args_fail(w->a, "body", "ArrayBuffer/DataView cannot be sent (use a Buffer or Uint8Array)");
  if (map_or_set(w, v))
    return light_args_fail(w->a, "body", "Map and Set cannot be sent as JSON (convert to an object or array)");
  light_status st = light_args_begin_object(w->a);
  if (st == LIGHT_OK) st = put_members(w, v, NULL, depth);
  return st == LIGHT_OK ? light_args_end(w->a) : st;
}

/* @p v already resolved (toJSON applied). */
static light_status put_value(walk *w, napi_value v, napi_value key, int depth) {
  (void)key;
  if (depth > LIGHT_ARGS_MAX_DEPTH + 2)
    return light_args_fail(w->a, "body", "arguments nested deeper than 64 levels (or cyclic)");
  napi_valuetype t;
  if (napi_typeof(w->env, v, &t) != napi_ok) return js_fail(w, "unreadable value");
  switch (t) {
  case napi_undefined:
  case napi_null: return light_args_null(w->a);
  case napi_boolean: {
    bool b = false;
    napi_get_value_bool(w->env, v, &b);
    return light_args_bool(w->a, b);
  }
  case napi_number: {
    double d = 0;
    napi_get_value_double(w->env, v, &d);
    return put_number(w, d);
  }
  case napi_string: return put_string(w, v, 0);
  case napi_object: return put_object(w, v, depth);
  case napi_bigint: return light_args_fail(w->a, "body", "BigInt values cannot be sent as JSON (pass a string)");
  default:
    /* record arguments: an (empty) object, so the core names the argument and refuses its kind */
    if (w->record && light_args_begin_object(w->a) == LIGHT_OK) return light_args_end(w->a);
    return light_args_fail(w->a, "body", "functions and symbols cannot be sent as JSON");
  }
}

static void walk_done(walk *w) {
  if (w->buf) OPENSSL_cleanse(w->buf, w->used);
  free(w->buf);
}

/* One top-level value (toJSON applied; skipped values are null). */
static light_status put_top(walk *w, napi_value v) {
  napi_value r;
  int skip;
  light_status st = resolve(w, v, NULL, &r, &skip);
  return st != LIGHT_OK ? st : skip ? light_args_null(w->a) : put_value(w, r, NULL, 0);
}

light_status light_node__args_value(napi_env env, light_args *a, napi_value v) {
  walk w = {env, a, NULL, NULL, NULL, 0, 0, 0};
  light_status st = put_top(&w, v);
  walk_done(&w);
  return st;
}

light_status light_node__args_members(napi_env env, light_args *a, napi_value obj, const char *skip_key) {
  walk w = {env, a, NULL, NULL, NULL, 0, 0, 0};
  light_status st = put_members(&w, obj, skip_key, 0);
  walk_done(&w);
  return st;
}

light_args *light_node__record(napi_env env, light_args_record_kind kind, unsigned flags, napi_value obj, size_t argc,
                               napi_value *argv) {
  light_args *a = NULL;
  walk w = {env, NULL, NULL, NULL, NULL, 0, 0, 1}; /* one walk: its scratch serves every value */
  light_error err = LIGHT_ERROR_INIT;
  napi_valuetype t = napi_undefined;
  if (obj) napi_typeof(env, obj, &t);
  light_status st = light_args_new_record(&w.a, kind, flags);
  a = w.a;
  if (st == LIGHT_OK && t == napi_object)
    st = put_members(&w, obj, NULL, 0);
  else if (t != napi_undefined && t != napi_null)
    st = light_args_fail(a, "options", "options must be an object");
  for (size_t i = 0; i < argc && st == LIGHT_OK; i++) st = put_top(&w, argv[i]);
  walk_done(&w);
  if (light_args_finish(a) == LIGHT_OK) return a;
  light_args_error(a, &err); /* param borrowed from @p a: thrown before it is freed */
  light_node__throw_error(env, &err);
  light_args_free(a);
  return NULL;
}
