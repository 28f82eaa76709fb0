/* Webhooks: sign, verify (+ parse), event names. No I/O. */
#include <string.h>
#include <time.h>

#include "lua_light.h"

#define MAX_SECRETS 16

typedef struct secret_list {
  const char *v[MAX_SECRETS];
  size_t n;
} secret_list;

/* Secrets at @p idx: a string or a list of strings (rotation). The strings
 * stay on the Lua stack/table for the duration of the call. */
static int nul_secret(lua_State *L) {
  return light_lua__push_invalid(L, "secret", "webhook secret must not contain NUL");
}

static int read_secrets(lua_State *L, int idx, secret_list *s) {
  s->n = 0;
  size_t len;
  if (lua_type(L, idx) == LUA_TSTRING) {
    s->v[s->n] = lua_tolstring(L, idx, &len);
    if (memchr(s->v[s->n++], '\0', len)) return nul_secret(L);
    return 0;
  }
  if (!lua_istable(L, idx)) return light_lua__push_invalid(L, "secret", "secret must be a string or a list of strings");
  size_t n = light_lua_rawlen(L, idx);
  if (n > MAX_SECRETS) return light_lua__push_invalid(L, "secret", "too many secrets (at most 16)");
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, idx, (int)i + 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 1);
      return light_lua__push_invalid(L, "secret", "secret must be a string or a list of strings");
    }
    s->v[s->n] = lua_tolstring(L, -1, &len); /* still referenced by the table */
    lua_pop(L, 1);
    if (memchr(s->v[s->n++], '\0', len)) return nul_secret(L);
  }
  return 0;
}

/* Shared argument reading of verify/verify_header:
 * (payload, header, secrets, tolerance_s?, now?) */
static int read_verify_args(lua_State *L, const char **payload, size_t *len, const char **header, secret_list *s,
                            int64_t *tolerance, int64_t *now) {
  if (lua_type(L, 1) != LUA_TSTRING)
    return light_lua__push_invalid(L, "payload", "payload must be the raw body string");
  *payload = lua_tolstring(L, 1, len);
  int ht = lua_type(L, 2);
  if (ht != LUA_TSTRING && ht != LUA_TNIL && ht != LUA_TNONE)
    return light_lua__push_invalid(L, "signature", "signature must be a string");
  *header = ht == LUA_TSTRING ? lua_tostring(L, 2) : "";
  int n = read_secrets(L, 3, s);
  if (n) return n;
  *tolerance = LIGHT_WEBHOOK_DEFAULT_TOLERANCE;
  if (!lua_isnoneornil(L, 4)) {
    if (lua_type(L, 4) != LUA_TNUMBER)
      return light_lua__push_invalid(L, "tolerance", "tolerance must be a number of seconds");
    *tolerance = light_webhook_tolerance_of((double)lua_tonumber(L, 4)); /* out of range → 0, refused by the core */
  }
  *now = (int64_t)time(NULL);
  if (!lua_isnoneornil(L, 5)) {
    double d = lua_type(L, 5) == LUA_TNUMBER ? (double)lua_tonumber(L, 5) : -1;
    if (!(d >= 0 && d < 9.2e18)) return light_lua__push_invalid(L, "now", "now must be a number of Unix seconds");
    *now = (int64_t)d;
  }
  return 0;
}

/* Push the event of @p payload, decoded by the core's parser with the
 * envelope summary and checked by the core's envelope rule; nothing pushed
 * on failure. */
static light_status push_event(lua_State *L, const char *payload, size_t len, light_error *err) {
  light_json_member m[LIGHT_WEBHOOK_ENVELOPE_N];
  light_webhook_envelope_init(m);
  light_json_result res;
  memset(&res, 0, sizeof res);
  int top = lua_gettop(L);
  int rc = len ? light_lua__decode(L, payload, len, m, LIGHT_WEBHOOK_ENVELOPE_N, &res) : 1;
  if (rc < 0) res.error = LIGHT_JSON_E_NOMEM;
  light_status st = light_webhook_envelope_check(&res, m, len, err);
  if (st != LIGHT_OK) lua_settop(L, top);
  return st;
}

