/* light.HttpParser userdata: the core's sans-I/O HTTP/1.1 response parser
 * (light/http_parser.h) for transports written in Lua — the nginx cosocket
 * transport of light/nginx.lua. Lua moves the bytes; parsing, the header and
 * body caps and the keep-alive decision are the core's.
 *
 *   local p = core.http_parser(head_request, max_body_bytes)
 *   while true do
 *     local data, err, partial = sock:receiveany(65536)   -- or receive(n)
 *     local r, a, b, c, d
 *     if data then r, a, b, c, d = p:feed(data) else r, a, b, c, d = p:eof() end
 *     if r == "done" then status, header_block, body, keep_alive = a, b, c, d; break
 *     elseif r == nil then failure, message = a, b; break end   -- "recv" | "too_large" | "other"
 *   end
 *   p:reset(head_request, max_body_bytes)   -- reuse for the next response
 *
 * light.TlsStore userdata: the CAs of a ca_file, for the cosocket transport
 * to verify a server certificate itself (nginx's sslhandshake only knows
 * lua_ssl_trusted_certificate):
 *
 *   local store = core.tls_store(ca_file)        -- or nil, message
 *   local sess = sock:sslhandshake(nil, sni, false)
 *   local ok, why = store:verify(tonumber(ffi.cast("uintptr_t", sess)), host)
 *
 * verify() reads the peer certificate of the SSL_SESSION at that address
 * (lua-resty-core hands sessions out as cdata pointers) and checks it
 * against the store: chain to a CA of the file, validity, server purpose,
 * and the host name or IP address. Intermediate certificates are not part
 * of a client session, so they must be in the ca_file too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "lua_light.h"

#define LIGHT_LUA_HTTP_PARSER_MT "light.HttpParser"

typedef struct light_lua_http_parser {
  light_http_parser *p; /* owned; NULL after close */
  char *body;           /* decoded body so far (owned) */
  size_t body_len, body_cap;
  int trailing; /* bytes followed the response: the connection is not reusable */
  int done;     /* the parser said LIGHT_HTTP_DONE */
} light_lua_http_parser;

static const char *failure_name(int f) {
  switch (f) {
  case LIGHT_FAIL_RECV: return "recv";
  case LIGHT_FAIL_TOO_LARGE: return "too_large";
  default: return "other";
  }
}

static light_http_parser *make_parser(lua_State *L, int head_idx, int cap_idx) {
  light_http_limits lim;
  memset(&lim, 0, sizeof lim);
  lim.head_request = lua_toboolean(L, head_idx);
  lua_Number cap = luaL_optnumber(L, cap_idx, 0);
  lim.max_body_bytes = cap > 0 ? (size_t)cap : 0;
  return light_http_parser_new(&lim);
}

static int l_new(lua_State *L) {
  light_lua_http_parser *u = light_lua_newuserdata(L, sizeof *u);
  memset(u, 0, sizeof *u);
  luaL_getmetatable(L, LIGHT_LUA_HTTP_PARSER_MT);
  lua_setmetatable(L, -2);
  u->p = make_parser(L, 1, 2);
  if (!u->p) return luaL_error(L, "out of memory");
  return 1;
}

static light_lua_http_parser *check(lua_State *L) {
  light_lua_http_parser *u = luaL_checkudata(L, 1, LIGHT_LUA_HTTP_PARSER_MT);
  if (!u->p) luaL_error(L, "light.HttpParser is closed");
  return u;
}

static int append(light_lua_http_parser *u, const char *b, size_t n) {
  if (u->body_len + n > u->body_cap) {
    size_t c = u->body_cap ? u->body_cap : 4096;
    while (c < u->body_len + n) c *= 2;
    char *q = realloc(u->body, c);
    if (!q) return -1;
    u->body = q;
    u->body_cap = c;
  }
  memcpy(u->body + u->body_len, b, n);
  u->body_len += n;
  return 0;
}

/* The outcome of a terminal event (or "more"). lean: "done", keep_alive only
 * (the exchange reads status, headers and body from the parser itself). */
