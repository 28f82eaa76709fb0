/* light.Client userdata: one light_client (app or account scope) and the
 * blocking calls of the core (light_call, light_request). In nginx the Lua
 * layer drives the same calls through exchange.c instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_light.h"

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

/* Optional field readers for the options table at index 1. Each returns 0,
 * or 2 after pushing nil, err for a value of the wrong type. */
static int opt_string(lua_State *L, const char *k, const char **out) {
  lua_getfield(L, 1, k);
  int t = lua_type(L, -1);
  if (t == LUA_TSTRING) *out = lua_tostring(L, -1); /* the table keeps it alive */
  lua_pop(L, 1);
  if (t == LUA_TNIL || t == LUA_TSTRING) return 0;
  char msg[96];
  snprintf(msg, sizeof msg, "option '%s' must be a string", k);
  return light_lua__push_invalid(L, k, msg);
}

static int opt_number(lua_State *L, const char *k, double *out, int *present) {
  lua_getfield(L, 1, k);
  int t = lua_type(L, -1);
  if (t == LUA_TNUMBER) {
    *out = (double)lua_tonumber(L, -1);
    if (present) *present = 1;
  }
  lua_pop(L, 1);
  if (t == LUA_TNIL || t == LUA_TNUMBER) return 0;
  char msg[96];
  snprintf(msg, sizeof msg, "option '%s' must be a number", k);
  return light_lua__push_invalid(L, k, msg);
}

static int opt_bool(lua_State *L, const char *k, int *out) {
  lua_getfield(L, 1, k);
  int t = lua_type(L, -1);
  if (t == LUA_TBOOLEAN) *out = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (t == LUA_TNIL || t == LUA_TBOOLEAN) return 0;
  char msg[96];
  snprintf(msg, sizeof msg, "option '%s' must be a boolean", k);
  return light_lua__push_invalid(L, k, msg);
}

#define TRY(expr)        \
  do {                   \
    int rc_ = (expr);    \
    if (rc_) return rc_; \
  } while (0)

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

/* core.client_new{ app_token=, account_token=, base_url=, timeout=, ... } */
static int l_client_new(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  if (!lua_istable(L, 1)) return light_lua__push_invalid(L, "options", "light.new expects an options table");
  light_client_options o;
  light_client_options_init(&o);
  double d;
  int present = 0;
  const char *log_level = NULL, *app = NULL, *acct = NULL, *runtime = NULL;
  TRY(opt_string(L, "app_token", &app));
  TRY(opt_string(L, "account_token", &acct));
  if (app) o.app_token = app;
  if (acct) {
    o.account_token = acct;
    if (!app) o.app_token = NULL; /* an explicit account token wins over LIGHT_APP_TOKEN */
  }
  TRY(opt_string(L, "base_url", &o.base_url));
  TRY(opt_string(L, "ca_file", &o.ca_file));
  TRY(opt_string(L, "proxy", &o.proxy));
  TRY(opt_string(L, "log_level", &log_level));
  TRY(opt_string(L, "user_agent_runtime", &runtime));
  char ua[128];
  runtime_name(ua, sizeof ua);
  if (runtime) { /* the Lua layer appends its host, e.g. "nginx/1.22.1" */
    size_t used = strlen(ua);
    snprintf(ua + used, sizeof ua - used, " %s", runtime);
  }
  o.user_agent_runtime = ua;
  if (log_level) {
    if (strcmp(log_level, "off") == 0) o.log_level = LIGHT_LOG_OFF;
    else if (strcmp(log_level, "error") == 0) o.log_level = LIGHT_LOG_ERROR;
    else if (strcmp(log_level, "info") == 0) o.log_level = LIGHT_LOG_INFO;
    else if (strcmp(log_level, "debug") == 0) o.log_level = LIGHT_LOG_DEBUG;
    else return light_lua__push_invalid(L, "log_level", "log_level must be one of off, error, info, debug");
  }
  present = 0;
  TRY(opt_number(L, "timeout", &d, &present));
  if (present) {
    if (d <= 0) return light_lua__push_invalid(L, "timeout", "timeout must be > 0 seconds");
    o.timeout_ms = (long)(d * 1000.0 + 0.5);
  }
  present = 0;
  TRY(opt_number(L, "connect_timeout", &d, &present));
  if (present) {
    if (d <= 0) return light_lua__push_invalid(L, "connect_timeout", "connect_timeout must be > 0 seconds");
    o.connect_timeout_ms = (long)(d * 1000.0 + 0.5);
  }
  present = 0;
  TRY(opt_number(L, "max_retries", &d, &present));
  if (present) {
    if (d < 0 || d > 100) return light_lua__push_invalid(L, "max_retries", "max_retries must be between 0 and 100");
    o.max_retries = (int)d;
    if (o.max_retries == 0) o.max_retries = 0;
  }
  TRY(opt_number(L, "retry_base", &o.retry_base_s, NULL));
  TRY(opt_number(L, "retry_max", &o.retry_max_s, NULL));
  TRY(opt_number(L, "retry_after_cap", &o.retry_after_cap_s, NULL));
  present = 0;
  TRY(opt_number(L, "max_response_bytes", &d, &present));
  if (present) o.max_response_bytes = d > 0 ? (size_t)d : 0;
  present = 0;
  TRY(opt_number(L, "app_rate_per_s", &d, &present));
  if (present) o.app_rate_per_s = (int)d;
  present = 0;
  TRY(opt_number(L, "account_rate_per_s", &d, &present));
  if (present) o.account_rate_per_s = (int)d;
  present = 0;
  TRY(opt_number(L, "token_refresh_margin", &d, &present));
  if (present) o.token_refresh_margin_s = (long)d;
  TRY(opt_bool(L, "rate_limit", &o.rate_limit));
  TRY(opt_bool(L, "insecure_skip_verify", &o.insecure_skip_verify));

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
  light_lua_client *child = push_client(L);
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_client_for_account(c->client, lua_tostring(L, 2), &child->client, &err);
  if (st != LIGHT_OK) {
    int n = light_lua__push_error(L, &err);
    light_error_clear(&err);
    return n;
  }
  return 1;
}

