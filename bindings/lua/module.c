/* luaopen_light_core: the C half of the Lua package (lua/light/init.lua is
 * the other). Exposes the operation table as data so the Lua layer builds
 * namespaced methods from it, plus clients, exchanges, webhooks, light.null
 * and the error metatable. Built once per runtime (Lua 5.4, LuaJIT 2.1). */
#include "lua_light.h"

/* Push (and free) a table the core built as JSON. */
static int push_table(lua_State *L, cJSON *j) {
  if (!j) return luaL_error(L, "light: out of memory");
  light_lua__push_json(L, j);
  cJSON_Delete(j);
  return 1;
}

/* operations() → list of rows {id, method, path, auth, body, paginated, ...} */
static int l_operations(lua_State *L) { return push_table(L, light_operation_table_json(0)); }
/* options() → the core's option table as a list of
 * {name, type, unit, default, env, min, max, choices, doc, internal} */
static int l_options(lua_State *L) { return push_table(L, light_option_table_json()); }
/* error_kinds() → { {name, parent, status, doc}, ... } in kind order */
static int l_error_kinds(lua_State *L) { return push_table(L, light_error_kind_table_json()); }

/* error(kind, message[, param]) → an err table like the ones calls return
 * (for errors the Lua layer detects itself, e.g. argument types). */
static int l_error(lua_State *L) {
  const char *kind = luaL_checkstring(L, 1);
  const char *msg = luaL_optstring(L, 2, NULL);
  lua_createtable(L, 0, 6);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  if (msg) {
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "message");
  }
  lua_pushinteger(L, 0); /* status stays nil: no response */
  lua_setfield(L, -2, "retries");
  if (lua_type(L, 3) == LUA_TSTRING) {
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "param");
  }
  luaL_getmetatable(L, LIGHT_LUA_ERROR_MT);
  lua_setmetatable(L, -2);
  return 1;
}

/* array([t]) → t (or a new table) marked to encode as a JSON array */
static int l_array(lua_State *L) {
  if (lua_isnoneornil(L, 1))
    lua_newtable(L);
  else
    luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  luaL_getmetatable(L, LIGHT_LUA_ARRAY_MT);
  lua_setmetatable(L, 1);
  return 1;
}

static int l_is_array(lua_State *L) {
  int r = 0;
  if (lua_istable(L, 1) && lua_getmetatable(L, 1)) {
    luaL_getmetatable(L, LIGHT_LUA_ARRAY_MT);
    r = lua_rawequal(L, -1, -2);
  }
  lua_pushboolean(L, r);
  return 1;
}

/* json_encode(value) → compact JSON text | nil, err (for callers' own
 * output, e.g. an nginx handler answering in JSON). */
static int l_json_encode(lua_State *L) {
  lua_settop(L, 1);
  if (lua_isnil(L, 1)) {
    lua_pushliteral(L, "null");
    return 1;
  }
  light_args *a = NULL;
  int n = 0;
  light_args_new_raw(&a, "POST", 4, "/", 1, 0);
  if (a && light_args_key(a, "body", 4) == LIGHT_OK) light_lua__args_value(L, 1, a);
  if (!(a = light_lua__args_finish(L, a, &n))) return n;
  size_t len = 0;
  const char *text = light_args_body(a, &len);
  if (text)
    lua_pushlstring(L, text, len);
  else
    lua_pushliteral(L, "null");
  light_args_free(a);
  return 1;
}

/* json_decode(text) → value | nil, err */
static int l_json_decode(lua_State *L) {
  size_t len;
  if (lua_type(L, 1) != LUA_TSTRING)
    return light_lua__push_new_error(L, LIGHT_E_INVALID_ARGUMENT, "text", "json_decode expects a string");
  const char *s = lua_tolstring(L, 1, &len);
  return light_lua__push_decoded(L, s, len, "JSON text");
}

#define LIGHT_LUA_EXPORT __attribute__((visibility("default")))
LIGHT_LUA_EXPORT int luaopen_light_core(lua_State *L);

LIGHT_LUA_EXPORT int luaopen_light_core(lua_State *L) {
  static const luaL_Reg fns[] = {
      {"operations", l_operations},
      {"error", l_error},
      {"array", l_array},
      {"is_array", l_is_array},
      {"json_encode", l_json_encode},
      {"json_decode", l_json_decode},
      {"options", l_options},
      {"error_kinds", l_error_kinds},
      {NULL, NULL},
  };
  light_lua__init_errors(L);
  light_lua_newlib(L, fns);
  light_lua__open_webhook(L);
  light_lua__open_http(L);
  light_lua__open_client(L);
  lua_setfield(L, -2, "client_new");
  light_lua__push_null(L);
  lua_setfield(L, -2, "null");
  luaL_getmetatable(L, LIGHT_LUA_ERROR_MT);
  lua_setfield(L, -2, "error_mt");
  luaL_newmetatable(L, LIGHT_LUA_ARRAY_MT); /* the converters' mark of a list (light.array) */
  lua_pushliteral(L, "array");
  lua_setfield(L, -2, "__name");
  lua_setfield(L, -2, "array_mt");
  lua_pushstring(L, light_version());
  lua_setfield(L, -2, "version");
  lua_pushliteral(L, "light.core");
  lua_setfield(L, -2, "_NAME");
  lua_pushstring(L, light_version());
  lua_setfield(L, -2, "_VERSION");
#ifdef LUAJIT_VERSION
  lua_pushliteral(L, LUAJIT_VERSION);
#else
  lua_pushliteral(L, LUA_VERSION);
#endif
  lua_setfield(L, -2, "runtime");
  return 1;
}