static int push_outcome(lua_State *L, light_lua_http_parser *u, light_http_event ev, int lean) {
  u->done = ev == LIGHT_HTTP_DONE;
  if (ev == LIGHT_HTTP_DONE && lean) {
    lua_pushliteral(L, "done");
    lua_pushboolean(L, light_http_parser_keep_alive(u->p) && !u->trailing);
    return 2;
  }
  if (ev == LIGHT_HTTP_DONE) {
    size_t hl = 0;
    const char *h = light_http_parser_headers(u->p, &hl);
    lua_pushliteral(L, "done");
    lua_pushinteger(L, light_http_parser_status(u->p));
    lua_pushlstring(L, h, hl);
    lua_pushlstring(L, u->body ? u->body : "", u->body_len);
    lua_pushboolean(L, light_http_parser_keep_alive(u->p) && !u->trailing);
    return 5;
  }
  if (ev == LIGHT_HTTP_ERROR) {
    const char *msg = NULL;
    int f = light_http_parser_error(u->p, &msg);
    lua_pushnil(L);
    lua_pushstring(L, failure_name(f));
    lua_pushstring(L, msg ? msg : "malformed HTTP response");
    return 3;
  }
  lua_pushliteral(L, "more");
  return 1;
}

/* p:feed(data [, lean]) → "more" | "done", status, header_block, body, keep_alive
 * (lean: "done", keep_alive) | nil, failure, message */
static int l_feed(lua_State *L) {
  light_lua_http_parser *u = check(L);
  size_t len = 0;
  const char *in = luaL_checklstring(L, 2, &len);
  light_http_event ev;
  do {
    size_t used = 0, clen = 0;
    const char *chunk = NULL;
    ev = light_http_parser_feed(u->p, in, len, &used, &chunk, &clen);
    in += used;
    len -= used;
    if (ev == LIGHT_HTTP_BODY && append(u, chunk, clen) != 0) return luaL_error(L, "out of memory");
  } while (ev == LIGHT_HTTP_HEADERS || ev == LIGHT_HTTP_BODY);
  if (ev == LIGHT_HTTP_DONE && len > 0) u->trailing = 1;
  return push_outcome(L, u, ev, lua_toboolean(L, 3));
}

/* p:eof([lean]) — the peer closed: as feed's terminal outcomes. */
static int l_eof(lua_State *L) {
  light_lua_http_parser *u = check(L);
  return push_outcome(L, u, light_http_parser_eof(u->p), lua_toboolean(L, 2));
}

int light_lua__http_parser_result(lua_State *L, int idx, int *status, const char **headers, size_t *headers_len,
                                  const char **body, size_t *body_len) {
  light_lua_http_parser *u = luaL_checkudata(L, idx, LIGHT_LUA_HTTP_PARSER_MT);
  if (!u->p || !u->done) return 0;
  *status = light_http_parser_status(u->p);
  *headers = light_http_parser_headers(u->p, headers_len);
  *body = u->body ? u->body : "";
  *body_len = u->body_len;
  return *status != 0;
}

/* p:reset(head_request, max_body_bytes): ready for the next response. */
static int l_reset(lua_State *L) {
  light_lua_http_parser *u = check(L);
  light_http_limits lim;
  memset(&lim, 0, sizeof lim);
  lim.head_request = lua_toboolean(L, 2);
  lua_Number cap = luaL_optnumber(L, 3, 0);
  lim.max_body_bytes = cap > 0 ? (size_t)cap : 0;
  light_http_parser_reset(u->p, &lim);
  u->body_len = 0;
  u->trailing = 0;
  u->done = 0;
  if (u->body_cap > 1024 * 1024) { /* do not keep a huge buffer around */
    free(u->body);
    u->body = NULL;
    u->body_cap = 0;
  }
  return 0;
}

/* p:response() → status, header_block, body (after "done") | nil */
static int l_response(lua_State *L) {
  light_lua_http_parser *u = check(L);
  if (!u->done) return 0;
  size_t hl = 0;
  const char *h = light_http_parser_headers(u->p, &hl);
  lua_pushinteger(L, light_http_parser_status(u->p));
  lua_pushlstring(L, h, hl);
  lua_pushlstring(L, u->body ? u->body : "", u->body_len);
  return 3;
}

/* p:status() → the status of the final response, 0 before its headers */
static int l_status(lua_State *L) {
  lua_pushinteger(L, light_http_parser_status(check(L)->p));
  return 1;
}

