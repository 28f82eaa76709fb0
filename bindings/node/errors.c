/* light_error → the JS error classes of node/errors.js (DESIGN.md "Errors").
 *
 * node/errors.js defines the classes and hands them to the addon once per
 * environment with setErrorClasses({LightError, APIError, ...}); the addon
 * keeps a reference per light_error_kind and builds instances with
 * `new Class(message, details)`. LIGHT_ERR_INVALID_ARGUMENT becomes a plain
 * TypeError (local misuse, caught before any I/O). */
#include <stdlib.h>
#include <string.h>

#include "light_node.h"

/* The registered class for @p k; an unregistered kind falls back on its
 * nearest registered ancestor (the core's tree), then LightError. */
static napi_ref class_ref(const light_node_env *e, light_error_kind k) {
  if (k <= LIGHT_ERR_NONE || k >= LN_KINDS) k = LIGHT_ERR_LIGHT;
  while (k != LIGHT_ERR_NONE && !e->error_classes[k]) k = light_error_kind_parent(k);
  return e->error_classes[k != LIGHT_ERR_NONE ? k : LIGHT_ERR_LIGHT];
}

napi_value light_node__set_error_classes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  light_node_env *e = light_node__env(env);
  if (!e || argc < 1) {
    napi_throw_type_error(env, NULL, "setErrorClasses(classes) needs an object");
    return NULL;
  }
  int nk = (int)light_error_kind_count();
  if (nk > LN_KINDS) nk = LN_KINDS; /* errorKinds() refuses to load in that case */
  for (int k = 1; k < nk; k++) {
    const char *name = light_error_kind_name((light_error_kind)k);
    napi_value ctor;
    napi_valuetype t;
    if (!name || napi_get_named_property(env, argv[0], name, &ctor) != napi_ok) continue;
    napi_typeof(env, ctor, &t);
    if (t != napi_function) continue;
    if (e->error_classes[k]) napi_delete_reference(env, e->error_classes[k]);
    napi_create_reference(env, ctor, 1, &e->error_classes[k]);
  }
  return NULL;
}

/* errorKinds() → [{kind, name, parent, status, doc}, ...] (light_error_kind_table_json()):
 * node/errors.js builds its class tree from it. */
napi_value light_node__error_kinds(napi_env env, napi_callback_info info) {
  (void)info;
  cJSON *j = light_error_kind_count() <= LN_KINDS ? light_error_kind_table_json() : NULL;
  if (!j) {
    napi_throw_error(env, NULL,
                     "light-sdk: cannot list the core's error kinds (more than this addon holds, or no memory)");
    return NULL;
  }
  napi_value v = light_node__decode_cjson(env, j);
  cJSON_Delete(j);
  return v;
}

/* {lower-case name: value}; repeated names joined with ", " as fetch's
 * Headers does. The core parses the block (light_header_next). */
napi_value light_node__headers(napi_env env, const char *block, size_t len) {
  napi_value obj;
  napi_create_object(env, &obj);
  size_t pos = 0, nl, vl;
  const char *name, *v;
  char small[128];
  while (light_header_next(block, len, &pos, &name, &nl, &v, &vl)) {
    char *key = nl < sizeof small ? small : malloc(nl + 1);
    if (!key) break;
    for (size_t i = 0; i < nl; i++) key[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
    key[nl] = '\0';
    napi_value val, prev;
    bool has = false;
    napi_has_named_property(env, obj, key, &has);
    if (has) { /* repeated header: prev + ", " + value */
      size_t plen = 0;
      napi_get_named_property(env, obj, key, &prev);
      char *ps = light_node__string(env, prev, &plen);
      char *joined = ps ? malloc(plen + 2 + vl + 1) : NULL;
      if (joined) {
        memcpy(joined, ps, plen);
        memcpy(joined + plen, ", ", 2);
        memcpy(joined + plen + 2, v, vl);
        napi_create_string_utf8(env, joined, plen + 2 + vl, &val);
      } else {
        napi_create_string_utf8(env, v, vl, &val);
      }
      free(joined);
      free(ps);
    } else {
      napi_create_string_utf8(env, v, vl, &val);
    }
    napi_set_named_property(env, obj, key, val);
    if (key != small) free(key);
  }
  return obj;
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *s) {
  napi_value v;
  if (s)
    napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  else
    napi_get_null(env, &v);
  napi_set_named_property(env, obj, key, v);
}

static void set_num(napi_env env, napi_value obj, const char *key, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  napi_set_named_property(env, obj, key, v);
}

napi_value light_node__error_value(napi_env env, const light_error *err) {
  const char *msg = err && err->message ? err->message : light_strerror(err ? err->code : LIGHT_E_INTERNAL);
  napi_value message, result = NULL;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  light_error_kind kind = err ? err->kind : LIGHT_ERR_LIGHT;
  if (kind == LIGHT_ERR_INVALID_ARGUMENT || (err && err->code == LIGHT_E_INVALID_ARGUMENT)) {
    napi_value code;
    napi_create_string_utf8(env, "ERR_INVALID_ARG_VALUE", NAPI_AUTO_LENGTH, &code);
    napi_create_type_error(env, code, message, &result);
    if (err && err->param) set_str(env, result, "param", err->param);
    return result;
  }
  napi_value details;
  napi_create_object(env, &details);
  if (err) {
    set_str(env, details, "kind", light_error_kind_name(kind));
    if (err->http_status) set_num(env, details, "status", err->http_status);
    if (err->body) napi_set_named_property(env, details, "body", light_node__parse_body(env, err->body, err->body_len));
    if (err->request_id) set_str(env, details, "requestId", err->request_id);
    if (err->headers)
      napi_set_named_property(env, details, "headers", light_node__headers(env, err->headers, err->headers_len));
    set_num(env, details, "retries", err->retries);
    if (err->retry_after >= 0) set_num(env, details, "retryAfter", err->retry_after);
    if (err->code == LIGHT_E_SIGNATURE)
      set_str(env, details, "reason", light_signature_reason_name(err->signature_reason));
  }
  light_node_env *e = light_node__env(env);
  napi_value ctor = NULL;
  napi_ref ref = e ? class_ref(e, kind) : NULL;
  if (ref) napi_get_reference_value(env, ref, &ctor);
  if (ctor) {
    napi_value argv[2] = {message, details};
    if (napi_new_instance(env, ctor, 2, argv, &result) == napi_ok) return result;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ex;
      napi_get_and_clear_last_exception(env, &ex);
    }
  }
  /* classes not registered (addon used without node/index.js): plain Error */
  napi_create_error(env, NULL, message, &result);
  napi_value keys;
  uint32_t n = 0;
  napi_get_property_names(env, details, &keys);
  napi_get_array_length(env, keys, &n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value k, v;
    napi_get_element(env, keys, i, &k);
    napi_get_property(env, details, k, &v);
    napi_set_property(env, result, k, v);
  }
  return result;
}

void light_node__throw_error(napi_env env, const light_error *err) {
  napi_value v = light_node__error_value(env, err);
  if (v) napi_throw(env, v);
}
