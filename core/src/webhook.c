/* Webhook signing and verification (light/webhook.h). No I/O, no global
 * state; every function may be called from any thread.
 *
 * Signature: HMAC-SHA256(secret, "<ts>.<raw body>") as 64 lowercase hex.
 * HMAC (RFC 2104) is computed here over OpenSSL's SHA-256 (EVP_MD fetched
 * once per call, one EVP_MD_CTX reused for every secret): it measured
 * ~2.0 µs per 2 KB verify against ~2.7-3.9 µs for EVP_MAC / HMAC() one-shot,
 * whose per-call MAC setup dominates at webhook sizes
 * (bench/c/bench_webhook.c compares all three; tests/core/test_webhook.c
 * checks this HMAC against OpenSSL's HMAC() and Python-computed vectors).
 *
 * Secrets are borrowed, never copied to the heap; the stack copies of the key
 * and the HMAC pads are wiped with OPENSSL_cleanse after each use
 * (light__secret_wipe), the digest context by EVP_MD_CTX_free. */
#include "light/webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"

static const char *const events[] = {
    LIGHT_EVENT_ENROLLMENT_PLAN_REQUESTED,
    LIGHT_EVENT_ENROLLMENT_PLAN_ACCEPTED,
    LIGHT_EVENT_ENROLLMENT_IDENTITY_UPDATED,
    LIGHT_EVENT_ENROLLMENT_FINALIZED,
    LIGHT_EVENT_ACCOUNT_PAYMENT_METHOD_ADDED,
    LIGHT_EVENT_ACCOUNT_BILLING_ADDRESS_UPDATED,
    LIGHT_EVENT_ACCOUNT_PAYMENT_FAILED,
    LIGHT_EVENT_ACCOUNT_PAYMENT_SUCCESSFUL,
    LIGHT_EVENT_ACCOUNT_INVOICE_SENT,
    LIGHT_EVENT_LOCATION_SERVICE_ACTIVE,
    LIGHT_EVENT_LOCATION_SERVICE_CANCELED,
    LIGHT_EVENT_LOCATION_USAGE_HISTORY_AVAILABLE,
    LIGHT_EVENT_LOCATION_RENEWAL_PLAN_REQUESTED,
    LIGHT_EVENT_LOCATION_RENEWAL_PLAN_ACCEPTED,
    LIGHT_EVENT_LOCATION_RENEWAL_EMAIL_SENT,
    LIGHT_EVENT_COMPARISON_INVOICE_PROCESSED,
    LIGHT_EVENT_USAGE_PROFILE_COMPLETED,
    LIGHT_EVENT_USAGE_PROFILE_FAILED,
};

size_t light_event_count(void) { return sizeof events / sizeof events[0]; }

const char *light_event_at(size_t i) { return i < light_event_count() ? events[i] : NULL; }

#define MAC_LEN 32
#define BLOCK 64
#define TS_MAX_DIGITS 19 /* INT64_MAX has 19 digits */

/* One HMAC-SHA256 computation context: the digest and a reusable EVP_MD_CTX. */
typedef struct hmac_ctx {
  EVP_MD *md;
  EVP_MD_CTX *ctx;
} hmac_ctx;

static int hmac_open(hmac_ctx *h) {
  h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
  h->ctx = h->md ? EVP_MD_CTX_new() : NULL;
  return h->ctx ? 0 : -1;
}

static void hmac_close(hmac_ctx *h) {
  EVP_MD_CTX_free(h->ctx);
  EVP_MD_free(h->md);
}

