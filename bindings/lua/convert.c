/* Lua values → cJSON trees (the request direction; JSON text becomes Lua
 * values in decode.c, straight from the core's parser). */
#include <math.h>
#include <stdio.h>

#include "lua_light.h"

#define MAX_DEPTH 128 /* Lua → JSON: deeper is refused (also catches cycles) */

void light_lua__push_null(lua_State *L) { lua_pushlightuserdata(L, NULL); }

/* ---- Lua → light_args (request direction) --------------------------------
 *
 * Streams a Lua value into the core's argument builder (light/args.h):
 * strings cross with their length (NUL kept for the core to refuse or
 * escape); integers of Lua 5.4 cross exactly (the core refuses beyond +-2^53
 * in a body); LuaJIT's numbers are doubles (LIGHT_ARGS_NUMBERS_ARE_DOUBLES).
 * Tables are read with raw access only (lua_next, lua_rawgeti), so no Lua
 * code runs during the walk and no borrowed string can be freed under it;
 * each key is copied by the core before its value is read. */

/* Classify a table: 1 = array (keys exactly 1..n, or the array metatable),
 * 0 = object (string keys only), -1 = mixed / unsupported keys. */
static int table_kind(lua_State *L, int idx, size_t *n_out) {
  int is_array_mt = 0;
  if (lua_getmetatable(L, idx)) {
    luaL_getmetatable(L, LIGHT_LUA_ARRAY_MT);
    is_array_mt = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
  }
  size_t n = light_lua_rawlen(L, idx), count = 0;
  int string_keys = 0, other_keys = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      string_keys++;
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
      lua_Number k = lua_tonumber(L, -1);
      if (k >= 1 && k == floor(k) && (size_t)k <= n)
        count++;
      else
        other_keys++;
    } else {
      other_keys++;
    }
  }
  *n_out = n;
  if (other_keys) return -1;
  if (string_keys && (count || is_array_mt)) return -1;
  if (string_keys) return 0;
  if (count != n) return -1;
  if (n > 0 || is_array_mt) return 1;
  return 0; /* {} is an object: bodies and queries are objects */
}

static light_status put_number(lua_State *L, int idx, light_args *a) {
#if LIGHT_LUA_HAS_INTEGERS
  if (lua_isinteger(L, idx)) return light_args_int(a, (int64_t)lua_tointeger(L, idx));
#endif
  double d = (double)lua_tonumber(L, idx);
  if (d == floor(d) && fabs(d) <= 9007199254740992.0) return light_args_int(a, (int64_t)d);
  return light_args_double(a, d); /* NaN, Infinity, fractions: the core decides */
}

static light_status put_members(lua_State *L, int idx, light_args *a, int depth);

static light_status put_value(lua_State *L, int idx, light_args *a, int depth) {
  if (depth > LIGHT_ARGS_MAX_DEPTH + 2)
    return light_args_fail(a, "body", "arguments nested deeper than 64 levels (or a cycle)");
  idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
  switch (lua_type(L, idx)) {
  case LUA_TNIL: return light_args_null(a);
  case LUA_TBOOLEAN: return light_args_bool(a, lua_toboolean(L, idx));
  case LUA_TNUMBER: return put_number(L, idx, a);
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len); /* a string value: no conversion, no allocation */
    return light_args_string(a, s, len);
  }
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, idx) == NULL) return light_args_null(a);
    return light_args_fail(a, "body", "light userdata other than light.null is not JSON");
  case LUA_TTABLE: {
    luaL_checkstack(L, 6, "light: table nested too deeply");
    size_t n;
    int kind = table_kind(L, idx, &n);
    if (kind < 0) return light_args_fail(a, "body", "table mixes array and object keys (or has non-string keys)");
    if (kind == 0) {
      light_status st = light_args_begin_object(a);
      if (st == LIGHT_OK) st = put_members(L, idx, a, depth);
      return st == LIGHT_OK ? light_args_end(a) : st;
    }
    light_status st = light_args_begin_array(a, n); /* the core refuses a huge n before the walk */
    for (size_t i = 1; st == LIGHT_OK && i <= n; i++) {
      lua_rawgeti(L, idx, (int)i);
      st = put_value(L, -1, a, depth + 1);
      lua_pop(L, 1);
    }
    return st == LIGHT_OK ? light_args_end(a) : st;
  }
  default: {
    char why[64];
    snprintf(why, sizeof why, "cannot encode a %s as JSON", lua_typename(L, lua_type(L, idx)));
    return light_args_fail(a, "body", why);
  }
  }
}

/* The string-keyed members of the table at @p idx as key/value pairs. */
static light_status put_members(lua_State *L, int idx, light_args *a, int depth) {
  light_status st = LIGHT_OK;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 2);
      return light_args_fail(a, "body", "table keys must be strings");
    }
    size_t klen;
    const char *k = lua_tolstring(L, -2, &klen);
    st = light_args_key(a, k, klen); /* copied by the core now */
    if (st == LIGHT_OK) st = put_value(L, -1, a, depth + 1);
    lua_pop(L, 1);
    if (st != LIGHT_OK) {
      lua_pop(L, 1);
      return st;
    }
  }
  return st;
}

light_status light_lua__args_value(lua_State *L, int idx, light_args *a) { return put_value(L, idx, a, 0); }

light_status light_lua__args_members(lua_State *L, int idx, light_args *a, const char *what) {
  idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
  char msg[96];
  if (!lua_istable(L, idx)) {
    snprintf(msg, sizeof msg, "%s must be a table, got %s", what, lua_typename(L, lua_type(L, idx)));
    return light_args_fail(a, what, msg);
  }
  size_t n;
  if (table_kind(L, idx, &n) != 0) {
    snprintf(msg, sizeof msg, "%s must be a table with string keys", what);
    return light_args_fail(a, what, msg);
  }
  return put_members(L, idx, a, 0);
}

light_args *light_lua__args_finish(lua_State *L, light_args *a, int *nret) {
  if (!a) luaL_error(L, "light: out of memory");
  if (light_args_finish(a) == LIGHT_OK) return a;
  light_error err = LIGHT_ERROR_INIT;
  light_args_error(a, &err);
  light_args_free(a);
  *nret = light_lua__push_error(L, &err);
  return NULL;
}
