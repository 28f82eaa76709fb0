/* JSON text → JS values.
 *
 * The core's parser (light/json.h) decides: it validates every body strictly
 * (UTF-8, surrogates, exact numbers, depth, the decoded-value limit) — for a
 * response the exchange already did, for a webhook payload this file does,
 * with the envelope summary. V8's JSON.parse then builds the values: on a
 * text the core accepted it yields exactly the values the core's rules
 * describe (numbers within ±(2^53−1) are exact doubles, "\u0000" is kept,
 * duplicate keys keep the last, "__proto__" becomes an own property), and it
 * measured faster than building the same values through Node-API calls from
 * the parser's callbacks (bench/node: `_decodeBuilder`, kept for that
 * comparison). JSON.parse is captured at module load, so a script that
 * replaces the global later does not change what the SDK returns. */
#include <string.h>

#include "light_node.h"

/* ---- JSON.parse of a validated text ------------------------------------ */

static int json_parse_fn(napi_env env, napi_value *fn) {
  light_node_env *e = light_node__env(env);
  if (e && e->json_parse && napi_get_reference_value(env, e->json_parse, fn) == napi_ok && *fn) return 0;
  napi_value global, json;
  if (napi_get_global(env, &global) != napi_ok || napi_get_named_property(env, global, "JSON", &json) != napi_ok ||
      napi_get_named_property(env, json, "parse", fn) != napi_ok)
    return -1;
  if (e && !e->json_parse) napi_create_reference(env, *fn, 1, &e->json_parse);
  return 0;
}

int light_node__capture_json_parse(napi_env env) {
  napi_value fn;
  return json_parse_fn(env, &fn);
}

/* JSON.parse(text) for a text the core's parser accepted. */
static int parse_validated(napi_env env, const char *text, size_t len, int ascii, napi_value *out) {
  napi_value fn, str, undef;
  if (json_parse_fn(env, &fn) != 0) return -1;
  napi_status s =
      ascii ? napi_create_string_latin1(env, text, len, &str) : napi_create_string_utf8(env, text, len, &str);
  if (s != napi_ok) return -1;
  napi_get_undefined(env, &undef);
  return napi_call_function(env, undef, fn, 1, &str, out) == napi_ok ? 0 : -1;
}

static int all_ascii(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    acc |= w;
  }
  for (; i < n; i++) acc |= p[i];
  return (acc & 0x8080808080808080ULL) == 0;
}

int light_node__decode(napi_env env, const char *text, size_t len, light_json_member *summary, size_t n_summary,
                       int validated, light_json_result *res, napi_value *out) {
  *out = NULL;
  if (!validated) {
    light_json_options opt = {0, 0, summary, n_summary};
    if (light_json_parse(text, len, NULL, NULL, &opt, res) != LIGHT_JSON_OK) return 1;
  } else if (res) {
    memset(res, 0, sizeof *res);
  }
  return parse_validated(env, text, len, all_ascii(text, len), out) == 0 ? 0 : -1;
}

napi_value light_node__decode_or_throw(napi_env env, const char *text, size_t len, const char *what, int validated) {
  napi_value v = NULL;
  if (!text || !len) {
    napi_get_null(env, &v);
    return v;
  }
  light_json_result res;
  int rc = light_node__decode(env, text, len, NULL, 0, validated, &res, &v);
  if (rc == 0) return v;
  if (rc > 0) {
    light_error err = LIGHT_ERROR_INIT;
    light_json_error(&err, &res, len, what);
    light_node__throw_error(env, &err);
  } else {
    light_node__throw_last(env, "JSON.parse"); /* unless JSON.parse threw */
  }
  return NULL;
}

napi_value light_node__parse_body(napi_env env, const char *text, size_t len) {
  napi_value v = NULL;
  if (!text || len == 0) {
    napi_get_null(env, &v);
    return v;
  }
  light_json_result res;
  int rc = light_node__decode(env, text, len, NULL, 0, 0, &res, &v);
  if (rc == 0) return v;
  if (rc < 0) {
    napi_value ignored;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) napi_get_and_clear_last_exception(env, &ignored);
  }
  napi_create_string_utf8(env, text, len, &v); /* not JSON: the text */
  return v;
}

