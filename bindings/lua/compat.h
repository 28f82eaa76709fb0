/* Small shims so one source set builds against the Lua 5.4 API and the
 * Lua 5.1 API of LuaJIT 2.1. Internal to bindings/lua. */
#ifndef LIGHT_LUA_COMPAT_H
#define LIGHT_LUA_COMPAT_H

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#if defined(LIGHT_LUA_JIT)
#include <luajit.h>
#elif LUA_VERSION_NUM < 502 && defined(__has_include)
#if __has_include(<luajit.h>)
#include <luajit.h> /* luarocks builds against LuaJIT's headers */
#endif
#endif

#if LUA_VERSION_NUM < 502
/* Lua 5.1 / LuaJIT */
#define light_lua_rawlen(L, i) lua_objlen((L), (i))
#define LIGHT_LUA_HAS_INTEGERS 0
static inline void light_lua_setfuncs(lua_State *L, const luaL_Reg *l, int nup) {
  luaL_checkstack(L, nup + 1, "too many upvalues");
  for (; l->name; l++) {
    for (int i = 0; i < nup; i++) lua_pushvalue(L, -nup);
    lua_pushcclosure(L, l->func, nup);
    lua_setfield(L, -(nup + 2), l->name);
  }
  lua_pop(L, nup);
}
static inline void *light_lua_newuserdata(lua_State *L, size_t size) { return lua_newuserdata(L, size); }
/* Userdata in 5.1 carry one environment table: keep the referenced value in it. */
static inline void light_lua_setref(lua_State *L, int ud, int val) {
  ud = ud < 0 ? lua_gettop(L) + ud + 1 : ud;
  val = val < 0 ? lua_gettop(L) + val + 1 : val;
  lua_createtable(L, 1, 0);
  lua_pushvalue(L, val);
  lua_rawseti(L, -2, 1);
  lua_setfenv(L, ud);
}
#define light_lua_newlib(L, l) \
  (lua_createtable((L), 0, sizeof(l) / sizeof((l)[0]) - 1), light_lua_setfuncs((L), (l), 0))
#else
/* Lua 5.2+ */
#define light_lua_rawlen(L, i) lua_rawlen((L), (i))
#define light_lua_setfuncs(L, l, n) luaL_setfuncs((L), (l), (n))
#define LIGHT_LUA_HAS_INTEGERS (LUA_VERSION_NUM >= 503)
static inline void *light_lua_newuserdata(lua_State *L, size_t size) {
#if LUA_VERSION_NUM >= 504
  return lua_newuserdatauv(L, size, 1);
#else
  return lua_newuserdata(L, size);
#endif
}
static inline void light_lua_setref(lua_State *L, int ud, int val) {
  ud = ud < 0 ? lua_gettop(L) + ud + 1 : ud;
  lua_pushvalue(L, val);
#if LUA_VERSION_NUM >= 504
  lua_setiuservalue(L, ud, 1);
#else
  lua_setuservalue(L, ud);
#endif
}
#define light_lua_newlib(L, l) luaL_newlib((L), (l))
#endif

#endif
