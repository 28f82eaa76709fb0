/* JSON text → Lua values, built on the Lua stack straight from the core's
 * parser (light/json.h builder callbacks): no cJSON tree. The same for Lua
 * 5.4 and LuaJIT.
 *
 * Objects become tables, arrays tables with the light.array metatable (so
 * they encode back as arrays, empty ones included), null light.null, strings
 * Lua strings with every byte ("\u0000" kept). Integer literals become
 * integers on Lua >= 5.3 (the parser refuses any beyond ±(2^53−1), so they
 * are exact on LuaJIT's doubles too), other numbers floats.
 *
 * Stack discipline: an open container is on top of the stack, with its key
 * below it when its parent is an object; a scalar is pushed (after its key)
 * and stored into the table right below at once; a closing container is
 * stored the same way. Stack growth is checked with lua_checkstack (no
 * longjmp out of the parser); Lua raises only on memory exhaustion. */
#include <math.h>

#include "lua_light.h"

typedef struct lb {
  lua_State *L;
} lb;

static int room(lua_State *L) { return lua_checkstack(L, 4) ? 0 : -1; }

static void push_key(lua_State *L, const light_json_slot *at) {
  if (at->parent_type == LIGHT_JSON_OBJECT) lua_pushlstring(L, at->key, at->key_len);
}

/* The value on top goes into the table below it (and its key). */
static void store(lua_State *L, const light_json_slot *at) {
  if (!at->parent) return; /* the root stays on the stack */
  if (at->parent_type == LIGHT_JSON_OBJECT)
    lua_rawset(L, -3);
  else
    lua_rawseti(L, -2, (int)at->index + 1);
}

static int on_scalar(void *ud, const light_json_slot *at, const light_json_scalar *v) {
  lua_State *L = ((lb *)ud)->L;
  if (room(L) != 0) return -1;
  push_key(L, at);
  switch (v->type) {
  case LIGHT_JSON_NULL: light_lua__push_null(L); break;
  case LIGHT_JSON_TRUE: lua_pushboolean(L, 1); break;
  case LIGHT_JSON_FALSE: lua_pushboolean(L, 0); break;
  case LIGHT_JSON_NUMBER:
#if LIGHT_LUA_HAS_INTEGERS
    if (v->is_integer)
      lua_pushinteger(L, (lua_Integer)v->i);
    else
#endif
      lua_pushnumber(L, (lua_Number)v->d);
    break;
  case LIGHT_JSON_STRING: lua_pushlstring(L, v->str, v->len); break;
  default: light_lua__push_null(L); break;
  }
  store(L, at);
  return 0;
}

static void *on_begin(void *ud, const light_json_slot *at, light_json_type type) {
  lua_State *L = ((lb *)ud)->L;
  if (room(L) != 0) return NULL;
  push_key(L, at);
  lua_createtable(L, 0, 0);
  return ud; /* the table is on top: no handle needed */
}

static int on_end(void *ud, const light_json_slot *at, void *container, light_json_type type, size_t count) {
  lua_State *L = ((lb *)ud)->L;
  if (type == LIGHT_JSON_ARRAY) {
    luaL_getmetatable(L, LIGHT_LUA_ARRAY_MT);
    lua_setmetatable(L, -2);
  }
  store(L, at);
  return 0;
}

static const light_json_builder builder = {on_scalar, on_begin, on_end};

int light_lua__decode(lua_State *L, const char *text, size_t len, light_json_member *summary, size_t n_summary,
                      light_json_result *res) {
  int top = lua_gettop(L);
  lb b = {L};
  light_json_options opt = {0, 0, summary, n_summary};
  light_json_errc e = light_json_parse(text, len, &builder, &b, &opt, res);
  if (e == LIGHT_JSON_OK) return 0;
  lua_settop(L, top);
  return e == LIGHT_JSON_E_BUILDER ? -1 : 1;
}

int light_lua__push_decoded(lua_State *L, const char *text, size_t len, const char *what) {
  light_json_result res;
  int rc = light_lua__decode(L, text, len, NULL, 0, &res);
  if (rc == 0) return 1;
  if (rc < 0) return light_lua__push_new_error(L, LIGHT_E_NOMEM, NULL, "light: JSON too large for the Lua stack");
  light_error err = LIGHT_ERROR_INIT;
  light_json_error(&err, &res, len, what);
  return light_lua__push_error(L, &err);
}

/* A tree the core built is walked, not printed and parsed again: a header
 * value in error details need not be UTF-8. Integral numbers are integers
 * on Lua >= 5.3, as the decoder makes integer literals. */
void light_lua__push_json(lua_State *L, const cJSON *j) {
  luaL_checkstack(L, 3, "light: JSON nested too deeply");
  if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
    lua_createtable(L, 0, 0);
    int i = 0;
    for (const cJSON *c = j->child; c; c = c->next) {
      if (cJSON_IsObject(j)) lua_pushstring(L, c->string);
      light_lua__push_json(L, c);
      if (cJSON_IsObject(j))
        lua_rawset(L, -3);
      else
        lua_rawseti(L, -2, ++i);
    }
    if (cJSON_IsArray(j)) {
      luaL_getmetatable(L, LIGHT_LUA_ARRAY_MT);
      lua_setmetatable(L, -2);
    }
  } else if (cJSON_IsString(j)) {
    lua_pushstring(L, j->valuestring);
  } else if (cJSON_IsBool(j)) {
    lua_pushboolean(L, cJSON_IsTrue(j));
#if LIGHT_LUA_HAS_INTEGERS
  } else if (cJSON_IsNumber(j) && j->valuedouble == floor(j->valuedouble) &&
             fabs(j->valuedouble) < 9007199254740992.0) {
    lua_pushinteger(L, (lua_Integer)j->valuedouble);
#endif
  } else if (cJSON_IsNumber(j)) {
    lua_pushnumber(L, (lua_Number)j->valuedouble);
  } else {
    light_lua__push_null(L);
  }
}