/* out = HMAC-SHA256(key, ts "." payload) (RFC 2104). 0 ok, -1 OpenSSL failure. */
static int hmac_sign(hmac_ctx *h, const char *key, size_t key_len, const char *ts, size_t ts_len, const void *payload,
                     size_t payload_len, unsigned char out[MAC_LEN]) {
  unsigned char k[BLOCK], pad[BLOCK], inner[MAC_LEN];
  unsigned int n = 0;
  int ok = 1;
  memset(k, 0, sizeof k);
  if (key_len > BLOCK) {
    ok = EVP_DigestInit_ex(h->ctx, h->md, NULL) && EVP_DigestUpdate(h->ctx, key, key_len) &&
         EVP_DigestFinal_ex(h->ctx, k, &n);
  } else {
    memcpy(k, key, key_len);
  }
  for (size_t i = 0; i < BLOCK; i++) pad[i] = k[i] ^ 0x36;
  ok = ok && EVP_DigestInit_ex(h->ctx, h->md, NULL) && EVP_DigestUpdate(h->ctx, pad, BLOCK) &&
       EVP_DigestUpdate(h->ctx, ts, ts_len) && EVP_DigestUpdate(h->ctx, ".", 1) &&
       (payload_len == 0 || EVP_DigestUpdate(h->ctx, payload, payload_len)) && EVP_DigestFinal_ex(h->ctx, inner, &n);
  for (size_t i = 0; i < BLOCK; i++) pad[i] = k[i] ^ 0x5c;
  ok = ok && EVP_DigestInit_ex(h->ctx, h->md, NULL) && EVP_DigestUpdate(h->ctx, pad, BLOCK) &&
       EVP_DigestUpdate(h->ctx, inner, MAC_LEN) && EVP_DigestFinal_ex(h->ctx, out, &n);
  /* k holds the secret itself (or its digest); pad and inner derive from it. */
  light__secret_wipe(k, sizeof k);
  light__secret_wipe(pad, sizeof pad);
  light__secret_wipe(inner, sizeof inner);
  return ok ? 0 : -1;
}

light_status light_webhook_sign(char *out, size_t out_size, const void *payload, size_t payload_len, const char *secret,
                                size_t secret_len, int64_t timestamp) {
  static const char hex[] = "0123456789abcdef";
  if ((!payload && payload_len) || !secret || !secret_len || timestamp < 0 || !out) return LIGHT_E_INVALID_ARGUMENT;
  /* verify takes NUL-terminated secrets: a NUL inside would make sign and
   * verify use different keys, so it is refused here too. */
  if (memchr(secret, '\0', secret_len)) return LIGHT_E_INVALID_ARGUMENT;
  char ts[24];
  int ts_len = snprintf(ts, sizeof ts, "%lld", (long long)timestamp);
  if ((size_t)ts_len + 1 + 2 * MAC_LEN + 1 > out_size) return LIGHT_E_INVALID_ARGUMENT;
  hmac_ctx h;
  unsigned char mac[MAC_LEN];
  int rc = hmac_open(&h);
  if (rc == 0) rc = hmac_sign(&h, secret, secret_len, ts, (size_t)ts_len, payload, payload_len, mac);
  hmac_close(&h);
  if (rc != 0) return LIGHT_E_INTERNAL;
  memcpy(out, ts, (size_t)ts_len);
  char *w = out + ts_len;
  *w++ = '.';
  for (size_t i = 0; i < MAC_LEN; i++) {
    *w++ = hex[mac[i] >> 4];
    *w++ = hex[mac[i] & 15];
  }
  *w = '\0';
  return LIGHT_OK;
}

/* "<1..19 digits>.<64 lowercase hex>" and nothing else. Uppercase hex is
 * refused: the documented format is lowercase and a signer never emits
 * anything else, so accepting it would only widen what an attacker may send. */
