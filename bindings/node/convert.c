/* JS values → cJSON trees (the request direction; JSON text becomes JS
 * values in decode.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "light_node.h"

#define LN_MAX_DEPTH 64

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
