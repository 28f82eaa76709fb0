/* light.node: module init, per-environment state, the core's tables and
 * event names for node/index.js.
 *
 * Exports: Client (client.c), operations(), options(), errorKinds(),
 * events(), checkOption() (client.c), webhookVerify(), webhookSign()
 * (webhook.c), setErrorClasses() (errors.c), version, napiVersion.
 * node/index.js builds the namespaced camelCase methods from operations() at
 * load time: the addon knows no endpoint. */
#include <stdio.h>
#include <stdlib.h>

#include "light_node.h"

light_node_env *light_node__env(napi_env env) {
  light_node_env *e = NULL;
  if (napi_get_instance_data(env, (void **)&e) != napi_ok) return NULL;
  return e;
}

void light_node__throw_last(napi_env env, const char *what) {
  const napi_extended_error_info *info = NULL;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  napi_get_last_error_info(env, &info);
  char buf[256];
  snprintf(buf, sizeof buf, "light-sdk: %s failed: %s", what,
           info && info->error_message ? info->error_message : "unknown Node-API error");
  napi_throw_error(env, NULL, buf);
}

char *light_node__string(napi_env env, napi_value v, size_t *len) {
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) return NULL;
  char *s = malloc(n + 1);
  if (!s) return NULL;
  if (napi_get_value_string_utf8(env, v, s, n + 1, &n) != napi_ok) {
    free(s);
    return NULL;
  }
  if (len) *len = n;
  return s;
}

/* ---- environment lifetime ----------------------------------------------- */

static void env_finalize(napi_env env, void *data, void *hint) {
  light_node_env *e = data;
  (void)hint;
  if (!e) return;
  /* Teardown already ran in the async cleanup hook; references die with the env. */
  free(e->polls);
  free(e);
}

static void env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  light_node_env *e = arg;
  e->cleanup = handle;
  e->closing = 1;
  light_node__drop_queue(e);
  light_node__engine_teardown(e);
}

/* ---- tables: operations(), options(), errorKinds(), events() ------------- */

/* A table the core built as JSON (@p j, taken) → JS; throws @p what when NULL. */
static napi_value table(napi_env env, cJSON *j, const char *what) {
  if (!j) {
    napi_throw_error(env, NULL, what);
    return NULL;
  }
  napi_value v = light_node__decode_cjson(env, j);
  cJSON_Delete(j);
  return v;
}

/* [{id, method, path, auth, body, ..., pathParams, queryParams, required, successStatus, summary}]:
 * node/index.js builds the client's methods from it. */
static napi_value js_operations(napi_env env, napi_callback_info info) {
  (void)info;
  return table(env, light_operation_table_json(LIGHT_TABLE_CAMEL_KEYS), "light-sdk: out of memory");
}

/* The core's option table (light_option_table_json(): snake_case keys, js_name). */
static napi_value js_options(napi_env env, napi_callback_info info) {
  (void)info;
  return table(env, light_option_table_json(), "light-sdk: out of memory");
}

/* [{kind, name, parent, status, doc}, ...] (light_error_kind_table_json()):
 * node/errors.js builds its class tree from it. */
static napi_value js_error_kinds(napi_env env, napi_callback_info info) {
  (void)info;
  return table(env, light_error_kind_count() <= LN_KINDS ? light_error_kind_table_json() : NULL,
               "light-sdk: cannot list the core's error kinds (more than this addon holds, or no memory)");
}

static napi_value js_events(napi_env env, napi_callback_info info) {
  napi_value arr, s;
  (void)info;
  LN_CALL(env, napi_create_array(env, &arr));
  for (size_t i = 0; i < light_event_count(); i++) {
    napi_create_string_utf8(env, light_event_at(i), NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, (uint32_t)i, s);
  }
  return arr;
}

/* ---- init ---------------------------------------------------------------- */

static napi_value init(napi_env env, napi_value exports) {
  light_node_env *e = calloc(1, sizeof *e);
  if (!e) {
    napi_throw_error(env, NULL, "light-sdk: out of memory");
    return NULL;
  }
  e->env = env;
  if (napi_get_uv_event_loop(env, (struct uv_loop_s **)&e->loop) != napi_ok || !e->loop) {
    free(e);
    napi_throw_error(env, NULL, "light-sdk: no libuv loop for this environment");
    return NULL;
  }
  if (napi_set_instance_data(env, e, env_finalize, NULL) != napi_ok) {
    free(e);
    light_node__throw_last(env, "napi_set_instance_data");
    return NULL;
  }
  napi_value resource, name;
  LN_CALL(env, napi_create_object(env, &resource));
  LN_CALL(env, napi_create_string_utf8(env, "light-sdk:request", NAPI_AUTO_LENGTH, &name));
  LN_CALL(env, napi_async_init(env, resource, name, &e->async_ctx));
  LN_CALL(env, napi_create_reference(env, resource, 1, &e->async_resource));
  LN_CALL(env, napi_add_async_cleanup_hook(env, env_cleanup, e, &e->cleanup));

  napi_property_descriptor props[] = {
      {"operations", NULL, js_operations, NULL, NULL, NULL, napi_enumerable, NULL},
      {"events", NULL, js_events, NULL, NULL, NULL, napi_enumerable, NULL},
      {"webhookVerify", NULL, light_node__webhook_verify, NULL, NULL, NULL, napi_enumerable, NULL},
      {"webhookSign", NULL, light_node__webhook_sign, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setErrorClasses", NULL, light_node__set_error_classes, NULL, NULL, NULL, napi_enumerable, NULL},
      {"errorKinds", NULL, js_error_kinds, NULL, NULL, NULL, napi_enumerable, NULL},
      {"options", NULL, js_options, NULL, NULL, NULL, napi_enumerable, NULL},
      {"checkOption", NULL, light_node__check_option, NULL, NULL, NULL, napi_enumerable, NULL},
      {"_decode", NULL, light_node__decode_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"_decodeBuilder", NULL, light_node__decode_builder_js, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (light_node__capture_json_parse(env) != 0) {
    light_node__throw_last(env, "JSON.parse lookup");
    return NULL;
  }
  LN_CALL(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  napi_value v;
  LN_CALL(env, napi_create_string_utf8(env, light_version(), NAPI_AUTO_LENGTH, &v));
  LN_CALL(env, napi_set_named_property(env, exports, "version", v));
  LN_CALL(env, napi_create_int32(env, NAPI_VERSION, &v));
  LN_CALL(env, napi_set_named_property(env, exports, "napiVersion", v));
  napi_value client = light_node__define_client(env);
  if (!client) return NULL;
  LN_CALL(env, napi_set_named_property(env, exports, "Client", client));
  return exports;
}

NAPI_MODULE(light, init)
