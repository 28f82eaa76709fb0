/* Internal contract between the files of the Lua binding (light.core).
 *
 * One file per core concept: client.c (clients, blocking calls, raw
 * requests), exchange.c (the sans-I/O exchange for host transports such as
 * nginx cosockets), http.c (the HTTP/1.1 response parser and TLS verification
 * for the cosocket transport), webhook.c, errors.c (light_error → err table),
 * convert.c (the one cJSON ↔ Lua converter), module.c (luaopen, operation
 * table, constants). Cross-file names are light_lua__*; everything else is
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

/* ---- convert.c ----------------------------------------------------------- */

/* Push the Lua value of @p j (NULL → light.null). Objects become tables,
 * arrays become tables with the light.array metatable (so they encode back
 * as arrays, empty ones included), integral numbers become integers on
 * Lua >= 5.3, JSON null becomes light.null. Raises only on memory errors. */
void light_lua__push_json(lua_State *L, const cJSON *j);

/* Convert the Lua value at @p idx into a new cJSON tree (caller owns it).
 * On a value JSON cannot hold (function, cycle, mixed table, NaN, string
 * with NUL) returns NULL and fills @p err with LIGHT_E_INVALID_ARGUMENT
 * naming @p what. */
cJSON *light_lua__to_json(lua_State *L, int idx, const char *what, light_error *err);

/* Push light.null (a NULL light userdata, equal to ngx.null and cjson.null). */
void light_lua__push_null(lua_State *L);

/* Create the light.array metatable in the registry (module init). */
void light_lua__init_convert(lua_State *L);

/* ---- errors.c ------------------------------------------------------------ */

/* Push nil and the err table for @p e; returns 2 (for `return nil, err`). */
int light_lua__push_error(lua_State *L, const light_error *e);

/* Push nil and an InvalidArgumentError with @p message; returns 2. */
int light_lua__push_invalid(lua_State *L, const char *param, const char *message);

/* Push a table of response headers (lower-case name → value; repeated
 * headers joined with ", ") parsed from a raw "Name: value\r\n" block. */
void light_lua__push_headers(lua_State *L, const char *block, size_t len);

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

/* Per-call arguments gathered from Lua: owns everything it points to. */
typedef struct light_lua_args {
  light_params params;
  const char *path_values[8];
  cJSON *query;
  cJSON *body;
  light_file file;
  int has_file;
} light_lua_args;

/* The open client at @p idx; raises on a non-client (programmer misuse).
 * Returns NULL (with nil, err pushed: 2 values) when the client is closed. */
light_lua_client *light_lua__check_client(lua_State *L, int idx);

/* Read (path_params, query, body, file, timeout_s, max_retries) starting at
 * stack index @p first into @p a. Returns 0, or 2 after pushing nil, err. */
int light_lua__read_args(lua_State *L, int first, light_lua_args *a);
void light_lua__args_free(light_lua_args *a);

/* Push the result of a successful call: value (JSON → Lua, {} for an empty
 * body), nil, meta = {status, request_id, headers, retries[, next_query]}.
 * next_query is present for paginated operations that have a next page.
 * Takes ownership of @p resp. Returns 3, or 2 (nil, err) when the page
 * envelope is not a list. */
int light_lua__push_response(lua_State *L, light_response *resp, const light_operation *op, const cJSON *query);

int light_lua__open_client(lua_State *L);

/* ---- exchange.c ---------------------------------------------------------- */

int light_lua__open_exchange(lua_State *L);
/* client:exchange(op_id, ...) and client:exchange_raw(method, path, ...) */
int light_lua__client_exchange(lua_State *L);
int light_lua__client_exchange_raw(lua_State *L);

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
