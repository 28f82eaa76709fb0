/* Lua values → cJSON trees (the request direction; JSON text becomes Lua
 * values in decode.c, straight from the core's parser). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua_light.h"

#define MAX_DEPTH 128       /* Lua → JSON: deeper is refused (also catches cycles) */

void light_lua__push_null(lua_State *L) { lua_pushlightuserdata(L, NULL); }

void light_lua__init_convert(lua_State *L) {
  if (luaL_newmetatable(L, LIGHT_LUA_ARRAY_MT)) {
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
}

/* ---- Lua → cJSON --------------------------------------------------------- */

static cJSON *fail(light_error *err, const char *what, const char *why) {
  light_error_clear(err);
  err->code = LIGHT_E_INVALID_ARGUMENT;
  err->kind = LIGHT_ERR_INVALID_ARGUMENT;
  err->param = NULL;
  char buf[256];
  snprintf(buf, sizeof buf, "%s: %s", what ? what : "value", why);
  err->message = strdup(buf);
  return NULL;
}

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
      if (k >= 1 && k == floor(k) && (size_t)k <= n) count++;
      else other_keys++;
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

static cJSON *to_json(lua_State *L, int idx, const char *what, light_error *err, int depth) {
  if (depth > MAX_DEPTH) return fail(err, what, "nested too deeply (or a cycle)");
  idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
  switch (lua_type(L, idx)) {
  case LUA_TNIL:
    return cJSON_CreateNull();
  case LUA_TBOOLEAN:
    return cJSON_CreateBool(lua_toboolean(L, idx));
  case LUA_TNUMBER: {
    double d = (double)lua_tonumber(L, idx);
#if LIGHT_LUA_HAS_INTEGERS
    if (light_lua_isinteger(L, idx)) d = (double)lua_tointeger(L, idx);
#endif
    if (!isfinite(d)) return fail(err, what, "NaN and infinity are not JSON");
    return cJSON_CreateNumber(d);
  }
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    if (strlen(s) != len) return fail(err, what, "string contains a NUL byte");
    return cJSON_CreateString(s);
  }
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, idx) == NULL) return cJSON_CreateNull();
    return fail(err, what, "light userdata other than light.null is not JSON");
  case LUA_TTABLE: {
    luaL_checkstack(L, 6, "light: table nested too deeply");
    size_t n;
    int kind = table_kind(L, idx, &n);
    if (kind < 0) return fail(err, what, "table mixes array and object keys (or has non-string keys)");
    cJSON *out = kind ? cJSON_CreateArray() : cJSON_CreateObject();
    if (!out) return fail(err, what, "out of memory");
    if (kind) {
      for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, (int)i);
        cJSON *c = to_json(L, -1, what, err, depth + 1);
        lua_pop(L, 1);
        if (!c) {
          cJSON_Delete(out);
          return NULL;
        }
        cJSON_AddItemToArray(out, c);
      }
    } else {
      lua_pushnil(L);
      while (lua_next(L, idx)) {
        cJSON *c = to_json(L, -1, what, err, depth + 1);
        if (!c) {
          lua_pop(L, 2);
          cJSON_Delete(out);
          return NULL;
        }
        size_t klen;
        const char *k = lua_tolstring(L, -2, &klen);
        if (strlen(k) != klen) {
          cJSON_Delete(c);
          lua_pop(L, 2);
          cJSON_Delete(out);
          return fail(err, what, "key contains a NUL byte");
        }
        cJSON_AddItemToObject(out, k, c);
        lua_pop(L, 1);
      }
    }
    return out;
  }
  default: {
    char why[64];
    snprintf(why, sizeof why, "cannot encode a %s as JSON", lua_typename(L, lua_type(L, idx)));
    return fail(err, what, why);
  }
  }
}

cJSON *light_lua__to_json(lua_State *L, int idx, const char *what, light_error *err) {
  return to_json(L, idx, what, err, 0);
}
