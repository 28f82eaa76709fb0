/* Internal contract between the files of the Lua binding (light.core).
 *
 * One file per core concept: client.c (clients, blocking calls, raw
 * requests), exchange.c (the sans-I/O exchange for host transports such as
 * nginx cosockets), http.c (the HTTP/1.1 response parser and TLS verification
 * for the cosocket transport), webhook.c, errors.c (light_error → err table),
 * convert.c (Lua → light_args, the request direction), decode.c (JSON
 * text and the core's cJSON tables → Lua values), module.c (luaopen, the
 * core's tables, constants). Cross-file names are light_lua__*; everything else is
 * static. The same source builds for Lua 5.4 and LuaJIT 2.1 (compat.h). */
#ifndef LIGHT_LUA_H
#define LIGHT_LUA_H

#include <cjson/cJSON.h>

#include "compat.h"
#include "light/light.h"

#define LIGHT_LUA_CLIENT_MT "light.Client"
#define LIGHT_LUA_EXCHANGE_MT "light.Exchange"
#define LIGHT_LUA_ERROR_MT "light.Error"
#define LIGHT_LUA_ARRAY_MT "light.array"

/* ---- decode.c ------------------------------------------------------------ */

/* Decode JSON text with the core's parser straight into Lua values (objects
 * → tables, arrays → tables with the light.array metatable, integer literals
 * → integers on Lua >= 5.3, null → light.null, strings with every byte),
 * filling @p summary when given. Returns 0 (the value pushed), 1 (refused:
 * @p res says why, nothing pushed) or -1 (Lua stack exhausted). Raises only
 * on memory errors. */
int light_lua__decode(lua_State *L, const char *text, size_t len, light_json_member *summary, size_t n_summary,
                      light_json_result *res);
/* The same; pushes the value (returns 1) or nil, err (returns 2: light's
 * decode / too-large error, @p what e.g. "response body"). */
int light_lua__push_decoded(lua_State *L, const char *text, size_t len, const char *what);
/* Push the Lua value of a cJSON tree the core built (its tables, error
 * details, the next page's query) in the shapes the decoder gives; NULL →
 * light.null. Raises when the Lua stack is exhausted. */
void light_lua__push_json(lua_State *L, const cJSON *j);

/* Request direction: stream the Lua value at @p idx into @p a (raw table
 * access only: no Lua code runs). Returns the args' sticky status. */
light_status light_lua__args_value(lua_State *L, int idx, light_args *a);
/* The string-keyed members of the table at @p idx as key/value pairs of the
 * current section (@p what names the table in errors: "params", "opts"). */
light_status light_lua__args_members(lua_State *L, int idx, light_args *a, const char *what);
/* light_args_finish(@p a): returns @p a, or NULL after freeing it and pushing
 * nil, err (*nret = 2). Raises when @p a is NULL (out of memory). */
light_args *light_lua__args_finish(lua_State *L, light_args *a, int *nret);

/* The light_args flags of this runtime: LuaJIT has one number type. */
#define LIGHT_LUA_ARGS_FLAGS (LIGHT_LUA_HAS_INTEGERS ? 0u : LIGHT_ARGS_NUMBERS_ARE_DOUBLES)

/* Push light.null (a NULL light userdata, equal to ngx.null and cjson.null). */
void light_lua__push_null(lua_State *L);

/* ---- errors.c ------------------------------------------------------------ */

/* Push nil and the err table for @p e, then clear @p e; returns 2 (for
 * `return nil, err`). */
int light_lua__push_error(lua_State *L, light_error *e);

/* Push nil and an error the binding raises itself (light_error_set: @p code,
 * InvalidArgumentError for LIGHT_E_INVALID_ARGUMENT, else LightError); returns 2. */
int light_lua__push_new_error(lua_State *L, light_status code, const char *param, const char *message);

/* Create the light.Error metatable (module init). */
void light_lua__init_errors(lua_State *L);

/* ---- client.c ------------------------------------------------------------ */

typedef struct light_lua_client {
  light_client *client; /* NULL once freed */
  int closing;          /* close() called while exchanges were alive */
  int exchanges;        /* live exchanges borrowing client */
} light_lua_client;

/* An exchange finished with its client: frees it when close() was deferred. */
void light_lua__client_release(light_lua_client *c);

/* The open client at @p idx; raises on a non-client (programmer misuse).
 * Returns NULL (with nil, err pushed: 2 values) when the client is closed. */
light_lua_client *light_lua__check_client(lua_State *L, int idx);

/* The finished arguments of a call from the Lua stack: index 1 is the
 * client, then (op_id, path values..., params, opts), or when @p raw
 * (method, path, {query, body, headers, timeout, max_retries}). Returns the
 * args, or NULL after pushing nil, err (*nret = 2). */
light_args *light_lua__build_args(lua_State *L, int raw, int *nret);

/* Push the result of a successful call: value (JSON → Lua, {} for an empty
 * body), nil, meta = {status, request_id, headers, retries[, next_query]}.
 * next_query is present for paginated operations that have a next page.
 * Takes ownership of @p resp. Returns 3, or 2 (nil, err) when the page
 * envelope is not a list. */
int light_lua__push_response(lua_State *L, light_response *resp, const light_operation *op, const cJSON *query);

int light_lua__open_client(lua_State *L);

/* ---- exchange.c ---------------------------------------------------------- */

/* Create the light.Exchange metatable and add client:exchange(op_id, ...)
 * and client:exchange_raw(method, path, ...) to the table on top. */
void light_lua__open_exchange(lua_State *L);

/* ---- http.c -------------------------------------------------------------- */
/* Add http_parser (the core's HTTP/1.1 response parser) to the table on top. */
void light_lua__open_http(lua_State *L);
/* The response of the light.HttpParser at @p idx once it said "done"
 * (borrowed pointers, valid until its next feed/reset/close). Returns 0 when
 * it holds no complete response. Raises on a non-parser. */
int light_lua__http_parser_result(lua_State *L, int idx, int *status, const char **headers, size_t *headers_len,
                                  const char **body, size_t *body_len);

/* ---- webhook.c ----------------------------------------------------------- */

/* Add verify, verify_header, sign, parse_event, events to the table on top. */
void light_lua__open_webhook(lua_State *L);

#endif
