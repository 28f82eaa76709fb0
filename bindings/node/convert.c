/* The one cJSON <-> napi_value converter of the Node addon. Each direction
 * walks its tree once; JSON text is never re-serialised to be parsed again. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "light_node.h"

#define LN_MAX_DEPTH 64

/* ASCII text takes V8's one-byte path (no UTF-8 decoding). */
static napi_value make_string(napi_env env, const char *s) {
  napi_value v = NULL;
  size_t n = 0;
  unsigned char acc = 0;
  for (; s[n]; n++) acc |= (unsigned char)s[n];
  if (acc < 0x80)
    napi_create_string_latin1(env, s, n, &v);
  else
    napi_create_string_utf8(env, s, n, &v);
  return v;
}

napi_value light_node__from_json(napi_env env, const cJSON *j) {
  napi_value v = NULL;
  if (!j || cJSON_IsNull(j)) {
    napi_get_null(env, &v);
    return v;
  }
  if (cJSON_IsBool(j)) {
    napi_get_boolean(env, cJSON_IsTrue(j), &v);
  } else if (cJSON_IsNumber(j)) {
    napi_create_double(env, j->valuedouble, &v);
  } else if (cJSON_IsString(j)) {
    v = make_string(env, j->valuestring ? j->valuestring : "");
  } else if (cJSON_IsArray(j)) {
    uint32_t i = 0;
    napi_create_array_with_length(env, (size_t)cJSON_GetArraySize(j), &v);
    for (const cJSON *c = j->child; c; c = c->next) napi_set_element(env, v, i++, light_node__from_json(env, c));
  } else if (cJSON_IsObject(j)) {
    napi_create_object(env, &v);
    for (const cJSON *c = j->child; c; c = c->next)
      if (c->string) napi_set_named_property(env, v, c->string, light_node__from_json(env, c));
  } else if (cJSON_IsRaw(j)) {
    napi_create_string_utf8(env, j->valuestring ? j->valuestring : "", NAPI_AUTO_LENGTH, &v);
  } else {
    napi_get_null(env, &v);
  }
  return v;
}

napi_value light_node__parse_body(napi_env env, const char *text, size_t len) {
  napi_value v = NULL;
  if (!text || len == 0) {
    napi_get_null(env, &v);
    return v;
  }
  cJSON *j = cJSON_ParseWithLength(text, len);
  if (j) {
    v = light_node__from_json(env, j);
    cJSON_Delete(j);
    return v;
  }
  napi_create_string_utf8(env, text, len, &v);
  return v;
}

static cJSON *invalid(light_error *err, const char *what, const char *why) {
  if (err) {
    light_error_clear(err);
    err->code = LIGHT_E_INVALID_ARGUMENT;
    err->kind = LIGHT_ERR_INVALID_ARGUMENT;
    size_t n = strlen(what) + strlen(why) + 4;
    err->message = malloc(n);
    if (err->message) {
      strcpy(err->message, what);
      strcat(err->message, ": ");
      strcat(err->message, why);
    }
  }
  return NULL;
}

static cJSON *to_json(napi_env env, napi_value v, int depth, const char *what, light_error *err);

static cJSON *object_to_json(napi_env env, napi_value v, int depth, const char *what, light_error *err) {
  bool is = false;
  if (napi_is_array(env, v, &is) == napi_ok && is) {
    uint32_t n = 0;
    napi_get_array_length(env, v, &n);
    cJSON *arr = cJSON_CreateArray();
    if (!arr) return invalid(err, what, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
      napi_value el;
      napi_get_element(env, v, i, &el);
      napi_valuetype t;
      napi_typeof(env, el, &t);
      /* JSON.stringify writes undefined array slots as null */
      cJSON *c = t == napi_undefined ? cJSON_CreateNull() : to_json(env, el, depth + 1, what, err);
      if (!c) {
        cJSON_Delete(arr);
        return NULL;
      }
      cJSON_AddItemToArray(arr, c);
    }
    return arr;
  }
  if (napi_is_date(env, v, &is) == napi_ok && is) {
    napi_value fn, s;
    if (napi_get_named_property(env, v, "toISOString", &fn) != napi_ok ||
        napi_call_function(env, v, fn, 0, NULL, &s) != napi_ok)
      return invalid(err, what, "invalid Date");
    size_t len = 0;
    char *str = light_node__string(env, s, &len);
    if (!str) return invalid(err, what, "invalid Date");
    cJSON *c = cJSON_CreateString(str);
    free(str);
    return c;
  }
  if ((napi_is_buffer(env, v, &is) == napi_ok && is) || (napi_is_typedarray(env, v, &is) == napi_ok && is))
    return invalid(err, what, "binary data cannot be sent as JSON");
  napi_value keys;
  if (napi_get_all_property_names(env, v, napi_key_own_only, napi_key_enumerable | napi_key_skip_symbols,
                                  napi_key_numbers_to_strings, &keys) != napi_ok)
    return invalid(err, what, "cannot enumerate object keys");
  uint32_t n = 0;
  napi_get_array_length(env, keys, &n);
  cJSON *obj = cJSON_CreateObject();
  if (!obj) return invalid(err, what, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    napi_value k, val;
    napi_get_element(env, keys, i, &k);
    if (napi_get_property(env, v, k, &val) != napi_ok) {
      cJSON_Delete(obj);
      return invalid(err, what, "cannot read a property");
    }
    napi_valuetype t;
    napi_typeof(env, val, &t);
    if (t == napi_undefined || t == napi_function || t == napi_symbol) continue; /* as JSON.stringify */
    char *name = light_node__string(env, k, NULL);
    if (!name) {
      cJSON_Delete(obj);
      return invalid(err, what, "out of memory");
    }
    cJSON *c = to_json(env, val, depth + 1, what, err);
    if (!c) {
      free(name);
      cJSON_Delete(obj);
      return NULL;
    }
    cJSON_AddItemToObject(obj, name, c);
    free(name);
  }
  return obj;
}

static cJSON *to_json(napi_env env, napi_value v, int depth, const char *what, light_error *err) {
  if (depth > LN_MAX_DEPTH) return invalid(err, what, "nested too deeply (or cyclic)");
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return invalid(err, what, "unreadable value");
  switch (t) {
  case napi_undefined:
  case napi_null: return cJSON_CreateNull();
  case napi_boolean: {
    bool b = false;
    napi_get_value_bool(env, v, &b);
    return cJSON_CreateBool(b);
  }
  case napi_number: {
    double d = 0;
    napi_get_value_double(env, v, &d);
    if (!isfinite(d)) return cJSON_CreateNull(); /* as JSON.stringify */
    return cJSON_CreateNumber(d);
  }
  case napi_string: {
    char *s = light_node__string(env, v, NULL);
    if (!s) return invalid(err, what, "out of memory");
    cJSON *c = cJSON_CreateString(s);
    OPENSSL_cleanse(s, strlen(s)); /* a body string may be an SSN */
    free(s);
    return c;
  }
  case napi_object: return object_to_json(env, v, depth, what, err);
  case napi_bigint: return invalid(err, what, "BigInt values cannot be sent as JSON");
  default: return invalid(err, what, "functions and symbols cannot be sent as JSON");
  }
}

cJSON *light_node__to_json(napi_env env, napi_value v, const char *what, light_error *err) {
  return to_json(env, v, 0, what, err);
}
