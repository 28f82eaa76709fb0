/* Webhooks: sign, verify (reasons, tolerance both ways, rotation), header
 * attacks, big and binary bodies, envelope parsing, the 18 event names. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "light/webhook.h"

#define NOW 1700000000LL
static const char SECRET[] = "whsec_test";
static const char EVENT[] = "{\"event\":\"enrollment.finalized\",\"data\":{}}";

static light_status verify1(const void *p, size_t n, const char *header, const char *secret, int64_t tol, int64_t now,
                            light_error *err) {
  const char *s[1] = {secret};
  return light_webhook_verify(p, n, header, s, 1, tol, now, err);
}

/* Expect LIGHT_E_SIGNATURE with reason r; the message must never hold the secret. */
#define CHECK_REASON(call, r, err)                             \
  do {                                                         \
    CHECK_INT((call), LIGHT_E_SIGNATURE);                      \
    CHECK_INT((err).code, LIGHT_E_SIGNATURE);                  \
    CHECK_INT((err).kind, LIGHT_ERR_SIGNATURE_VERIFICATION);   \
    CHECK_INT((err).signature_reason, (r));                    \
    CHECK((err).message && !strstr((err).message, "whsec"));   \
    CHECK((err).message && !strstr((err).message, "rotated")); \
  } while (0)

static void test_events(void) {
  static const char *const want[] = {"enrollment.plan_requested",
                                     "enrollment.plan_accepted",
                                     "enrollment.identity_updated",
                                     "enrollment.finalized",
                                     "account.payment_method_added",
                                     "account.billing_address_updated",
                                     "account.payment_failed",
                                     "account.payment_successful",
                                     "account.invoice_sent",
                                     "location.service_active",
                                     "location.service_canceled",
                                     "location.usage_history_available",
                                     "location.renewal_plan_requested",
                                     "location.renewal_plan_accepted",
                                     "location.renewal_email_sent",
                                     "comparison_invoice.processed",
                                     "usage_profile.completed",
                                     "usage_profile.failed"};
  CHECK_INT(light_event_count(), 18);
  for (size_t i = 0; i < 18; i++) CHECK_STR(light_event_at(i), want[i]);
  CHECK(light_event_at(18) == NULL);
  CHECK(light_event_at((size_t)-1) == NULL);
  CHECK_STR(LIGHT_EVENT_USAGE_PROFILE_FAILED, "usage_profile.failed");
  CHECK_STR(LIGHT_EVENT_LOCATION_SERVICE_CANCELED, "location.service_canceled");
}

static void test_sign(void) {
  char sig[LIGHT_SIGNATURE_MAX];
  CHECK_INT(light_webhook_sign(sig, sizeof sig, EVENT, strlen(EVENT), SECRET, strlen(SECRET), NOW), LIGHT_OK);
  /* Known answer (Python: hmac.new(b"whsec_test", b"1700000000." + body, sha256)). */
  CHECK_STR(sig, "1700000000.53edb8c9897bc4cbaac9cfa29ba30efebfdffc2774cc7b0f94e0c2f314c6dfe9");
  /* Key longer than the SHA-256 block is hashed first (RFC 2104). */
  char key[101];
  memset(key, 'k', 100);
  key[100] = 0;
  CHECK_INT(light_webhook_sign(sig, sizeof sig, "", 0, key, 100, 0), LIGHT_OK);
  CHECK_STR(sig, "0.243c2f8200e1d4ee892e7a7ded377a65e2beb1c64b997c54b8b0f516216d4b0f");
  CHECK_INT(light_webhook_sign(sig, sizeof sig, NULL, 0, key, 100, 0), LIGHT_OK);
  CHECK_STR(sig, "0.243c2f8200e1d4ee892e7a7ded377a65e2beb1c64b997c54b8b0f516216d4b0f");

  /* Cross-check with OpenSSL's HMAC() over many key sizes and binary payloads. */
  unsigned char payload[3000];
  for (size_t i = 0; i < sizeof payload; i++) payload[i] = (unsigned char)(i * 131 + 7);
  for (size_t klen = 1; klen <= 130; klen += 7) {
    char k[131];
    for (size_t i = 0; i < klen; i++) k[i] = (char)('A' + (i * 7 + klen) % 26);
    size_t plen = (klen * 37) % sizeof payload;
    CHECK_INT(light_webhook_sign(sig, sizeof sig, payload, plen, k, klen, 1234567890), LIGHT_OK);
    unsigned char *msg = malloc(11 + plen + 1);
    memcpy(msg, "1234567890.", 11);
    memcpy(msg + 11, payload, plen);
    unsigned char mac[32];
    unsigned int mlen = 0;
    HMAC(EVP_sha256(), k, (int)klen, msg, 11 + plen, mac, &mlen);
    free(msg);
    char hexmac[65];
    for (int i = 0; i < 32; i++) snprintf(hexmac + 2 * i, 3, "%02x", mac[i]);
    CHECK(strlen(sig) == 11 + 64 && strcmp(sig + 11, hexmac) == 0);
  }

  /* Refusals. */
  CHECK_INT(light_webhook_sign(sig, sizeof sig, EVENT, 5, NULL, 0, NOW), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_webhook_sign(sig, sizeof sig, EVENT, 5, "", 0, NOW), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_webhook_sign(sig, sizeof sig, NULL, 5, SECRET, 10, NOW), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_webhook_sign(sig, sizeof sig, EVENT, 5, SECRET, 10, -1), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_webhook_sign(NULL, 96, EVENT, 5, SECRET, 10, NOW), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_webhook_sign(sig, 75, EVENT, 5, SECRET, 10, NOW), LIGHT_E_INVALID_ARGUMENT); /* needs 76 */
  CHECK_INT(light_webhook_sign(sig, 76, EVENT, 5, SECRET, 10, NOW), LIGHT_OK);
  CHECK_INT(strlen(sig), 75);
  /* The largest timestamp fits LIGHT_SIGNATURE_MAX. */
  CHECK_INT(light_webhook_sign(sig, sizeof sig, EVENT, 5, SECRET, 10, INT64_MAX), LIGHT_OK);
  CHECK(strncmp(sig, "9223372036854775807.", 20) == 0);
}

