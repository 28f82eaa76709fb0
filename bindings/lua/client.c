/* light.Client userdata: one light_client (app or account scope) and the
 * blocking calls of the core (light_call, light_request). In nginx the Lua
 * layer drives the same calls through exchange.c instead. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
    light_error e = LIGHT_ERROR_INIT;
    e.code = LIGHT_E_STATE;
    e.kind = LIGHT_ERR_LIGHT;
    e.message = (char *)"client is closed";
    light_lua__push_error(L, &e);
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

/* One option of the table at index 1 (key at -2, value at -1): checked and
 * stored by the core's option table. Durations are seconds in Lua. Returns
 * 0, or 2 after pushing nil, err. */
static int set_option(lua_State *L, light_client_options *o) {
  light_error err = LIGHT_ERROR_INIT;
  size_t klen = 0;
  const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &klen) : NULL;
  const light_option *opt = key ? light_option_find(key, klen) : NULL;
  light_status st;
  if (!opt || strcmp(opt->name, key) != 0) { /* snake_case names only */
    if (key)
      st = light_option_unknown_error(key, klen, &err);
    else
      st = light_option_unknown_error("(not a string)", 14, &err);
  } else {
    int t = lua_type(L, -1);
    switch (opt->type) {
    case LIGHT_OPT_STRING:
    case LIGHT_OPT_ENUM: {
      size_t len = 0;
      const char *v = t == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL; /* the options table keeps it */
      st = v ? light_client_options_set_string(o, opt->name, v, len, &err)
             : light_option_type_error(opt, key, lua_typename(L, t), &err);
      break;
    }
    case LIGHT_OPT_INT:
    case LIGHT_OPT_DOUBLE:
      if (t != LUA_TNUMBER) st = light_option_type_error(opt, key, lua_typename(L, t), &err);
#if LUA_VERSION_NUM >= 503
      else if (lua_isinteger(L, -1) && !(opt->unit && strcmp(opt->unit, "ms") == 0))
        st = light_client_options_set_int(o, opt->name, (long long)lua_tointeger(L, -1), &err);
#endif
      else
        st = light_client_options_set_seconds(o, opt->name, (double)lua_tonumber(L, -1), &err);
      break;
    case LIGHT_OPT_BOOL:
      st = t == LUA_TBOOLEAN ? light_client_options_set_bool(o, opt->name, lua_toboolean(L, -1), &err)
                             : light_option_type_error(opt, key, lua_typename(L, t), &err);
      break;
    default: st = light_option_type_error(opt, key, lua_typename(L, t), &err); break;
    }
  }
  if (st == LIGHT_OK) return 0;
  lua_pop(L, 2); /* key, value */
  int n = light_lua__push_error(L, &err);
  light_error_clear(&err);
  return n;
}

int light_lua__options(lua_State *L) {
  cJSON *j = light_option_table_json();
  if (!j) return luaL_error(L, "light: out of memory");
  light_lua__push_json(L, j);
  cJSON_Delete(j);
  return 1;
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

/* core.client_new{ app_token=, account_token=, base_url=, timeout=, ... }:
 * every key must be an option of the core's table (snake_case); the Lua
 * layer (lua/light/init.lua) removes its own transport keys first. */
static int l_client_new(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  if (!lua_istable(L, 1)) return light_lua__push_invalid(L, "options", "light.new expects an options table");
  lua_settop(L, 1);
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.abort_check = abort_check;
  const char *runtime = NULL;
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    int n = set_option(L, &o);
    if (n) return n;
    lua_pop(L, 1);
  }
  runtime = o.user_agent_runtime; /* the Lua layer appends its host, e.g. "nginx/1.22.1" */
  char ua[128];
  runtime_name(ua, sizeof ua);
  if (runtime) {
    size_t used = strlen(ua);
    snprintf(ua + used, sizeof ua - used, " %s", runtime);
  }
  o.user_agent_runtime = ua;

  light_lua_client *c = push_client(L); /* userdata before the resource */
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_client_new(&c->client, &o, &err);
  if (st != LIGHT_OK) {
    int n = light_lua__push_error(L, &err);
    light_error_clear(&err);
    return n;
  }
  return 1;
}

static int l_for_account(lua_State *L) {
  light_lua_client *c = light_lua__check_client(L, 1);
  if (!c) return 2;
  if (lua_type(L, 2) != LUA_TSTRING) return light_lua__push_invalid(L, "account_uuid", "account_uuid must be a string");
  size_t ulen = 0;
  const char *uuid = lua_tolstring(L, 2, &ulen);
  if (memchr(uuid, '\0', ulen)) return light_lua__push_invalid(L, "account_uuid", "account_uuid contains a NUL byte");
  light_lua_client *child = push_client(L);
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_client_for_account(&child->client, c->client, uuid, &err);
  if (st != LIGHT_OK) {
    int n = light_lua__push_error(L, &err);
    light_error_clear(&err);
    return n;
  }
  return 1;
}

