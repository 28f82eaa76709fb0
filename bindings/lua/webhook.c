/* Webhooks: sign, verify (+ parse), event names. No I/O. The arguments go
 * to the core as record arguments (light/args.h), checked there. */
#include <string.h>

#include "lua_light.h"

/* {} at @p idx: to the converter an empty object, here the empty list of
 * secrets (no secret). */
static int empty_table(lua_State *L, int idx) {
  if (!lua_istable(L, idx)) return 0;
  lua_pushnil(L);
  if (lua_next(L, idx) == 0) return 1;
  lua_pop(L, 2);
  return 0;
}

/* The values 1..top as the positional record arguments of @p kind (a nil is
 * null: the default, or no secret), finished. Returns the args, or NULL after
 * pushing nil, err (*nret = 2). */
static light_args *webhook_args(lua_State *L, light_args_record_kind kind, int *nret) {
  light_args *a = NULL;
  light_status st = light_args_new_record(&a, kind, LIGHT_LUA_ARGS_FLAGS);
  for (int i = 1; a && st == LIGHT_OK && i <= lua_gettop(L); i++) {
    if (empty_table(L, i)) {
      light_args_begin_array(a, 0); /* a failure sticks: end() returns it */
      st = light_args_end(a);
    } else {
      st = light_lua__args_value(L, i, a);
    }
  }
  return light_lua__args_finish(L, a, nret);
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

/* verify(payload, header, secrets, tolerance?, now?) → event | nil, err, and
 * (@p header_only) verify_header(...) → true | nil, err */
static int verify(lua_State *L, int header_only) {
  int n = 0;
  light_args *a = webhook_args(L, LIGHT_ARGS_WEBHOOK_VERIFY, &n);
  if (!a) return n;
  light_error err = LIGHT_ERROR_INIT;
  size_t len = 0;
  const char *payload = light_args_payload(a, &len);
  light_status st = light_webhook_verify_args(a, &err);
  if (st == LIGHT_OK && header_only) lua_pushboolean(L, 1);
  if (st == LIGHT_OK && !header_only) st = push_event(L, payload, len, &err);
  light_args_free(a);
  return st == LIGHT_OK ? 1 : light_lua__push_error(L, &err);
}

static int l_verify(lua_State *L) { return verify(L, 0); }
static int l_verify_header(lua_State *L) { return verify(L, 1); }

/* sign(payload, secret, timestamp?) → "t.hex" | nil, err */
static int l_sign(lua_State *L) {
  int n = 0;
  light_args *a = webhook_args(L, LIGHT_ARGS_WEBHOOK_SIGN, &n);
  if (!a) return n;
  char out[LIGHT_SIGNATURE_MAX];
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_webhook_sign_args(out, sizeof out, a, &err);
  light_args_free(a);
  if (st != LIGHT_OK) return light_lua__push_error(L, &err);
  lua_pushstring(L, out);
  return 1;
}

/* parse_event(payload) → event | nil, err (no signature check) */
static int l_parse_event(lua_State *L) {
  if (lua_type(L, 1) != LUA_TSTRING)
    return light_lua__push_new_error(L, LIGHT_E_INVALID_ARGUMENT, "payload", "payload must be a string");
  size_t len;
  const char *payload = lua_tolstring(L, 1, &len);
  light_error err = LIGHT_ERROR_INIT;
  return push_event(L, payload, len, &err) == LIGHT_OK ? 1 : light_lua__push_error(L, &err);
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