napi_value light_node__decode_cjson(napi_env env, const cJSON *j) {
  napi_value v = NULL;
  if (!j) {
    napi_get_null(env, &v);
    return v;
  }
  char *text = cJSON_PrintUnformatted(j);
  if (!text) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  v = light_node__decode_or_throw(env, text, strlen(text), "JSON value", 0);
  cJSON_free(text);
  return v;
}

/* ---- the Node-API builder (benchmark comparison) ----------------------- */

typedef struct nb {
  napi_env env;
  napi_value root;
  int failed;
} nb;

static napi_value nb_string(napi_env env, const char *s, size_t n) {
  napi_value v = NULL;
  if (all_ascii(s, n))
    napi_create_string_latin1(env, s, n, &v);
  else
    napi_create_string_utf8(env, s, n, &v);
  return v;
}

static int nb_attach(nb *b, const light_json_slot *at, napi_value v) {
  if (!v) return -1;
  if (!at->parent) {
    b->root = v;
    return 0;
  }
  napi_value parent = (napi_value)at->parent;
  if (at->parent_type == LIGHT_JSON_ARRAY)
    return napi_set_element(b->env, parent, (uint32_t)at->index, v) == napi_ok ? 0 : -1;
  napi_value key = nb_string(b->env, at->key, at->key_len);
  return key && napi_set_property(b->env, parent, key, v) == napi_ok ? 0 : -1;
}

static int nb_scalar(void *ud, const light_json_slot *at, const light_json_scalar *s) {
  nb *b = ud;
  napi_value v = NULL;
  switch (s->type) {
  case LIGHT_JSON_NULL: napi_get_null(b->env, &v); break;
  case LIGHT_JSON_TRUE: napi_get_boolean(b->env, true, &v); break;
  case LIGHT_JSON_FALSE: napi_get_boolean(b->env, false, &v); break;
  case LIGHT_JSON_NUMBER: napi_create_double(b->env, s->d, &v); break;
  case LIGHT_JSON_STRING: v = nb_string(b->env, s->str, s->len); break;
  default: break;
  }
  return nb_attach(b, at, v);
}

static void *nb_begin(void *ud, const light_json_slot *at, light_json_type t) {
  nb *b = ud;
  napi_value v = NULL;
  if (t == LIGHT_JSON_OBJECT)
    napi_create_object(b->env, &v);
  else
    napi_create_array(b->env, &v);
  return nb_attach(b, at, v) == 0 ? (void *)v : NULL;
}

static int nb_end(void *ud, const light_json_slot *at, void *c, light_json_type t, size_t count) { return 0; }

static const light_json_builder nb_fns = {nb_scalar, nb_begin, nb_end};

/* _decode(buffer) / _decodeBuilder(buffer): what a response body goes
 * through (validate + JSON.parse), and the Node-API builder alternative. */
static napi_value decode_export(napi_env env, napi_callback_info info, int builder) {
  size_t argc = 1;
  napi_value argv[1];
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_buf = false;
  void *data = NULL;
  size_t len = 0;
  if (argc < 1 || napi_is_buffer(env, argv[0], &is_buf) != napi_ok || !is_buf ||
      napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a Buffer");
    return NULL;
  }
  if (!builder) return light_node__decode_or_throw(env, data, len, "JSON text", 0);
  nb b = {env, NULL, 0};
  light_json_result res;
  if (light_json_parse(data, len, &nb_fns, &b, NULL, &res) == LIGHT_JSON_OK) return b.root;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_json_error(&err, &res, len, "JSON text");
  return light_node__throw_error(env, &err);
}

napi_value light_node__decode_js(napi_env env, napi_callback_info info) { return decode_export(env, info, 0); }
napi_value light_node__decode_builder_js(napi_env env, napi_callback_info info) { return decode_export(env, info, 1); }
