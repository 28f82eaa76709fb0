/* Webhooks: verify (+ parse the event) and sign. No I/O.
 *
 * webhookVerify(payload, header, secrets[], toleranceS, nowS) → event object,
 * or throws SignatureVerificationError (reason) / APIError (not an envelope).
 * webhookSign(payload, secret, timestampS) → "t.hex".
 * payload is a Buffer / Uint8Array (read in place, no copy) or a string
 * (its UTF-8 bytes). node/webhooks.js normalises the public arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "light_node.h"

#define MAX_SECRETS 16
#define STACK_BYTES 4096
#define SMALL_SECRET 128

typedef struct bytes {
  const char *data;
  size_t len;
  char *owned;             /* heap copy of a large string */
  char stack[STACK_BYTES]; /* small strings */
} bytes;

/* 0, or -1 with a TypeError thrown. */
static int read_bytes(napi_env env, napi_value v, const char *what, bytes *b) {
  napi_valuetype t;
  bool is = false;
  b->owned = NULL;
  napi_typeof(env, v, &t);
  if (t == napi_string) {
    size_t n = 0;
    napi_get_value_string_utf8(env, v, NULL, 0, &n);
    char *dst = b->stack;
    if (n + 1 > sizeof b->stack) {
      dst = b->owned = malloc(n + 1);
      if (!dst) {
        napi_throw_error(env, NULL, "light-sdk: out of memory");
        return -1;
      }
    }
    napi_get_value_string_utf8(env, v, dst, n + 1, &n);
    b->data = dst;
    b->len = n;
    return 0;
  }
  if (napi_is_buffer(env, v, &is) == napi_ok && is) {
    void *d = NULL;
    napi_get_buffer_info(env, v, &d, &b->len);
    b->data = d ? d : "";
    return 0;
  }
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type tt;
    size_t n = 0, off = 0;
    void *d = NULL;
    napi_value ab;
    napi_get_typedarray_info(env, v, &tt, &n, &d, &ab, &off);
    if (tt == napi_uint8_array || tt == napi_int8_array || tt == napi_uint8_clamped_array) {
      b->data = d ? d : "";
      b->len = n;
      return 0;
    }
  }
  char msg[96];
  snprintf(msg, sizeof msg, "%s must be a Buffer, Uint8Array or string (the raw request body)", what);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return -1;
}

static double num_arg(napi_env env, napi_value v, double dflt) {
  napi_valuetype t;
  double d = dflt;
  napi_typeof(env, v, &t);
  if (t == napi_number) napi_get_value_double(env, v, &d);
  return d;
}