/* verify(payload, header, secrets, tolerance?, now?) → event | nil, err */
static int l_verify(lua_State *L) {
  const char *payload, *header;
  size_t len;
  secret_list s;
  int64_t tol, now;
  int n = read_verify_args(L, &payload, &len, &header, &s, &tol, &now);
  if (n) return n;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_webhook_verify(payload, len, header, s.v, s.n, tol, now, &err);
  if (st == LIGHT_OK) st = push_event(L, payload, len, &err);
  if (st != LIGHT_OK) {
    n = light_lua__push_error(L, &err);
    light_error_clear(&err);
    return n;
  }
  return 1;
}

/* verify_header(payload, header, secrets, tolerance?, now?) → true | nil, err */
static int l_verify_header(lua_State *L) {
  const char *payload, *header;
  size_t len;
  secret_list s;
  int64_t tol, now;
  int n = read_verify_args(L, &payload, &len, &header, &s, &tol, &now);
  if (n) return n;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_webhook_verify(payload, len, header, s.v, s.n, tol, now, &err);
  if (st != LIGHT_OK) {
    n = light_lua__push_error(L, &err);
    light_error_clear(&err);
    return n;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* sign(payload, secret, timestamp?) → "t.hex" | nil, err */
static int l_sign(lua_State *L) {
  if (lua_type(L, 1) != LUA_TSTRING) return light_lua__push_invalid(L, "payload", "payload must be a string");
  if (lua_type(L, 2) != LUA_TSTRING) return light_lua__push_invalid(L, "secret", "secret must be a string");
  size_t len, slen;
  const char *payload = lua_tolstring(L, 1, &len);
  const char *secret = lua_tolstring(L, 2, &slen);
  if (memchr(secret, '\0', slen)) return nul_secret(L);
  int64_t ts = (int64_t)time(NULL);
  if (!lua_isnoneornil(L, 3)) {
    double d = lua_type(L, 3) == LUA_TNUMBER ? (double)lua_tonumber(L, 3) : -1;
    if (!(d >= 0 && d < 9.2e18))
      return light_lua__push_invalid(L, "timestamp", "timestamp must be a number of Unix seconds >= 0");
    ts = (int64_t)d;
  }
  char out[LIGHT_SIGNATURE_MAX];
  light_status st = light_webhook_sign(out, sizeof out, payload, len, secret, slen, ts);
  if (st != LIGHT_OK) {
    light_error e = LIGHT_ERROR_INIT;
    e.code = st;
    e.kind = st == LIGHT_E_INVALID_ARGUMENT ? LIGHT_ERR_INVALID_ARGUMENT : LIGHT_ERR_LIGHT;
    e.message =
        (char *)(st == LIGHT_E_INVALID_ARGUMENT ? "secret must be non-empty and timestamp >= 0" : light_strerror(st));
    return light_lua__push_error(L, &e);
  }
  lua_pushstring(L, out);
  return 1;
}

/* parse_event(payload) → event | nil, err (no signature check) */
static int l_parse_event(lua_State *L) {
  if (lua_type(L, 1) != LUA_TSTRING) return light_lua__push_invalid(L, "payload", "payload must be a string");
  size_t len;
  const char *payload = lua_tolstring(L, 1, &len);
  light_error err = LIGHT_ERROR_INIT;
  light_status st = push_event(L, payload, len, &err);
  if (st != LIGHT_OK) {
    int n = light_lua__push_error(L, &err);
    light_error_clear(&err);
    return n;
  }
  return 1;
}

/* events() → { "enrollment.plan_requested", ... } */
static int l_events(lua_State *L) {
  size_t n = light_event_count();
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushstring(L, light_event_at(i));
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

void light_lua__open_webhook(lua_State *L) {
  static const luaL_Reg fns[] = {
      {"webhook_verify", l_verify}, {"webhook_verify_header", l_verify_header},
      {"webhook_sign", l_sign},     {"webhook_parse_event", l_parse_event},
      {"events", l_events},         {NULL, NULL},
  };
  light_lua_setfuncs(L, fns, 0);
}