static int l_close(lua_State *L) {
  light_lua_http_parser *u = luaL_checkudata(L, 1, LIGHT_LUA_HTTP_PARSER_MT);
  light_http_parser_free(u->p);
  u->p = NULL;
  free(u->body);
  u->body = NULL;
  u->body_len = u->body_cap = 0;
  return 0;
}

#define LIGHT_LUA_TLS_STORE_MT "light.TlsStore"

typedef struct light_lua_tls_store {
  X509_STORE *store; /* owned; NULL after close */
} light_lua_tls_store;

/* core.tls_store(ca_file) → store | nil, message */
static int l_tls_store(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  light_lua_tls_store *u = light_lua_newuserdata(L, sizeof *u);
  u->store = NULL;
  luaL_getmetatable(L, LIGHT_LUA_TLS_STORE_MT);
  lua_setmetatable(L, -2);
  u->store = X509_STORE_new();
  if (!u->store) return luaL_error(L, "out of memory");
  ERR_clear_error();
  if (X509_STORE_load_file(u->store, path) != 1) {
    unsigned long e = ERR_get_error();
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    lua_pushnil(L);
    lua_pushfstring(L, "cannot load ca_file %s: %s", path, e ? buf : "no certificate in it");
    return 2;
  }
  return 1;
}

static int is_ip_literal(const char *h) {
  for (const char *p = h; *p; p++)
    if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == ':' || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
      return 0;
  return strchr(h, '.') != NULL || strchr(h, ':') != NULL;
}

/* store:verify(session_address, host) → true | nil, reason */
static int l_tls_verify(lua_State *L) {
  light_lua_tls_store *u = luaL_checkudata(L, 1, LIGHT_LUA_TLS_STORE_MT);
  lua_Number addr = luaL_checknumber(L, 2);
  const char *host = luaL_checkstring(L, 3);
  if (!u->store) return luaL_error(L, "light.TlsStore is closed");
  if (addr <= 0) {
    lua_pushnil(L);
    lua_pushliteral(L, "no TLS session");
    return 2;
  }
  SSL_SESSION *sess = (SSL_SESSION *)(uintptr_t)addr;
  X509 *leaf = SSL_SESSION_get0_peer(sess);
  if (!leaf) {
    lua_pushnil(L);
    lua_pushliteral(L, "the server sent no certificate");
    return 2;
  }
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  if (!ctx || X509_STORE_CTX_init(ctx, u->store, leaf, NULL) != 1) {
    X509_STORE_CTX_free(ctx);
    return luaL_error(L, "out of memory");
  }
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
  int set = is_ip_literal(host) ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) : X509_VERIFY_PARAM_set1_host(vp, host, 0);
  if (set != 1) {
    X509_STORE_CTX_free(ctx);
    lua_pushnil(L);
    lua_pushfstring(L, "cannot verify against host %s", host);
    return 2;
  }
  int ok = X509_verify_cert(ctx);
  int code = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  ERR_clear_error();
  if (ok == 1) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  lua_pushfstring(L, "%d: %s", code, X509_verify_cert_error_string(code));
  return 2;
}

static int l_tls_close(lua_State *L) {
  light_lua_tls_store *u = luaL_checkudata(L, 1, LIGHT_LUA_TLS_STORE_MT);
  X509_STORE_free(u->store);
  u->store = NULL;
  return 0;
}

void light_lua__open_http(lua_State *L) {
  static const luaL_Reg tls_methods[] = {{"verify", l_tls_verify}, {"close", l_tls_close}, {NULL, NULL}};
  if (luaL_newmetatable(L, LIGHT_LUA_TLS_STORE_MT)) {
    light_lua_newlib(L, tls_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_tls_close);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "light.TlsStore");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
  lua_pushcfunction(L, l_tls_store);
  lua_setfield(L, -2, "tls_store");

  static const luaL_Reg methods[] = {
      {"feed", l_feed},     {"eof", l_eof},     {"reset", l_reset}, {"response", l_response},
      {"status", l_status}, {"close", l_close}, {NULL, NULL},
  };
  if (luaL_newmetatable(L, LIGHT_LUA_HTTP_PARSER_MT)) {
    light_lua_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__close");
    lua_pushliteral(L, "light.HttpParser");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
  lua_pushcfunction(L, l_new);
  lua_setfield(L, -2, "http_parser");
}