napi_value light_node__webhook_verify(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "webhookVerify(payload, header, secrets, tolerance, now)");
    return NULL;
  }
  bytes payload;
  if (read_bytes(env, argv[0], "payload", &payload) != 0) return NULL;
  char hbuf[LIGHT_SIGNATURE_MAX * 2];
  const char *header = "";
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t == napi_string) {
    size_t n = 0;
    napi_get_value_string_utf8(env, argv[1], hbuf, sizeof hbuf, &n);
    header = hbuf;
  }
  /* secrets: a string or an array of strings; short ones live on the stack */
  const char *secrets[MAX_SECRETS];
  char *arena[MAX_SECRETS];
  char small[MAX_SECRETS][SMALL_SECRET];
  uint32_t ns = 0, got = 0;
  bool is_arr = false;
  napi_valuetype sect;
  napi_typeof(env, argv[2], &sect);
  if (sect != napi_string) {
    napi_is_array(env, argv[2], &is_arr);
    if (is_arr) napi_get_array_length(env, argv[2], &ns);
  } else {
    ns = 1;
  }
  if ((sect != napi_string && !is_arr) || ns > MAX_SECRETS) {
    free(payload.owned);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "secret must be a string or an array of at most 16 strings");
    return NULL;
  }
  for (uint32_t i = 0; i < ns; i++) {
    napi_value s = argv[2];
    if (is_arr) napi_get_element(env, argv[2], i, &s);
    napi_typeof(env, s, &t);
    size_t n = 0;
    arena[got] = NULL;
    const char *why = NULL;
    if (t != napi_string)
      why = "secret must be a string or an array of strings";
    else if (napi_get_value_string_utf8(env, s, small[got], SMALL_SECRET, &n) == napi_ok && n + 1 < SMALL_SECRET)
      secrets[got] = small[got];
    else if ((arena[got] = light_node__string(env, s, &n)) != NULL)
      secrets[got] = arena[got];
    else
      why = "out of memory";
    /* the core takes NUL-terminated secrets: a NUL inside would cut the key (sign uses it whole) */
    if (!why && memchr(secrets[got], '\0', n)) why = "webhook secret must not contain NUL";
    if (why) {
      for (uint32_t k = 0; k <= got; k++) { /* small[got] may hold a truncated copy */
        OPENSSL_cleanse(small[k], SMALL_SECRET);
        if (arena[k]) OPENSSL_cleanse(arena[k], k == got ? n : strlen(arena[k]));
        free(arena[k]);
      }
      free(payload.owned);
      napi_throw_type_error(env, t != napi_string ? "ERR_INVALID_ARG_TYPE" : "ERR_INVALID_ARG_VALUE", why);
      return NULL;
    }
    got++;
  }
  /* NaN, ±Infinity, 0, negative or huge → 0, which the core refuses (nothing turns the window off) */
  int64_t tolerance = light_webhook_tolerance_of(num_arg(env, argv[3], LIGHT_WEBHOOK_DEFAULT_TOLERANCE));
  double nowd = num_arg(env, argv[4], 0);
  int64_t now = nowd >= -9.2e18 && nowd <= 9.2e18 ? (int64_t)nowd : 0; /* webhooks.js passes a finite number */
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_webhook_verify(payload.data, payload.len, header, secrets, got, tolerance, now, &err);
  for (uint32_t k = 0; k < got; k++) {
    /* secrets are wiped before release */
    if (arena[k]) {
      OPENSSL_cleanse(arena[k], strlen(arena[k]));
      free(arena[k]);
    }
    OPENSSL_cleanse(small[k], SMALL_SECRET); /* also the truncated copy left when the secret went to the arena */
  }
  napi_value v = NULL;
  if (st == LIGHT_OK) {
    /* the event: validated with the envelope summary by the core's parser, built by JSON.parse */
    light_json_member m[LIGHT_WEBHOOK_ENVELOPE_N];
    light_webhook_envelope_init(m);
    light_json_result res;
    memset(&res, 0, sizeof res);
    int rc =
        payload.len ? light_node__decode(env, payload.data, payload.len, m, LIGHT_WEBHOOK_ENVELOPE_N, 0, &res, &v) : 1;
    if (rc < 0) {
      free(payload.owned);
      return NULL; /* exception pending */
    }
    st = light_webhook_envelope_check(&res, m, payload.len, &err);
  }
  free(payload.owned);
  if (st != LIGHT_OK) {
    light_node__throw_error(env, &err);
    light_error_clear(&err);
    return NULL;
  }
  return v;
}

napi_value light_node__webhook_sign(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "webhookSign(payload, secret, timestamp)");
    return NULL;
  }
  bytes payload;
  if (read_bytes(env, argv[0], "payload", &payload) != 0) return NULL;
  size_t slen = 0;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  char *secret = t == napi_string ? light_node__string(env, argv[1], &slen) : NULL;
  if (!secret) {
    free(payload.owned);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "secret must be a string");
    return NULL;
  }
  double tsd = num_arg(env, argv[2], -1);
  int64_t ts = tsd >= 0 && tsd <= 9.2e18 ? (int64_t)tsd : -1;
  if (memchr(secret, '\0', slen)) {
    OPENSSL_cleanse(secret, slen);
    free(secret);
    free(payload.owned);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "webhook secret must not contain NUL");
    return NULL;
  }
  char out[LIGHT_SIGNATURE_MAX];
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_webhook_sign(out, sizeof out, payload.data, payload.len, secret, slen, ts);
  OPENSSL_cleanse(secret, slen);
  free(secret);
  free(payload.owned);
  if (st != LIGHT_OK) {
    err.code = st;
    err.kind = st == LIGHT_E_INVALID_ARGUMENT ? LIGHT_ERR_INVALID_ARGUMENT : LIGHT_ERR_LIGHT;
    light_node__throw_error(env, &err);
    return NULL;
  }
  napi_value v;
  LN_CALL(env, napi_create_string_utf8(env, out, NAPI_AUTO_LENGTH, &v));
  return v;
}
