/* Fuzz target: signature header parsing + verification + envelope parsing.
 * Input: "<header>\n<secret>\n<tolerance digits>\n<payload bytes...>".
 * Properties checked: never a crash or leak; the reason is a known one; a
 * header produced by light_webhook_sign always verifies with its secret and
 * never with another one. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "light/webhook.h"

#define NOW 1700000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in = {data, size};
  char *header = fuzz_field(&in);
  char *secret = fuzz_field(&in);
  char *tol_text = fuzz_field(&in);
  const uint8_t *payload = in.p;
  size_t plen = in.n;
  int64_t tol = strtoll(tol_text, NULL, 10);

  light_error err = LIGHT_ERROR_INIT;
  const char *secrets[3] = {"", secret, "fuzz-other-secret"};
  light_status st = light_webhook_verify(payload, plen, header, secrets, 3, tol, NOW, &err);
  int tol_ok = tol > 0 && tol <= LIGHT_WEBHOOK_MAX_TOLERANCE;
  if (!tol_ok && st != LIGHT_E_INVALID_ARGUMENT) abort(); /* nothing switches the window off */
  if (st != LIGHT_OK && tol_ok) {
    if (st != LIGHT_E_SIGNATURE || err.signature_reason < LIGHT_SIG_MALFORMED_HEADER ||
        err.signature_reason > LIGHT_SIG_NO_SECRET)
      abort();
    if (!err.message) abort();
  }
  cJSON *ev = NULL;
  st = light_webhook_construct_event(&ev, payload, plen, header, secrets, 3, tol, NOW, &err);
  if ((st == LIGHT_OK) != (ev != NULL)) abort();
  cJSON_Delete(ev);
  st = light_webhook_parse_event(&ev, payload, plen, &err);
  cJSON_Delete(ev);

  /* Round trip: sign with the fuzzed secret, verify must pass; another secret must not. */
  if (secret[0]) {
    char sig[LIGHT_SIGNATURE_MAX];
    int64_t ts = NOW - (int64_t)(plen % 100);
    if (light_webhook_sign(sig, sizeof sig, payload, plen, secret, strlen(secret), ts) != LIGHT_OK) abort();
    const char *one[1] = {secret};
    if (light_webhook_verify(payload, plen, sig, one, 1, 3600, NOW, &err) != LIGHT_OK) abort();
    const char *wrong[1] = {strcmp(secret, "x") ? "x" : "y"};
    if (light_webhook_verify(payload, plen, sig, wrong, 1, 3600, NOW, &err) != LIGHT_E_SIGNATURE) abort();
    if (err.signature_reason != LIGHT_SIG_MISMATCH) abort();
  }
  light_error_clear(&err);
  free(header);
  free(secret);
  free(tol_text);
  return 0;
}
