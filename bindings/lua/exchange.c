/* light.Exchange userdata: the core's sans-I/O exchange (light/exchange.h)
 * for transports written in Lua — nginx cosockets in light/nginx.lua. The
 * core still builds every request (URL, headers, body, token mint, retries)
 * and classifies every response; Lua only moves bytes and sleeps.
 *
 *   local x = client:exchange(op_id, path_params, query, body, file, timeout, retries)
 *   while true do
 *     local step, a = x:next()
 *     if step == "send" then ... x:feed_response(status, header_block, body)
 *                                or x:feed_failure("connect", detail)
 *                                   (connect | connect_timeout | tls_verify | timeout |
 *                                    send | recv | too_large | cancelled | other)
 *     elseif step == "wait" or step == "wait_token" then sleep(a / 1000)
 *     else break end
 *   end
 *   return x:finish()   -- value, nil, meta | nil, err
 */
#include <string.h>

#include "lua_light.h"

typedef struct light_lua_exchange {
  light_exchange *x;         /* NULL once finished or closed */
  light_lua_client *owner;   /* borrowed; the userdata is referenced by ours */
  const light_operation *op; /* NULL for raw requests */
  cJSON *query;              /* copy of the call's query, for pagination */
  int stepped_done;
} light_lua_exchange;

static void exchange_release(light_lua_exchange *e) {
  if (e->x) {
    light_exchange_free(e->x);
    e->x = NULL;
  }
  cJSON_Delete(e->query);
  e->query = NULL;
  if (e->owner) {
    light_lua__client_release(e->owner);
    e->owner = NULL;
  }
}

static light_lua_exchange *check_exchange(lua_State *L) { return luaL_checkudata(L, 1, LIGHT_LUA_EXCHANGE_MT); }

static int closed_error(lua_State *L) {
  return light_lua__push_new_error(L, LIGHT_E_STATE, NULL, "exchange is finished or closed");
}

/* Create the userdata, then the exchange (owned by it). */
static int new_exchange(lua_State *L, int raw) {
  light_lua_client *c = light_lua__check_client(L, 1);
  if (!c) return 2;
  int n = 0;
  light_args *a = light_lua__build_args(L, raw, &n);
  if (!a) return n;

  light_lua_exchange *e = light_lua_newuserdata(L, sizeof *e);
  memset(e, 0, sizeof *e);
  luaL_getmetatable(L, LIGHT_LUA_EXCHANGE_MT);
  lua_setmetatable(L, -2);
  light_lua_setref(L, -1, 1); /* keep the client userdata alive */

  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_exchange_new_args(&e->x, c->client, a, &err);
  if (st != LIGHT_OK) {
    light_args_free(a);
    return light_lua__push_error(L, &err);
  }
  e->owner = c;
  c->exchanges++;
  e->op = light_exchange_operation(e->x);
  /* keep the query: the page walk needs it */
  e->query = light_args_query(a) ? cJSON_Duplicate(light_args_query(a), 1) : NULL;
  light_args_free(a);
  return 1;
}

static int l_exchange(lua_State *L) { return new_exchange(L, 0); }
static int l_exchange_raw(lua_State *L) { return new_exchange(L, 1); }

/* x:next() → "send", request | "wait", ms | "wait_token", ms | "done" */
static int l_next(lua_State *L) {
  light_lua_exchange *e = check_exchange(L);
  if (!e->x) return closed_error(L);
  light_http_request req;
  long delay = 0;
  memset(&req, 0, sizeof req);
  light_step s = light_exchange_next(&req, &delay, e->x);
  switch (s) {
  case LIGHT_STEP_SEND:
    lua_pushliteral(L, "send");
    lua_createtable(L, 0, 10);
    lua_pushstring(L, req.method);
    lua_setfield(L, -2, "method");
    lua_pushstring(L, req.url);
    lua_setfield(L, -2, "url");
    lua_createtable(L, (int)req.n_headers, 0);
    for (size_t i = 0; i < req.n_headers; i++) {
      lua_pushstring(L, req.headers[i]);
      lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -2, "headers");
    if (req.body) {
      lua_pushlstring(L, req.body, req.body_len);
      lua_setfield(L, -2, "body");
    }
    lua_pushnumber(L, (lua_Number)req.timeout_ms);
    lua_setfield(L, -2, "timeout_ms");
    lua_pushnumber(L, (lua_Number)req.connect_timeout_ms);
    lua_setfield(L, -2, "connect_timeout_ms");
    lua_pushnumber(L, (lua_Number)req.max_response_bytes);
    lua_setfield(L, -2, "max_response_bytes");
    lua_pushinteger(L, req.attempt);
    lua_setfield(L, -2, "attempt");
    lua_pushboolean(L, req.is_token_mint);
    lua_setfield(L, -2, "is_token_mint");
    return 2;
  case LIGHT_STEP_WAIT:
  case LIGHT_STEP_WAIT_TOKEN:
    lua_pushstring(L, s == LIGHT_STEP_WAIT ? "wait" : "wait_token");
    lua_pushnumber(L, (lua_Number)delay);
    return 2;
  case LIGHT_STEP_DONE:
  default:
    e->stepped_done = 1;
    lua_pushliteral(L, "done");
    return 1;
  }
}