/* ---- per-call arguments -------------------------------------------------- */

#if LIGHT_LUA_HAS_INTEGERS
#define ARGS_FLAGS LIGHT_ARGS_SEPARATE_OPTIONS
#else
#define ARGS_FLAGS (LIGHT_ARGS_NUMBERS_ARE_DOUBLES | LIGHT_ARGS_SEPARATE_OPTIONS)
#endif

light_args *light_lua__build_args(lua_State *L, const char *op_id, int method_idx, int path_idx, int first, int *nret) {
  light_args *a = NULL;
  int top = lua_gettop(L);
  light_status st;
  if (op_id) {
    st = light_args_new(&a, op_id, ARGS_FLAGS);
  } else {
    size_t ml = 0, pl = 0;
    const char *m = lua_type(L, method_idx) == LUA_TSTRING ? lua_tolstring(L, method_idx, &ml) : NULL;
    const char *p = lua_type(L, path_idx) == LUA_TSTRING ? lua_tolstring(L, path_idx, &pl) : NULL;
    st = light_args_new_raw(&a, m ? m : "", ml, p ? p : "", pl, ARGS_FLAGS);
    if (a && st == LIGHT_OK && (!m || !p))
      light_args_fail(a, m ? "path" : "method", m ? "path must be a string" : "method must be a string");
  }
  if (!a) {
    luaL_error(L, "light: out of memory");
    return NULL;
  }
  if (st == LIGHT_OK && op_id) {
    const light_operation *op = light_operation_find(op_id);
    int npp = 0;
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
  } else if (st == LIGHT_OK && first <= top && !lua_isnil(L, first)) {
    st = light_lua__args_members(L, first, a, "opts");
  }
  light_args_finish(a);
  if (light_args_error(a, NULL) != LIGHT_OK) {
    light_error err = LIGHT_ERROR_INIT;
    light_args_error(a, &err);
    light_args_free(a);
    *nret = light_lua__push_error(L, &err);
    light_error_clear(&err);
    return NULL;
  }
  return a;
}

int light_lua__push_response(lua_State *L, light_response *resp, const light_operation *op, const cJSON *query) {
  cJSON *next = NULL;
  int more = 0;
  if (op && op->paginated) {
    light_error e = LIGHT_ERROR_INIT;
    more = light_page_next_query(&next, resp, query, &e);
    if (more < 0) {
      light_response_free(resp);
      int n = light_lua__push_error(L, &e);
      light_error_clear(&e);
      return n;
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
  light_lua__push_headers(L, h, hl);
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

/* c:call(op_id, path values..., params, opts) */
static int l_call(lua_State *L) {
  light_lua_client *c = light_lua__check_client(L, 1);
  if (!c) return 2;
  if (lua_type(L, 2) != LUA_TSTRING) return light_lua__push_invalid(L, "op", "operation id must be a string");
  const char *op_id = lua_tostring(L, 2);
  const light_operation *op = light_operation_find(op_id);
  if (!op) return light_lua__push_invalid(L, "op", "unknown operation");
  int n = 0;
  light_args *a = light_lua__build_args(L, op_id, 0, 0, 3, &n);
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
  if (st != LIGHT_OK) {
    light_args_free(a);
    n = light_lua__push_error(L, &err);
    light_error_clear(&err);
    return n;
  }
  n = light_lua__push_response(L, resp, op, light_args_query(a));
  light_args_free(a);
  return n;
}

/* c:request(method, path, opts) with opts = {query, body, headers, timeout, max_retries} */
static int l_request(lua_State *L) {
  light_lua_client *c = light_lua__check_client(L, 1);
  if (!c) return 2;
  lua_settop(L, 4);
  int n = 0;
  light_args *a = light_lua__build_args(L, NULL, 2, 3, 4, &n);
  if (!a) return n;
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  int armed = interrupt_arm(L);
  light_status st = light_call_args(&resp, c->client, a, &err);
  light_args_free(a);
  if (interrupt_disarm(armed)) {
    light_response_free(resp);
    light_error_clear(&err);
    return raise_interrupted(L);
  }
  if (st != LIGHT_OK) {
    n = light_lua__push_error(L, &err);
    light_error_clear(&err);
    return n;
  }
  return light_lua__push_response(L, resp, NULL, NULL);
}

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
      {"exchange", light_lua__client_exchange},
      {"exchange_raw", light_lua__client_exchange_raw},
      {"can", l_can},
      {"base_url", l_base_url},
      {"account_uuid", l_account_uuid},
      {"close", l_close},
      {NULL, NULL},
  };
  if (luaL_newmetatable(L, LIGHT_LUA_CLIENT_MT)) {
    light_lua_newlib(L, methods);
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