/* ---- per-call arguments -------------------------------------------------- */

void light_lua__args_free(light_lua_args *a) {
  for (size_t i = 0; i < a->params.n_path_params; i++) free((char *)a->path_values[i]);
  a->params.n_path_params = 0;
  cJSON_Delete(a->query);
  light_json_delete_wiped(a->body); /* credit_check bodies carry an SSN */
  a->query = a->body = NULL;
}

static int file_field(lua_State *L, int t, const char *k, const char **out) {
  lua_getfield(L, t, k);
  int ty = lua_type(L, -1);
  if (ty == LUA_TSTRING) *out = lua_tostring(L, -1); /* kept alive by the file table */
  lua_pop(L, 1);
  return ty == LUA_TNIL || ty == LUA_TSTRING ? 0 : -1;
}

int light_lua__read_args(lua_State *L, int first, light_lua_args *a) {
  light_params init = LIGHT_PARAMS_INIT;
  memset(a, 0, sizeof *a);
  a->params = init;
  light_error err = LIGHT_ERROR_INIT;
  int pp = first, q = first + 1, b = first + 2, f = first + 3, to = first + 4, mr = first + 5;

  if (!lua_isnoneornil(L, pp)) {
    if (!lua_istable(L, pp)) return light_lua__push_invalid(L, "path_params", "path parameters must be a list");
    size_t n = light_lua_rawlen(L, pp);
    if (n > sizeof a->path_values / sizeof a->path_values[0])
      return light_lua__push_invalid(L, "path_params", "too many path parameters");
    for (size_t i = 0; i < n; i++) {
      lua_rawgeti(L, pp, (int)i + 1);
      int t = lua_type(L, -1);
      if (t != LUA_TSTRING && t != LUA_TNUMBER) {
        lua_pop(L, 1);
        light_lua__args_free(a);
        return light_lua__push_invalid(L, "path_params", "path parameters must be strings (or numbers)");
      }
      size_t len;
      const char *s = lua_tolstring(L, -1, &len); /* converts the stack copy only */
      char *copy = malloc(len + 1);
      if (copy) memcpy(copy, s, len + 1);
      lua_pop(L, 1);
      if (!copy) {
        light_lua__args_free(a);
        return luaL_error(L, "light: out of memory");
      }
      a->path_values[i] = copy;
      a->params.n_path_params = i + 1;
    }
    a->params.path_params = a->path_values;
  }
  if (!lua_isnoneornil(L, q)) {
    if (!lua_istable(L, q)) {
      light_lua__args_free(a);
      return light_lua__push_invalid(L, "query", "query must be a table");
    }
    if (!(a->query = light_lua__to_json(L, q, "query", &err))) goto bad;
    a->params.query = a->query;
  }
  if (!lua_isnoneornil(L, b)) {
    if (!lua_istable(L, b)) {
      light_lua__args_free(a);
      return light_lua__push_invalid(L, "body", "body must be a table");
    }
    if (!(a->body = light_lua__to_json(L, b, "body", &err))) goto bad;
    a->params.body = a->body;
  }
  if (!lua_isnoneornil(L, f)) {
    if (!lua_istable(L, f)) {
      light_lua__args_free(a);
      return light_lua__push_invalid(L, "file", "file must be a table {data=, filename=, content_type=}");
    }
    const char *data = NULL;
    lua_getfield(L, f, "data");
    if (lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 1);
      light_lua__args_free(a);
      return light_lua__push_invalid(L, "file", "file content must be a string");
    }
    data = lua_tolstring(L, -1, &a->file.len);
    lua_pop(L, 1);
    a->file.data = data;
    if (file_field(L, f, "filename", &a->file.filename) || file_field(L, f, "content_type", &a->file.content_type) ||
        file_field(L, f, "field", &a->file.field)) {
      light_lua__args_free(a);
      return light_lua__push_invalid(L, "file", "filename, content_type and field must be strings");
    }
    a->has_file = 1;
    a->params.file = &a->file;
  }
  if (!lua_isnoneornil(L, to)) {
    if (lua_type(L, to) != LUA_TNUMBER || lua_tonumber(L, to) <= 0) {
      light_lua__args_free(a);
      return light_lua__push_invalid(L, "timeout", "timeout must be a positive number of seconds");
    }
    a->params.timeout_ms = (long)(lua_tonumber(L, to) * 1000.0 + 0.5);
  }
  if (!lua_isnoneornil(L, mr)) {
    if (lua_type(L, mr) != LUA_TNUMBER || lua_tonumber(L, mr) < 0) {
      light_lua__args_free(a);
      return light_lua__push_invalid(L, "max_retries", "max_retries must be a number >= 0");
    }
    a->params.max_retries = (int)lua_tonumber(L, mr);
  }
  return 0;