static void test_verify(void) {
  light_error err = LIGHT_ERROR_INIT;
  char sig[LIGHT_SIGNATURE_MAX];
  size_t n = strlen(EVENT);
  light_webhook_sign(sig, sizeof sig, EVENT, n, SECRET, strlen(SECRET), NOW);
  CHECK_INT(verify1(EVENT, n, sig, SECRET, 3600, NOW, &err), LIGHT_OK);
  CHECK_INT(err.code, LIGHT_OK);

  /* Payload changed by one byte, or truncated, or wrong secret. */
  char changed[sizeof EVENT];
  memcpy(changed, EVENT, sizeof EVENT);
  changed[10] ^= 1;
  CHECK_REASON(verify1(changed, n, sig, SECRET, 3600, NOW, &err), LIGHT_SIG_MISMATCH, err);
  CHECK_REASON(verify1(EVENT, n - 1, sig, SECRET, 3600, NOW, &err), LIGHT_SIG_MISMATCH, err);
  CHECK_REASON(verify1(EVENT, n, sig, "whsec_other", 3600, NOW, &err), LIGHT_SIG_MISMATCH, err);
  /* Another timestamp in the header with the same hex: mismatch (ts is signed). */
  char moved[LIGHT_SIGNATURE_MAX];
  memcpy(moved, sig, sizeof sig);
  moved[9] = '1';
  CHECK_REASON(verify1(EVENT, n, moved, SECRET, 3600, NOW, &err), LIGHT_SIG_MISMATCH, err);

  /* Tolerance both ways, boundaries inclusive. */
  CHECK_INT(verify1(EVENT, n, sig, SECRET, 3600, NOW + 3600, &err), LIGHT_OK);
  CHECK_REASON(verify1(EVENT, n, sig, SECRET, 3600, NOW + 3601, &err), LIGHT_SIG_TIMESTAMP_TOO_OLD, err);
  CHECK_INT(verify1(EVENT, n, sig, SECRET, 3600, NOW - 3600, &err), LIGHT_OK);
  CHECK_REASON(verify1(EVENT, n, sig, SECRET, 3600, NOW - 3601, &err), LIGHT_SIG_TIMESTAMP_IN_FUTURE, err);
  CHECK_REASON(verify1(EVENT, n, sig, SECRET, 300, NOW + 301, &err), LIGHT_SIG_TIMESTAMP_TOO_OLD, err);
  /* Nothing turns the window off: 0, negative and huge tolerances are refused. */
  CHECK_INT(verify1(EVENT, n, sig, SECRET, 0, NOW + 100000000, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(err.param && strcmp(err.param, "tolerance") == 0);
  CHECK_INT(verify1(EVENT, n, sig, SECRET, -1, 0, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(verify1(EVENT, n, sig, SECRET, LIGHT_WEBHOOK_MAX_TOLERANCE + 1, NOW, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(verify1(EVENT, n, sig, SECRET, LIGHT_WEBHOOK_MAX_TOLERANCE, NOW, &err), LIGHT_OK);
  /* A secret with a NUL inside: sign refuses it (verify's secrets are C strings). */
  CHECK_INT(light_webhook_sign(sig, sizeof sig, EVENT, n, "whsec_dev\0REAL", 14, NOW), LIGHT_E_INVALID_ARGUMENT);
  light_webhook_sign(sig, sizeof sig, EVENT, n, SECRET, strlen(SECRET), NOW);
  /* Window check happens before the HMAC: an old, wrongly signed header says too old. */
  CHECK_REASON(verify1(changed, n, sig, SECRET, 3600, NOW + 7200, &err), LIGHT_SIG_TIMESTAMP_TOO_OLD, err);
  /* Extreme clocks do not overflow. */
  CHECK_REASON(verify1(EVENT, n, sig, SECRET, LIGHT_WEBHOOK_MAX_TOLERANCE, INT64_MIN, &err),
               LIGHT_SIG_TIMESTAMP_IN_FUTURE, err);
  CHECK_INT(verify1(EVENT, n, sig, SECRET, INT64_MAX, NOW, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_REASON(verify1(EVENT, n, sig, SECRET, 10, INT64_MIN, &err), LIGHT_SIG_TIMESTAMP_IN_FUTURE, err);
  CHECK_REASON(verify1(EVENT, n, sig, SECRET, 10, INT64_MAX, &err), LIGHT_SIG_TIMESTAMP_TOO_OLD, err);

  /* Rotation: any of several secrets; empty/NULL ones are ignored. */
  const char *rot[] = {"whsec_rotated_old", NULL, "", SECRET};
  CHECK_INT(light_webhook_verify(EVENT, n, sig, rot, 4, 3600, NOW, &err), LIGHT_OK);
  CHECK_REASON(light_webhook_verify(EVENT, n, sig, rot, 3, 3600, NOW, &err), LIGHT_SIG_MISMATCH, err);
  const char *none[] = {NULL, ""};
  CHECK_REASON(light_webhook_verify(EVENT, n, sig, none, 2, 3600, NOW, &err), LIGHT_SIG_NO_SECRET, err);
  CHECK_REASON(light_webhook_verify(EVENT, n, sig, NULL, 3, 3600, NOW, &err), LIGHT_SIG_NO_SECRET, err);
  CHECK_REASON(light_webhook_verify(EVENT, n, sig, rot, 0, 3600, NOW, &err), LIGHT_SIG_NO_SECRET, err);

  /* NULL payload with a length: argument error; NULL err is fine. */
  CHECK_INT(verify1(NULL, 5, sig, SECRET, 3600, NOW, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(err.kind, LIGHT_ERR_INVALID_ARGUMENT);
  CHECK_STR(err.param, "payload");
  CHECK_INT(verify1(EVENT, n, sig, SECRET, 3600, NOW, NULL), LIGHT_OK);
  CHECK_INT(verify1(EVENT, n, "x", SECRET, 3600, NOW, NULL), LIGHT_E_SIGNATURE);
  /* Empty payload signs and verifies. */
  light_webhook_sign(sig, sizeof sig, NULL, 0, SECRET, strlen(SECRET), NOW);
  CHECK_INT(verify1(NULL, 0, sig, SECRET, 3600, NOW, &err), LIGHT_OK);
  CHECK_INT(verify1("", 0, sig, SECRET, 3600, NOW, &err), LIGHT_OK);
  light_error_clear(&err);
}

static void test_malformed(void) {
  light_error err = LIGHT_ERROR_INIT;
  char sig[LIGHT_SIGNATURE_MAX];
  size_t n = strlen(EVENT);
  light_webhook_sign(sig, sizeof sig, EVENT, n, SECRET, strlen(SECRET), NOW);
  const char *hexpart = sig + 11;
  char up[LIGHT_SIGNATURE_MAX];
  memcpy(up, sig, sizeof sig);
  for (char *p = up; *p; p++)
    if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 32);
  char buf[300];
  const char *bad[] = {
      "",
      ".",
      "1700000000",
      "1700000000.",
      hexpart, /* no timestamp */
      "abc.def",
      "1700000000.zz",
      "1700000000..",
      "-1700000000.x",
      "+1700000000.x",
      " 1700000000.x",
      "17000000000000000000.0000000000000000000000000000000000000000000000000000000000000000", /* 20 digits */
      "9223372036854775808.0000000000000000000000000000000000000000000000000000000000000000",  /* > INT64_MAX */
      "0x10.0000000000000000000000000000000000000000000000000000000000000000",
      "1.2.0000000000000000000000000000000000000000000000000000000000000000",
      up, /* uppercase hex: the documented format is lowercase */
      "t=1700000000,v1=00",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_REASON(verify1(EVENT, n, bad[i], SECRET, 3600, NOW, &err), LIGHT_SIG_MALFORMED_HEADER, err);
  CHECK_REASON(verify1(EVENT, n, NULL, SECRET, 3600, NOW, &err), LIGHT_SIG_MALFORMED_HEADER, err);
  /* Wrong hex length: one short, one long, trailing space/newline. */
  snprintf(buf, sizeof buf, "%.*s", (int)strlen(sig) - 1, sig);
  CHECK_REASON(verify1(EVENT, n, buf, SECRET, 3600, NOW, &err), LIGHT_SIG_MALFORMED_HEADER, err);
  snprintf(buf, sizeof buf, "%s0", sig);
  CHECK_REASON(verify1(EVENT, n, buf, SECRET, 3600, NOW, &err), LIGHT_SIG_MALFORMED_HEADER, err);
  snprintf(buf, sizeof buf, "%s ", sig);
  CHECK_REASON(verify1(EVENT, n, buf, SECRET, 3600, NOW, &err), LIGHT_SIG_MALFORMED_HEADER, err);
  snprintf(buf, sizeof buf, "%s\r\n", sig);
  CHECK_REASON(verify1(EVENT, n, buf, SECRET, 3600, NOW, &err), LIGHT_SIG_MALFORMED_HEADER, err);
  /* Two signatures separated by a comma/space: not this format. */
  snprintf(buf, sizeof buf, "%s,%s", sig, sig);
  CHECK_REASON(verify1(EVENT, n, buf, SECRET, 3600, NOW, &err), LIGHT_SIG_MALFORMED_HEADER, err);
  /* 19-digit timestamp is well-formed (then too far in the future). */
  CHECK_REASON(verify1(EVENT, n, "9223372036854775807.0000000000000000000000000000000000000000000000000000000000000000",
                       SECRET, 3600, NOW, &err),
               LIGHT_SIG_TIMESTAMP_IN_FUTURE, err);
  /* Leading zeros parse, but the HMAC covers the timestamp text as sent: mismatch. */
  char zeros[LIGHT_SIGNATURE_MAX + 4];
  snprintf(zeros, sizeof zeros, "000%s", sig);
  CHECK_REASON(verify1(EVENT, n, zeros, SECRET, 3600, NOW, &err), LIGHT_SIG_MISMATCH, err);
  light_error_clear(&err);
}

static void test_big_and_binary(void) {
  light_error err = LIGHT_ERROR_INIT;
  size_t big = 1 << 20;
  unsigned char *p = malloc(big);
  for (size_t i = 0; i < big; i++) p[i] = (unsigned char)(i % 251); /* includes NUL bytes */
  char sig[LIGHT_SIGNATURE_MAX];
  CHECK_INT(light_webhook_sign(sig, sizeof sig, p, big, SECRET, strlen(SECRET), NOW), LIGHT_OK);
  CHECK_INT(verify1(p, big, sig, SECRET, 3600, NOW, &err), LIGHT_OK);
  p[big / 2] ^= 0x80;
  CHECK_REASON(verify1(p, big, sig, SECRET, 3600, NOW, &err), LIGHT_SIG_MISMATCH, err);
  free(p);
  /* A NUL in the middle of the body is part of the signed bytes. */
  const char nul[] = "{\"a\":1}\0tail";
  light_webhook_sign(sig, sizeof sig, nul, sizeof nul - 1, SECRET, strlen(SECRET), NOW);
  CHECK_INT(verify1(nul, sizeof nul - 1, sig, SECRET, 3600, NOW, &err), LIGHT_OK);
  CHECK_REASON(verify1(nul, 7, sig, SECRET, 3600, NOW, &err), LIGHT_SIG_MISMATCH, err);
  /* A secret with a NUL-free binary-ish content. */
  const char *bin = "\x01\x02\xff secret";
  light_webhook_sign(sig, sizeof sig, nul, 7, bin, strlen(bin), NOW);
  CHECK_INT(verify1(nul, 7, sig, bin, 3600, NOW, &err), LIGHT_OK);
  light_error_clear(&err);
}

static void test_parse_event(void) {
  light_error err = LIGHT_ERROR_INIT;
  cJSON *ev = NULL;
  const char full[] =
      "{\"uuid\":\"e-1\",\"created_at\":\"2024-05-01T00:00:00Z\",\"api_version\":\"v1\","
      "\"event\":\"usage_profile.failed\",\"data\":{\"usage_profile\":{\"error_message\":\"x\"}},\"new_key\":[1]}";
  CHECK_INT(light_webhook_parse_event(&ev, full, sizeof full - 1, &err), LIGHT_OK);
  CHECK_STR(cJSON_GetObjectItem(ev, "event")->valuestring, "usage_profile.failed");
  CHECK_STR(cJSON_GetObjectItem(ev, "uuid")->valuestring, "e-1");
  CHECK(cJSON_GetObjectItem(ev, "new_key") != NULL); /* unknown keys kept */
  cJSON_Delete(ev);

  const char *bad[] = {"",
                       "not json",
                       "[]",
                       "{\"data\":{}}",
                       "{\"event\":1,\"data\":{}}",
                       "{\"event\":\"x\"}",
                       "{\"event\":\"x\",\"data\":[]}",
                       "{\"event\":\"x\",\"data\":{}} x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ev = (cJSON *)1;
    CHECK_INT(light_webhook_parse_event(&ev, bad[i], strlen(bad[i]), &err), LIGHT_E_DECODE);
    CHECK(ev == NULL);
    CHECK_INT(err.kind, LIGHT_ERR_DECODE);
    CHECK(err.message && strstr(err.message, "event envelope"));
  }
  CHECK_INT(light_webhook_parse_event(&ev, NULL, 0, &err), LIGHT_E_DECODE);
  CHECK_INT(light_webhook_parse_event(NULL, full, sizeof full - 1, &err), LIGHT_E_INVALID_ARGUMENT);
  /* Deep nesting inside data: a decode error, not a crash. */
  size_t depth = 10000;
  char *deep = malloc(depth * 2 + 40);
  int k = sprintf(deep, "{\"event\":\"x\",\"data\":");
  memset(deep + k, '[', depth);
  memset(deep + k + depth, ']', depth);
  deep[k + 2 * depth] = '}';
  CHECK_INT(light_webhook_parse_event(&ev, deep, (size_t)k + 2 * depth + 1, &err), LIGHT_E_DECODE);
  free(deep);
  light_error_clear(&err);
}

static void test_construct_event(void) {
  light_error err = LIGHT_ERROR_INIT;
  char sig[LIGHT_SIGNATURE_MAX];
  cJSON *ev = NULL;
  const char *secrets[] = {"whsec_rotated_new", SECRET};
  light_webhook_sign(sig, sizeof sig, EVENT, strlen(EVENT), SECRET, strlen(SECRET), NOW);
  CHECK_INT(light_webhook_construct_event(&ev, EVENT, strlen(EVENT), sig, secrets, 2, LIGHT_WEBHOOK_DEFAULT_TOLERANCE,
                                          NOW + 5, &err),
            LIGHT_OK);
  CHECK(ev && strcmp(cJSON_GetObjectItem(ev, "event")->valuestring, LIGHT_EVENT_ENROLLMENT_FINALIZED) == 0);
  cJSON_Delete(ev);
  ev = (cJSON *)1;
  CHECK_REASON(light_webhook_construct_event(&ev, EVENT, strlen(EVENT), sig, secrets, 1, 3600, NOW, &err),
               LIGHT_SIG_MISMATCH, err);
  CHECK(ev == NULL);
  /* Valid signature over a body that is not an envelope. */
  light_webhook_sign(sig, sizeof sig, "[1]", 3, SECRET, strlen(SECRET), NOW);
  CHECK_INT(light_webhook_construct_event(&ev, "[1]", 3, sig, secrets, 2, 3600, NOW, &err), LIGHT_E_DECODE);
  CHECK(ev == NULL);
  /* Every event name round-trips through sign + construct. */
  for (size_t i = 0; i < light_event_count(); i++) {
    char body[200];
    int n = snprintf(body, sizeof body, "{\"uuid\":\"u\",\"api_version\":\"v1\",\"event\":\"%s\",\"data\":{}}",
                     light_event_at(i));
    light_webhook_sign(sig, sizeof sig, body, (size_t)n, SECRET, strlen(SECRET), NOW);
    CHECK_INT(light_webhook_construct_event(&ev, body, (size_t)n, sig, secrets, 2, 3600, NOW, &err), LIGHT_OK);
    CHECK(ev && strcmp(cJSON_GetObjectItem(ev, "event")->valuestring, light_event_at(i)) == 0);
    cJSON_Delete(ev);
  }
  light_error_clear(&err);
}

int main(void) {
  test_events();
  test_sign();
  test_verify();
  test_malformed();
  test_big_and_binary();
  test_parse_event();
  test_construct_event();
  TEST_MAIN_END();
}
