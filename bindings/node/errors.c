/* light_error → the JS error classes of node/errors.js (DESIGN.md "Errors").
 *
 * node/errors.js defines the classes and hands them to the addon once per
 * environment with setErrorClasses({LightError, APIError, ...}); the addon
 * keeps a reference per light_error_kind and builds instances with
 * `new Class(message, details)`. LIGHT_ERR_INVALID_ARGUMENT becomes a plain
 * TypeError (local misuse, caught before any I/O). */
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

napi_value light_node__error_value(napi_env env, const light_error *err) {
  const char *msg = err && err->message ? err->message : light_strerror(err ? err->code : LIGHT_E_INTERNAL);
  napi_value message, result = NULL, v;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  light_error_kind kind = err ? err->kind : LIGHT_ERR_LIGHT;
  if (kind == LIGHT_ERR_INVALID_ARGUMENT || (err && err->code == LIGHT_E_INVALID_ARGUMENT)) {
    napi_value code;
    napi_create_string_utf8(env, "ERR_INVALID_ARG_VALUE", NAPI_AUTO_LENGTH, &code);
    napi_create_type_error(env, code, message, &result);
    if (err && err->param && napi_create_string_utf8(env, err->param, NAPI_AUTO_LENGTH, &v) == napi_ok)
      napi_set_named_property(env, result, "param", v);
    return result;
  }
  /* {kind, message, status, requestId, headers, retries, retryAfter, reason, param} named by the core; the body here */
  cJSON *j = light_error_details_json(err, LIGHT_TABLE_CAMEL_KEYS);
  napi_value details = j ? light_node__decode_cjson(env, j) : NULL, ex;
  cJSON_Delete(j);
  bool pending = false;
  if (!details && napi_is_exception_pending(env, &pending) == napi_ok && pending)
    napi_get_and_clear_last_exception(env, &ex); /* no memory: the message alone */
  if (!details) napi_create_object(env, &details);
  if (err && err->body)
    napi_set_named_property(env, details, "body", light_node__parse_body(env, err->body, err->body_len));
  light_node_env *e = light_node__env(env);
  napi_value ctor = NULL;
  napi_ref ref = e ? class_ref(e, kind) : NULL;
  if (ref) napi_get_reference_value(env, ref, &ctor);
  if (ctor) {
    napi_value argv[2] = {message, details};
    if (napi_new_instance(env, ctor, 2, argv, &result) == napi_ok) return result;
    napi_is_exception_pending(env, &pending);
    if (pending) napi_get_and_clear_last_exception(env, &ex);
  }
  /* classes not registered (addon used without node/index.js): plain Error */
  napi_create_error(env, NULL, message, &result);
  napi_value keys;
  uint32_t n = 0;
  napi_get_property_names(env, details, &keys);
  napi_get_array_length(env, keys, &n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value k;
    napi_get_element(env, keys, i, &k);
    napi_get_property(env, details, k, &v);
    napi_set_property(env, result, k, v);
  }
  return result;
}

napi_value light_node__throw_error(napi_env env, light_error *err) {
  napi_value v = light_node__error_value(env, err);
  if (v) napi_throw(env, v);
  light_error_clear(err);
  return NULL;
}
