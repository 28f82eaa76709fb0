/* light.Client userdata: one light_client (app or account scope) and the
 * blocking calls of the core (light_call, light_request). In nginx the Lua
 * layer drives the same calls through exchange.c instead. */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lua_light.h"

/* ---- interruptible blocking calls (SIGINT) --------------------------------
 * lua.c and luajit.c turn SIGINT into a Lua error through a debug hook,
 * which never runs while a C function is blocked in the core. So during a
 * blocking call this module installs its own SIGINT handler that only sets
 * a flag; the core's abort check (light_client_options.abort_check, run at
 * least every 50 ms) reads it and the call ends; the binding then raises
 * the Lua error "interrupted". The previous handler is restored when the
 * call returns. Not done inside nginx (it owns its workers' signals) nor
 * when SIGINT is ignored. One armed call at a time per process (nested or
 * concurrent calls from other OS threads run unarmed). */
static volatile sig_atomic_t sigint_seen;
static volatile sig_atomic_t sigint_armed;
static struct sigaction sigint_prev;

static void on_sigint(int sig) {
  (void)sig;
  sigint_seen = 1;
}

static int abort_check(void *ud) {
  (void)ud;
  return sigint_armed && sigint_seen;
}

/* Returns 1 when this call armed the handler (it must disarm). */
static int interrupt_arm(lua_State *L) {
  if (sigint_armed) return 0;
  lua_getglobal(L, "ngx");
  int in_nginx = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (in_nginx) return 0;
  struct sigaction sa, prev;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, NULL, &prev) != 0 || prev.sa_handler == SIG_IGN) return 0;
  sigint_seen = 0;
  if (sigaction(SIGINT, &sa, &sigint_prev) != 0) return 0;
  sigint_armed = 1;
  return 1;
}

/* The Lua error of an interrupted call: the bare message, like lua.c's. */
static int raise_interrupted(lua_State *L) {
  lua_pushliteral(L, "interrupted");
  return lua_error(L);
}

/* Disarm; returns 1 when SIGINT arrived during the call. */
static int interrupt_disarm(int armed) {
  if (!armed) return 0;
  sigaction(SIGINT, &sigint_prev, NULL);
  sigint_armed = 0;
  int seen = sigint_seen != 0;
  sigint_seen = 0;
  return seen;
}

/* ---- helpers ------------------------------------------------------------- */

light_lua_client *light_lua__check_client(lua_State *L, int idx) {
  light_lua_client *c = luaL_checkudata(L, idx, LIGHT_LUA_CLIENT_MT);
  if (!c->client || c->closing) {
    light_lua__push_new_error(L, LIGHT_E_STATE, NULL, "client is closed");
    return NULL;
  }
  return c;
}

static light_lua_client *push_client(lua_State *L) {
  light_lua_client *c = light_lua_newuserdata(L, sizeof *c);
  c->client = NULL;
  c->closing = 0;
  c->exchanges = 0;
  luaL_getmetatable(L, LIGHT_LUA_CLIENT_MT);
  lua_setmetatable(L, -2);
  return c;
}

/* "lua/5.4" or "luajit/2.1.0-beta3" (LUAJIT_VERSION is "LuaJIT 2.1.0-beta3"). */
static const char *runtime_name(char *buf, size_t n) {
#ifdef LUAJIT_VERSION
  static const char v[] = LUAJIT_VERSION;
  snprintf(buf, n, "luajit/%s", strncmp(v, "LuaJIT ", 7) == 0 ? v + 7 : v);
#else
  snprintf(buf, n, "lua/%d.%d", LUA_VERSION_NUM / 100, LUA_VERSION_NUM % 100);
#endif
  return buf;
}

/* core.client_new({ app_token=, account_token=, base_url=, timeout=, ... }[, host]):
 * every key must be an option of the core's table (snake_case, seconds),
 * checked by the core (record arguments, light/args.h); the Lua layer
 * (lua/light/init.lua) removes its own transport keys first and names its
 * host for the User-Agent, e.g. "nginx/1.22.1". */
static int l_client_new(lua_State *L) {
  lua_settop(L, 2);
  light_lua_client *c = push_client(L); /* userdata before the resource */
  light_args *a = NULL;
  int n = 0;
  light_args_new_record(&a, LIGHT_ARGS_CLIENT_OPTIONS, LIGHT_LUA_ARGS_FLAGS);
  if (a && !lua_isnil(L, 1)) light_lua__args_members(L, 1, a, "options");
  if (!(a = light_lua__args_finish(L, a, &n))) return n;
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  light_args_client_options(a, &o); /* strings borrowed from a until light_client_new returns */
  o.abort_check = abort_check;
  char ua[128];
  runtime_name(ua, sizeof ua);
  if (lua_type(L, 2) == LUA_TSTRING) {
    size_t used = strlen(ua);
    snprintf(ua + used, sizeof ua - used, " %s", lua_tostring(L, 2));
  }
  o.user_agent_runtime = ua;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_client_new(&c->client, &o, &err);
  light_args_free(a);
  return st == LIGHT_OK ? 1 : light_lua__push_error(L, &err);
}