static int parse_header(const char *h, int64_t *ts, const char **ts_text, size_t *ts_len, unsigned char sig[MAC_LEN]) {
  if (!h) return -1;
  int64_t v = 0;
  size_t i = 0;
  while (h[i] >= '0' && h[i] <= '9') {
    int d = h[i] - '0';
    if (i == TS_MAX_DIGITS || v > (INT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
    i++;
  }
  if (i == 0 || h[i] != '.') return -1;
  *ts = v;
  *ts_text = h;
  *ts_len = i;
  const char *x = h + i + 1;
  for (size_t j = 0; j < MAC_LEN; j++) {
    int hi, lo;
    char a = x[2 * j], b = a ? x[2 * j + 1] : '\0';
    if (a >= '0' && a <= '9')
      hi = a - '0';
    else if (a >= 'a' && a <= 'f')
      hi = a - 'a' + 10;
    else
      return -1;
    if (b >= '0' && b <= '9')
      lo = b - '0';
    else if (b >= 'a' && b <= 'f')
      lo = b - 'a' + 10;
    else
      return -1;
    sig[j] = (unsigned char)(hi << 4 | lo);
  }
  return x[2 * MAC_LEN] == '\0' ? 0 : -1;
}

static light_status sig_error(light_error *err, light_signature_reason reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static light_status sig_error(light_error *err, light_signature_reason reason, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  light__error_set(err, LIGHT_E_SIGNATURE, LIGHT_ERR_SIGNATURE_VERIFICATION, "%s", msg);
  if (err) err->signature_reason = (int)reason;
  return LIGHT_E_SIGNATURE;
}

int64_t light_webhook_tolerance_of(double seconds) {
  /* NaN fails both comparisons; no out-of-range double is ever converted. */
  if (!(seconds >= 1 && seconds <= LIGHT_WEBHOOK_MAX_TOLERANCE)) return 0;
  return (int64_t)seconds;
}

light_status light_webhook_verify(const void *payload, size_t payload_len, const char *header,
                                  const char *const *secrets, size_t n_secrets, int64_t tolerance_s, int64_t now,
                                  light_error *err) {
  if (!payload && payload_len) {
    light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "webhook payload is NULL");
    if (err) err->param = "payload";
    return LIGHT_E_INVALID_ARGUMENT;
  }
  if (tolerance_s <= 0 || tolerance_s > LIGHT_WEBHOOK_MAX_TOLERANCE) {
    light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT,
                     "tolerance must be a positive number of seconds, at most %d (default %d)",
                     LIGHT_WEBHOOK_MAX_TOLERANCE, LIGHT_WEBHOOK_DEFAULT_TOLERANCE);
    if (err) err->param = "tolerance";
    return LIGHT_E_INVALID_ARGUMENT;
  }
  size_t usable = 0;
  for (size_t i = 0; secrets && i < n_secrets; i++) usable += secrets[i] && secrets[i][0];
  if (!usable) return sig_error(err, LIGHT_SIG_NO_SECRET, "no webhook secret was given");

  int64_t ts;
  const char *ts_text;
  size_t ts_len;
  unsigned char want[MAC_LEN];
  if (parse_header(header, &ts, &ts_text, &ts_len, want) != 0)
    return sig_error(err, LIGHT_SIG_MALFORMED_HEADER,
                     "malformed " LIGHT_SIGNATURE_HEADER " header (expected <unix seconds>.<64 lowercase hex>)");

  /* Timestamps are public, so checking the window before any HMAC leaks nothing. */
  {
    if (now >= INT64_MIN + tolerance_s && ts < now - tolerance_s)
      return sig_error(err, LIGHT_SIG_TIMESTAMP_TOO_OLD, "webhook timestamp is older than the tolerance (%lld s)",
                       (long long)tolerance_s);
    if (now <= INT64_MAX - tolerance_s && ts > now + tolerance_s)
      return sig_error(err, LIGHT_SIG_TIMESTAMP_IN_FUTURE,
                       "webhook timestamp is further in the future than the tolerance (%lld s)",
                       (long long)tolerance_s);
  }

  hmac_ctx h;
  if (hmac_open(&h) != 0) {
    hmac_close(&h);
    return light__error_set(err, LIGHT_E_INTERNAL, LIGHT_ERR_LIGHT, "OpenSSL SHA-256 is unavailable");
  }
  int matched = 0, failed = 0;
  for (size_t i = 0; i < n_secrets && !matched; i++) {
    if (!secrets[i] || !secrets[i][0]) continue;
    unsigned char mac[MAC_LEN];
    if (hmac_sign(&h, secrets[i], strlen(secrets[i]), ts_text, ts_len, payload, payload_len, mac) != 0) {
      failed = 1;
      break;
    }
    matched = CRYPTO_memcmp(mac, want, MAC_LEN) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
  }
  hmac_close(&h);
  if (failed) return light__error_set(err, LIGHT_E_INTERNAL, LIGHT_ERR_LIGHT, "OpenSSL HMAC failed");
  if (!matched)
    return sig_error(err, LIGHT_SIG_MISMATCH, "webhook signature does not match the payload with any secret");
  if (err) light_error_clear(err);
  return LIGHT_OK;
}

static light_status envelope_error(light_error *err, const char *why) {
  return light__error_set(err, LIGHT_E_DECODE, LIGHT_ERR_DECODE, "webhook payload is not an event envelope: %s", why);
}

void light_webhook_envelope_init(light_json_member *m) {
  m[0].key = "event";
  m[1].key = "data";
  for (int i = 0; i < LIGHT_WEBHOOK_ENVELOPE_N; i++) {
    m[i].type = LIGHT_JSON_ABSENT;
    m[i].count = 0;
  }
}

light_status light_webhook_envelope_check(const light_json_result *res, const light_json_member *m, size_t payload_len,
                                          light_error *err) {
  if (!payload_len) return envelope_error(err, "empty payload");
  if (res->error == LIGHT_JSON_E_NOMEM) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  if (res->error == LIGHT_JSON_E_BUILDER)
    return light__error_set(err, LIGHT_E_INTERNAL, LIGHT_ERR_LIGHT, "webhook payload: the JSON builder failed");
  if (res->error != LIGHT_JSON_OK) {
    light_error why = LIGHT_ERROR_INIT;
    light_json_error(&why, res, payload_len, "body");
    light_status st = envelope_error(err, why.message ? why.message : "not valid JSON");
    light_error_clear(&why);
    return st;
  }
  const char *why = NULL;
  if (res->root != LIGHT_JSON_OBJECT)
    why = "not a JSON object";
  else if (m[0].type != LIGHT_JSON_STRING)
    why = "\"event\" is missing or not a string";
  else if (m[1].type != LIGHT_JSON_OBJECT)
    why = "\"data\" is missing or not an object";
  if (why) return envelope_error(err, why);
  if (err) light_error_clear(err);
  return LIGHT_OK;
}

/* The cJSON builder of light/json.h, with the envelope summary. */
light_status light_webhook_parse_event(cJSON **out, const void *payload, size_t payload_len, light_error *err) {
  if (!out) {
    light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "out is NULL");
    if (err) err->param = "out";
    return LIGHT_E_INVALID_ARGUMENT;
  }
  *out = NULL;
  if (!payload || !payload_len) return envelope_error(err, "empty payload");
  light_json_member m[LIGHT_WEBHOOK_ENVELOPE_N];
  light_webhook_envelope_init(m);
  light_json_result res;
  cJSON *j = light__json_to_cjson_ex(payload, payload_len, m, LIGHT_WEBHOOK_ENVELOPE_N, &res);
  light_status st = light_webhook_envelope_check(&res, m, payload_len, err);
  if (st != LIGHT_OK) {
    cJSON_Delete(j);
    return st;
  }
  *out = j;
  return LIGHT_OK;
}

light_status light_webhook_construct_event(cJSON **out, const void *payload, size_t payload_len, const char *header,
                                           const char *const *secrets, size_t n_secrets, int64_t tolerance_s,
                                           int64_t now, light_error *err) {
  if (out) *out = NULL;
  light_status st = light_webhook_verify(payload, payload_len, header, secrets, n_secrets, tolerance_s, now, err);
  if (st != LIGHT_OK) return st;
  return light_webhook_parse_event(out, payload, payload_len, err);
}
