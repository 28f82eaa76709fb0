/* Internal contract between the files of the Node-API addon (light.node).
 *
 * One file per core concept: client.c (clients, calls, raw requests, abort),
 * engine.c (the core's async engine on Node's own libuv loop: one uv_poll_t
 * per socket, one uv_timer_t), webhook.c, errors.c (light_error → the JS
 * error classes of node/errors.js), convert.c (JS values → light_args, the
 * request direction), decode.c (JSON text → JS values), module.c (init,
 * per-environment state, the core's tables, event names). Cross-file names
 * are light_node__*; everything else is static.
 *
 * No statics hold JS state: everything lives in the per-environment
 * light_node_env (napi_set_instance_data), so worker_threads can load the
 * addon, each with its own loop, engine and classes. */
#ifndef LIGHT_NODE_H
#define LIGHT_NODE_H

#include <node_api.h>
#include <uv.h>

#include <cjson/cJSON.h>

#include "light/light.h"

/* Throw the Node-API error text and return NULL from a napi_callback. */
#define LN_CALL(env, call)                \
  do {                                    \
    if ((call) != napi_ok) {              \
      light_node__throw_last(env, #call); \
      return NULL;                        \
    }                                     \
  } while (0)

/* Calls handed to the engine at once per environment (the engine's pool
 * holds 64 connections per host); later calls wait in an admission queue so
 * that one loop iteration never has to start hundreds of transfers. */
#define LN_MAX_INFLIGHT 64

/* Capacity of the class table; light_error_kind_count() must fit (checked at load). */
#define LN_KINDS 32

typedef struct light_node_poll light_node_poll;
typedef struct light_node_call light_node_call;

/* Per-environment state (one per main thread / worker). Owned by the
 * environment: freed by its instance-data finalizer, after the async cleanup
 * hook has freed the engine and closed every uv handle. */
typedef struct light_node_env {
  napi_env env;
  uv_loop_t *loop;
  light_engine *engine;    /* created on the first call */
  uv_timer_t *timer;       /* heap; freed by its close callback */
  uv_check_t *check;       /* marks loop iterations (time slice); heap */
  uint64_t slice_start;    /* uv_hrtime() of this iteration's first socket event, 0 = none yet */
  light_node_poll **polls; /* indexed by fd */
  size_t n_polls;          /* capacity of polls */
  size_t open_handles;     /* uv handles not yet closed (timer, check, polls) */
  int refd;                /* handles ref'd (requests pending) */
  int in_uv;               /* inside a uv callback that drives the engine */
  int scope_open;          /* handle + callback scope opened lazily in in_uv */
  napi_handle_scope hscope;
  napi_callback_scope cscope;
  napi_async_context async_ctx;
  napi_ref async_resource;
  napi_ref error_classes[LN_KINDS]; /* by light_error_kind; NULL until setErrorClasses */
  napi_ref client_ctor;
  napi_ref json_parse; /* JSON.parse as it was at module load (decode.c) */
  int closing;         /* environment teardown started */
  napi_async_cleanup_hook_handle cleanup;
  uint32_t next_call_id;
  size_t inflight;         /* calls inside the engine */
  light_node_call *q_head; /* admission queue (FIFO), owned */
  light_node_call *q_tail;
} light_node_env;

/* ---- module.c ------------------------------------------------------------ */

light_node_env *light_node__env(napi_env env);
/* Throw an Error with the last Node-API error text (prefix: the failed call). */
void light_node__throw_last(napi_env env, const char *what);
/* Copy a JS string into a malloc'd NUL-terminated buffer; NULL when not a string. */
char *light_node__string(napi_env env, napi_value v, size_t *len);

/* ---- decode.c ------------------------------------------------------------ */

/* Capture JSON.parse for this environment (module init). 0 ok. */
int light_node__capture_json_parse(napi_env env);
/* JSON text → JS value: the core's parser validates (unless @p validated:
 * the exchange already did; @p summary filled when given), V8's JSON.parse
 * builds. Returns 0 (*out set), 1 (refused: @p res says why, nothing
 * thrown) or -1 (a JS exception is pending). */
int light_node__decode(napi_env env, const char *text, size_t len, light_json_member *summary, size_t n_summary,
                       int validated, light_json_result *res, napi_value *out);
/* The same, throwing light's decode / too-large error (@p what: "response
 * body", ...) for a refused text; null for an empty one. NULL when thrown. */
napi_value light_node__decode_or_throw(napi_env env, const char *text, size_t len, const char *what, int validated);
/* A small cJSON tree the core built (the next page's query) → JS. */
napi_value light_node__decode_cjson(napi_env env, const cJSON *j);
/* Parse @p len bytes of JSON text (an error body) into a JS value; falls back
 * to the text as a string when it is not JSON. */
napi_value light_node__parse_body(napi_env env, const char *text, size_t len);
/* Exports _decode(buf) and _decodeBuilder(buf) (benchmarks and tests). */
napi_value light_node__decode_js(napi_env env, napi_callback_info info);
napi_value light_node__decode_builder_js(napi_env env, napi_callback_info info);

/* ---- convert.c ----------------------------------------------------------- */

/* Request direction: stream the JS value @p v into @p a (toJSON honoured as
 * JSON.stringify; Map/Set/invalid Date/throwing toJSON or getter/lone
 * surrogates refused). Returns the args' sticky status; no JS exception is
 * left pending. */
light_status light_node__args_value(napi_env env, light_args *a, napi_value v);
/* Stream the own enumerable members of @p obj as key/value pairs of the
 * current section, skipping the member named @p skip_key (NULL: none). */
light_status light_node__args_members(napi_env env, light_args *a, napi_value obj, const char *skip_key);
/* Finished record arguments (light_args_new_record()) of @p kind, walked as
 * above (but a function or symbol member is kept as an object): the members
 * of the options object @p obj (NULL, undefined or null: none), then @p argc
 * positional values. Caller frees; NULL with the core's error thrown. */
light_args *light_node__record(napi_env env, light_args_record_kind kind, unsigned flags, napi_value obj, size_t argc,
                               napi_value *argv);

/* ---- errors.c ------------------------------------------------------------ */

/* The JS error for @p err: an instance of the class registered for its kind
 * (TypeError for LIGHT_ERR_INVALID_ARGUMENT) with the core's details
 * (light_error_details_json()) and the decoded body. Never NULL unless an
 * exception is pending. */
napi_value light_node__error_value(napi_env env, const light_error *err);
/* Throw light_node__error_value(err) and clear @p err. Returns NULL (for a napi_callback's return). */
napi_value light_node__throw_error(napi_env env, light_error *err);
napi_value light_node__set_error_classes(napi_env env, napi_callback_info info);

/* ---- engine.c ------------------------------------------------------------ */

/* The environment's engine, created (with its uv timer) on first use.
 * NULL with an exception pending on failure. */
light_engine *light_node__engine(light_node_env *e);
/* Ref the loop handles while requests are pending, unref them when idle. */
void light_node__engine_update_ref(light_node_env *e);
/* Open the handle + callback scopes when a completion runs from a uv
 * callback (no JS on the stack); a no-op inside a JS call. */
void light_node__enter_js(light_node_env *e);
/* Teardown: free the engine (pending calls complete as cancelled) and close
 * every uv handle; calls napi_remove_async_cleanup_hook when all are closed. */
void light_node__engine_teardown(light_node_env *e);

/* ---- client.c ------------------------------------------------------------ */

napi_value light_node__define_client(napi_env env);
/* checkOption(jsName, value): throws the core's TypeError when value is not valid for that option. */
napi_value light_node__check_option(napi_env env, napi_callback_info info);
/* Teardown: free queued calls without running JS. */
void light_node__drop_queue(light_node_env *e);

/* ---- webhook.c ----------------------------------------------------------- */

napi_value light_node__webhook_verify(napi_env env, napi_callback_info info);
napi_value light_node__webhook_sign(napi_env env, napi_callback_info info);

#endif