static int l_for_account(lua_State *L) {
  light_lua_client *c = light_lua__check_client(L, 1);
  if (!c) return 2;
  size_t ulen = 0;
  const char *uuid = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &ulen) : NULL;
  if (!uuid)
    return light_lua__push_new_error(L, LIGHT_E_INVALID_ARGUMENT, "account_uuid", "account_uuid must be a string");
  light_lua_client *child = push_client(L);
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_client_for_account_n(&child->client, c->client, uuid, ulen, &err); /* NUL refused there */
  return st == LIGHT_OK ? 1 : light_lua__push_error(L, &err);
}

/* ---- per-call arguments -------------------------------------------------- */

light_args *light_lua__build_args(lua_State *L, int raw, int *nret) {
  light_args *a = NULL;
  unsigned flags = LIGHT_LUA_ARGS_FLAGS | LIGHT_ARGS_SEPARATE_OPTIONS;
  if (raw) lua_settop(L, 4);
  int top = lua_gettop(L);
  light_status st;
  if (!raw) {
    if (lua_type(L, 2) != LUA_TSTRING) {
      *nret = light_lua__push_new_error(L, LIGHT_E_INVALID_ARGUMENT, "op", "operation id must be a string");
      return NULL;
    }
    st = light_args_new(&a, lua_tostring(L, 2), flags);
  } else {
    size_t ml = 0, pl = 0;
    const char *m = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &ml) : NULL;
    const char *p = lua_type(L, 3) == LUA_TSTRING ? lua_tolstring(L, 3, &pl) : NULL;
    st = light_args_new_raw(&a, m ? m : "", ml, p ? p : "", pl, flags);
    if (a && st == LIGHT_OK && (!m || !p))
      light_args_fail(a, m ? "path" : "method", m ? "path must be a string" : "method must be a string");
  }
  if (st == LIGHT_OK && !raw) {
    const light_operation *op = light_operation_find(lua_tostring(L, 2));
    int npp = 0, first = 3;
    while (op->path_params[npp]) npp++;
    int nargs = top - first + 1;
    for (int i = 0; i < npp && i < nargs && st == LIGHT_OK; i++) st = light_lua__args_value(L, first + i, a);
    if (st == LIGHT_OK) st = light_args_section(a, LIGHT_ARGS_PARAMS);
    if (st == LIGHT_OK && nargs > npp + 2) {
      char m[160];
      snprintf(m, sizeof m, "%s: too many arguments (path parameters %d, then params, opts)", op->name, npp);
      st = light_args_fail(a, "params", m);
    }
    if (st == LIGHT_OK && nargs > npp && !lua_isnil(L, first + npp))
      st = light_lua__args_members(L, first + npp, a, "params");
    if (st == LIGHT_OK && nargs > npp + 1 && !lua_isnil(L, first + npp + 1)) {
      st = light_args_section(a, LIGHT_ARGS_OPTIONS);
      if (st == LIGHT_OK) st = light_lua__args_members(L, first + npp + 1, a, "opts");
    }
  } else if (st == LIGHT_OK && !lua_isnil(L, 4)) {
    st = light_lua__args_members(L, 4, a, "opts");
  }
  return light_lua__args_finish(L, a, nret);
}

/* {lower-cased name = value}; repeated names joined with ", ". The core
 * parses the block (light_header_next). */
static void push_headers(lua_State *L, const char *block, size_t len) {
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

int light_lua__push_response(lua_State *L, light_response *resp, const light_operation *op, const cJSON *query) {
  cJSON *next = NULL;
  int more = 0;
  if (op && op->paginated) {
    light_error e = LIGHT_ERROR_INIT;
    more = light_page_next_query(&next, resp, query, &e);
    if (more < 0) {
      light_response_free(resp);
      return light_lua__push_error(L, &e);
    }
  }
  size_t blen = 0;
  const char *body = light_response_body(resp, &blen);
  if (!blen) {
    lua_newtable(L);
  } else if (light_lua__push_decoded(L, body, blen, "response body") != 1) { /* the exchange validated it */
    light_response_free(resp);
    cJSON_Delete(next);
    return 2;
  }
  lua_pushnil(L);
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, light_response_status(resp));
  lua_setfield(L, -2, "status");
  lua_pushinteger(L, light_response_retries(resp));
  lua_setfield(L, -2, "retries");
  const char *rid = light_response_request_id(resp);
  if (rid) {
    lua_pushstring(L, rid);
    lua_setfield(L, -2, "request_id");
  }
  size_t hl = 0;
  const char *h = light_response_headers(resp, &hl);
  push_headers(L, h, hl);
  lua_setfield(L, -2, "headers");
  if (more == 1 && next) {
    light_lua__push_json(L, next);
    lua_setfield(L, -2, "next_query");
  }
  cJSON_Delete(next);
  light_response_free(resp);
  return 3;
}