/* x:feed_response(status, header_block, body) */
static int l_feed_response(lua_State *L) {
  light_lua_exchange *e = check_exchange(L);
  if (!e->x) return closed_error(L);
  int status = (int)luaL_checkinteger(L, 2);
  size_t hl = 0, bl = 0;
  const char *h = luaL_optlstring(L, 3, "", &hl);
  const char *b = luaL_optlstring(L, 4, "", &bl);
  light_exchange_feed_response(e->x, status, h, hl, b, bl);
  lua_pushboolean(L, 1);
  return 1;
}

/* x:feed_parsed(parser): the response a light.HttpParser (http.c) holds,
 * without copying it through Lua strings. */
static int l_feed_parsed(lua_State *L) {
  light_lua_exchange *e = check_exchange(L);
  if (!e->x) return closed_error(L);
  int status = 0;
  const char *h = NULL, *b = NULL;
  size_t hl = 0, bl = 0;
  if (!light_lua__http_parser_result(L, 2, &status, &h, &hl, &b, &bl))
    return luaL_error(L, "feed_parsed: the parser holds no complete response");
  light_exchange_feed_response(e->x, status, h, hl, b, bl);
  lua_pushboolean(L, 1);
  return 1;
}

/* x:feed_failure(kind, detail) with kind one of the names below. */
static int l_feed_failure(lua_State *L) {
  static const char *const names[] = {"connect",   "tls_verify", "timeout",         "send", "recv", "too_large",
                                      "cancelled", "other",      "connect_timeout", NULL};
  static const light_transport_failure values[] = {
      LIGHT_FAIL_CONNECT,   LIGHT_FAIL_TLS_VERIFY, LIGHT_FAIL_TIMEOUT, LIGHT_FAIL_SEND,           LIGHT_FAIL_RECV,
      LIGHT_FAIL_TOO_LARGE, LIGHT_FAIL_CANCELLED,  LIGHT_FAIL_OTHER,   LIGHT_FAIL_CONNECT_TIMEOUT};
  light_lua_exchange *e = check_exchange(L);
  if (!e->x) return closed_error(L);
  int i = luaL_checkoption(L, 2, NULL, names);
  light_exchange_feed_failure(e->x, values[i], luaL_optstring(L, 3, NULL));
  lua_pushboolean(L, 1);
  return 1;
}

/* x:finish() → value, nil, meta | nil, err. Frees the exchange. */
static int l_finish(lua_State *L) {
  light_lua_exchange *e = check_exchange(L);
  if (!e->x) return closed_error(L);
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_exchange_finish(&resp, e->x, &err);
  int n = st == LIGHT_OK ? light_lua__push_response(L, resp, e->op, e->query) : light_lua__push_error(L, &err);
  exchange_release(e);
  return n;
}

static int l_close(lua_State *L) {
  exchange_release(check_exchange(L));
  return 0;
}

void light_lua__open_exchange(lua_State *L) {
  static const luaL_Reg client_methods[] = {{"exchange", l_exchange}, {"exchange_raw", l_exchange_raw}, {NULL, NULL}};
  static const luaL_Reg methods[] = {
      {"next", l_next},
      {"feed_response", l_feed_response},
      {"feed_failure", l_feed_failure},
      {"feed_parsed", l_feed_parsed},
      {"finish", l_finish},
      {"close", l_close},
      {NULL, NULL},
  };
  light_lua_setfuncs(L, client_methods, 0);
  if (luaL_newmetatable(L, LIGHT_LUA_EXCHANGE_MT)) {
    light_lua_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__close");
    lua_pushliteral(L, "light.Exchange");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
}
