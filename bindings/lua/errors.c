/* light_error → the Lua err table: {kind, status, message, request_id,
 * body, headers, retries, retry_after, reason, param, code} with a
 * light.Error metatable (__tostring, and err:is(kind) for the class tree of
 * DESIGN.md). Error text never contains a token, secret or SSN: the core
 * guarantees it for message; body is the server's raw answer. */
#include <ctype.h>
#include <string.h>

#include "lua_light.h"

/* The class tree is the core's (light_error_kind_parent): no list here. */
static const char *parent_of(const char *kind) {
  light_error_kind k = light_error_kind_find(kind);
  light_error_kind p = k == LIGHT_ERR_NONE ? LIGHT_ERR_NONE : light_error_kind_parent(k);
  return p == LIGHT_ERR_NONE ? NULL : light_error_kind_name(p);
}

int light_lua__error_kinds(lua_State *L) {
  cJSON *j = light_error_kind_table_json();
  if (!j) return luaL_error(L, "light: out of memory");
  light_lua__push_json(L, j);
  cJSON_Delete(j);
  return 1;
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

/* {lower-cased name = value}; repeated names joined with ", ". The core
 * parses the block (light_header_next). */
void light_lua__push_headers(lua_State *L, const char *block, size_t len) {
  lua_newtable(L);
  size_t pos = 0, nl, vl;
  const char *name, *v;
  while (light_header_next(block, len, &pos, &name, &nl, &v, &vl)) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < nl; i++) luaL_addchar(&b, (char)tolower((unsigned char)name[i]));
    luaL_pushresult(&b);
    lua_pushvalue(L, -1);
    lua_rawget(L, -3);
    if (lua_isstring(L, -1)) {
      lua_pushliteral(L, ", ");
      lua_pushlstring(L, v, vl);
      lua_concat(L, 3);
    } else {
      lua_pop(L, 1);
      lua_pushlstring(L, v, vl);
    }
    lua_rawset(L, -3);
  }
}

static void set_str(lua_State *L, const char *k, const char *v) {
  if (!v) return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

int light_lua__push_error(lua_State *L, const light_error *e) {
  lua_pushnil(L);
  lua_createtable(L, 0, 12);
  light_error_kind kind = e->kind;
  if (kind == LIGHT_ERR_NONE) kind = e->code == LIGHT_E_INVALID_ARGUMENT ? LIGHT_ERR_INVALID_ARGUMENT : LIGHT_ERR_LIGHT;
  set_str(L, "kind", light_error_kind_name(kind));
  set_str(L, "message", e->message ? e->message : light_strerror(e->code));
  set_str(L, "code", light_strerror(e->code));
  if (e->http_status > 0) { /* nil when there was no response, as None/null elsewhere */
    lua_pushinteger(L, e->http_status);
    lua_setfield(L, -2, "status");
  }
  lua_pushinteger(L, e->retries);
  lua_setfield(L, -2, "retries");
  set_str(L, "request_id", e->request_id);
  if (e->body) {
    lua_pushlstring(L, e->body, e->body_len);
    lua_setfield(L, -2, "body");
  }
  if (e->headers) {
    light_lua__push_headers(L, e->headers, e->headers_len);
    lua_setfield(L, -2, "headers");
  }
  if (e->retry_after >= 0) {
    lua_pushnumber(L, e->retry_after);
    lua_setfield(L, -2, "retry_after");
  }
  if (e->code == LIGHT_E_SIGNATURE) set_str(L, "reason", light_signature_reason_name(e->signature_reason));
  set_str(L, "param", e->param);
  luaL_getmetatable(L, LIGHT_LUA_ERROR_MT);
  lua_setmetatable(L, -2);
  return 2;
}

int light_lua__push_invalid(lua_State *L, const char *param, const char *message) {
  light_error e = LIGHT_ERROR_INIT;
  e.code = LIGHT_E_INVALID_ARGUMENT;
  e.kind = LIGHT_ERR_INVALID_ARGUMENT;
  e.param = param;
  e.message = (char *)message; /* borrowed: not cleared below */
  return light_lua__push_error(L, &e);
}