/* ---- blocking calls ------------------------------------------------------ */

/* c:call(op_id, path values..., params, opts) and (@p raw) c:request(method,
 * path, opts) with opts = {query, body, headers, timeout, max_retries} */
static int blocking_call(lua_State *L, int raw) {
  light_lua_client *c = light_lua__check_client(L, 1);
  if (!c) return 2;
  int n = 0;
  light_args *a = light_lua__build_args(L, raw, &n);
  if (!a) return n;
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  int armed = interrupt_arm(L);
  light_status st = light_call_args(&resp, c->client, a, &err);
  if (interrupt_disarm(armed)) {
    light_response_free(resp);
    light_error_clear(&err);
    light_args_free(a);
    return raise_interrupted(L);
  }
  const light_operation *op = raw ? NULL : light_operation_find(lua_tostring(L, 2));
  n = st == LIGHT_OK ? light_lua__push_response(L, resp, op, light_args_query(a)) : light_lua__push_error(L, &err);
  light_args_free(a);
  return n;
}

static int l_call(lua_State *L) { return blocking_call(L, 0); }
static int l_request(lua_State *L) { return blocking_call(L, 1); }

static int l_can(lua_State *L) {
  light_lua_client *c = luaL_checkudata(L, 1, LIGHT_LUA_CLIENT_MT);
  const char *k = luaL_checkstring(L, 2);
  light_auth_kind a = strcmp(k, "app") == 0       ? LIGHT_AUTH_APP
                      : strcmp(k, "account") == 0 ? LIGHT_AUTH_ACCOUNT
                                                  : LIGHT_AUTH_NONE;
  if (a == LIGHT_AUTH_NONE) return luaL_argerror(L, 2, "expected 'app' or 'account'");
  lua_pushboolean(L, c->client && light_client_can(c->client, a));
  return 1;
}

static int l_base_url(lua_State *L) {
  light_lua_client *c = luaL_checkudata(L, 1, LIGHT_LUA_CLIENT_MT);
  if (c->client)
    lua_pushstring(L, light_client_base_url(c->client));
  else
    lua_pushnil(L);
  return 1;
}

static int l_account_uuid(lua_State *L) {
  light_lua_client *c = luaL_checkudata(L, 1, LIGHT_LUA_CLIENT_MT);
  const char *u = c->client ? light_client_account_uuid(c->client) : NULL;
  if (u)
    lua_pushstring(L, u);
  else
    lua_pushnil(L);
  return 1;
}

/* close(), __gc and __close: freeing twice is safe. Exchanges keep their
 * client userdata alive, so no exchange outlives the light_client. */
static int l_close(lua_State *L) {
  light_lua_client *c = luaL_checkudata(L, 1, LIGHT_LUA_CLIENT_MT);
  if (c->exchanges > 0) {
    c->closing = 1; /* the last exchange frees it (light_lua__client_release) */
    return 0;
  }
  light_client_free(c->client);
  c->client = NULL;
  return 0;
}

void light_lua__client_release(light_lua_client *c) {
  if (--c->exchanges == 0 && c->closing) {
    light_client_free(c->client);
    c->client = NULL;
    c->closing = 0;
  }
}

static int l_tostring(lua_State *L) {
  light_lua_client *c = luaL_checkudata(L, 1, LIGHT_LUA_CLIENT_MT);
  if (!c->client || c->closing)
    lua_pushliteral(L, "light.Client(closed)");
  else
    lua_pushfstring(L, "light.Client(%s, %s)", light_client_base_url(c->client),
                    light_client_can(c->client, LIGHT_AUTH_APP) ? "app" : "account");
  return 1;
}

int light_lua__open_client(lua_State *L) {
  static const luaL_Reg methods[] = {
      {"call", l_call},
      {"request", l_request},
      {"for_account", l_for_account},
      {"can", l_can},
      {"base_url", l_base_url},
      {"account_uuid", l_account_uuid},
      {"close", l_close},
      {NULL, NULL},
  };
  if (luaL_newmetatable(L, LIGHT_LUA_CLIENT_MT)) {
    light_lua_newlib(L, methods);
    light_lua__open_exchange(L);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, l_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "light.Client");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
  lua_pushcfunction(L, l_client_new);
  return 1;
}
