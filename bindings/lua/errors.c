/* light_error → the Lua err table: {kind, status, message, request_id,
 * body, headers, retries, retry_after, reason, param, code} with a
 * light.Error metatable (__tostring, and err:is(kind) for the class tree of
 * DESIGN.md). Error text never contains a token, secret or SSN: the core
 * guarantees it for message; body is the server's raw answer. */
#include <string.h>

#include "lua_light.h"

/* The class tree is the core's (light_error_kind_parent): no list here. */
static const char *parent_of(const char *kind) {
  light_error_kind k = light_error_kind_find(kind);
  light_error_kind p = k == LIGHT_ERR_NONE ? LIGHT_ERR_NONE : light_error_kind_parent(k);
  return p == LIGHT_ERR_NONE ? NULL : light_error_kind_name(p);
}

/* err:is(kind) → true when err's kind is kind or a subclass of it. */
static int err_is(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const char *want = luaL_checkstring(L, 2);
  lua_getfield(L, 1, "kind");
  const char *k = lua_tostring(L, -1);
  while (k) {
    if (strcmp(k, want) == 0) {
      lua_pushboolean(L, 1);
      return 1;
    }
    k = parent_of(k);
  }
  lua_pushboolean(L, 0);
  return 1;
}

static int err_tostring(lua_State *L) {
  int base = lua_gettop(L);
  lua_getfield(L, 1, "kind");
  if (!lua_isstring(L, -1)) {
    lua_pop(L, 1);
    lua_pushliteral(L, "LightError");
  }
  lua_getfield(L, 1, "message");
  if (lua_isstring(L, -1)) {
    lua_pushliteral(L, ": ");
    lua_insert(L, -2);
  } else {
    lua_pop(L, 1);
  }
  lua_getfield(L, 1, "status");
  lua_Number status = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 0;
  lua_pop(L, 1);
  lua_getfield(L, 1, "request_id");
  const char *rid = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
  if (status != 0 && rid)
    lua_pushfstring(L, " (status %d, request_id %s)", (int)status, rid);
  else if (status != 0)
    lua_pushfstring(L, " (status %d)", (int)status);
  else if (rid)
    lua_pushfstring(L, " (request_id %s)", rid);
  else
    lua_pushliteral(L, "");
  lua_remove(L, -2);
  lua_concat(L, lua_gettop(L) - base);
  return 1;
}

void light_lua__init_errors(lua_State *L) {
  if (luaL_newmetatable(L, LIGHT_LUA_ERROR_MT)) {
    lua_pushcfunction(L, err_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, err_is);
    lua_setfield(L, -2, "is");
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "light.Error");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
}

/* The fields are the core's (light_error_details_json); the body stays the
 * server's raw bytes, code the status's name. */
int light_lua__push_error(lua_State *L, light_error *e) {
  cJSON *d = light_error_details_json(e, 0);
  if (!d) {
    light_error_clear(e);
    return luaL_error(L, "light: out of memory");
  }
  lua_pushnil(L);
  light_lua__push_json(L, d);
  cJSON_Delete(d);
  lua_pushstring(L, light_strerror(e->code));
  lua_setfield(L, -2, "code");
  if (e->body) {
    lua_pushlstring(L, e->body, e->body_len);
    lua_setfield(L, -2, "body");
  }
  luaL_getmetatable(L, LIGHT_LUA_ERROR_MT);
  lua_setmetatable(L, -2);
  light_error_clear(e);
  return 2;
}

int light_lua__push_new_error(lua_State *L, light_status code, const char *param, const char *message) {
  light_error e = LIGHT_ERROR_INIT;
  light_error_set(&e, code, code == LIGHT_E_INVALID_ARGUMENT ? LIGHT_ERR_INVALID_ARGUMENT : LIGHT_ERR_LIGHT, param,
                  message);
  return light_lua__push_error(L, &e);
}