bad: {
  light_lua__args_free(a);
  int n = light_lua__push_error(L, &err);
  light_error_clear(&err);
  return n;
}
}

int light_lua__push_response(lua_State *L, light_response *resp, const light_operation *op, const cJSON *query) {
  cJSON *next = NULL;
  int more = 0;
  if (op && op->paginated) {
    more = light_page_next_query(resp, query, &next);
    if (more < 0) {
      light_error e = LIGHT_ERROR_INIT;
      e.code = LIGHT_E_DECODE;
      e.kind = LIGHT_ERR_DECODE;
      e.http_status = light_response_status(resp);
      e.message = (char *)"paginated response is not a list envelope";
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

/* c:call(op_id, path_params, query, body, file, timeout_s, max_retries) */
static int l_call(lua_State *L) {
  light_lua_client *c = light_lua__check_client(L, 1);
  if (!c) return 2;
  if (lua_type(L, 2) != LUA_TSTRING) return light_lua__push_invalid(L, "op", "operation id must be a string");
  const light_operation *op = light_operation_find(lua_tostring(L, 2));
  light_lua_args a;
  int n = light_lua__read_args(L, 3, &a);
  if (n) return n;
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_call(c->client, lua_tostring(L, 2), &a.params, &resp, &err);
  if (st != LIGHT_OK) {
    light_lua__args_free(&a);
    n = light_lua__push_error(L, &err);
    light_error_clear(&err);
    return n;
  }
  n = light_lua__push_response(L, resp, op, a.query);
  light_lua__args_free(&a);
  return n;
}

/* c:request(method, path, query, body, timeout_s, max_retries) */
static int l_request(lua_State *L) {
  light_lua_client *c = light_lua__check_client(L, 1);
  if (!c) return 2;
  if (lua_type(L, 2) != LUA_TSTRING) return light_lua__push_invalid(L, "method", "method must be a string");
  if (lua_type(L, 3) != LUA_TSTRING) return light_lua__push_invalid(L, "path", "path must be a string");
  /* reuse the reader: (nil path params, query, body, nil file, timeout, retries) */
  lua_settop(L, 7);
  lua_pushnil(L);
  lua_insert(L, 4); /* path_params slot */
  lua_pushnil(L);
  lua_insert(L, 7); /* file slot */
  light_lua_args a;
  int n = light_lua__read_args(L, 4, &a);
  if (n) return n;
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_request(c->client, lua_tostring(L, 2), lua_tostring(L, 3), &a.params, &resp, &err);
  light_lua__args_free(&a);
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
  light_auth_kind a = strcmp(k, "app") == 0 ? LIGHT_AUTH_APP : strcmp(k, "account") == 0 ? LIGHT_AUTH_ACCOUNT : LIGHT_AUTH_NONE;
  if (a == LIGHT_AUTH_NONE) return luaL_argerror(L, 2, "expected 'app' or 'account'");
  lua_pushboolean(L, c->client && light_client_can(c->client, a));
  return 1;
}

static int l_base_url(lua_State *L) {
  light_lua_client *c = luaL_checkudata(L, 1, LIGHT_LUA_CLIENT_MT);
  if (c->client) lua_pushstring(L, light_client_base_url(c->client));
  else lua_pushnil(L);
  return 1;
}

static int l_account_uuid(lua_State *L) {
  light_lua_client *c = luaL_checkudata(L, 1, LIGHT_LUA_CLIENT_MT);
  const char *u = c->client ? light_client_account_uuid(c->client) : NULL;
  if (u) lua_pushstring(L, u);
  else lua_pushnil(L);
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
  if (!c->client || c->closing) lua_pushliteral(L, "light.Client(closed)");
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
