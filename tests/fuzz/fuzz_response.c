/* Fuzz target: response handling — error-body message extraction, JSON
 * decoding, header lookup, Retry-After, classification into a light_error.
 * Input: "<status digits>\n<raw header block, '\n'-free lines joined by '\r'>\n<body bytes...>"
 * (the header block's '\r' become "\r\n" line ends). Properties: never a
 * crash, leak or unbounded read; a decoded body is valid JSON; messages are
 * at most 1024 bytes; the error keeps the exact body bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in = {data, size};
  char *status_text = fuzz_field(&in);
  char *raw_headers = fuzz_field(&in);
  int status = atoi(status_text);
  /* Body: exactly the remaining bytes, in a buffer of their size (no NUL after). */
  size_t blen = in.n;
  char *body = malloc(blen ? blen : 1);
  if (blen) memcpy(body, in.p, blen);

  light__buf h = {0};
  for (char *p = raw_headers; *p; p++) {
    if (*p == '\r')
      light__buf_append(&h, "\r\n", 2);
    else
      light__buf_append(&h, p, 1);
  }

  char *msg = light__codec_error_message(body, blen);
  if (msg && strlen(msg) > 1024) abort();
  free(msg);

  light_error err = LIGHT_ERROR_INIT;
  cJSON *j = NULL;
  light_status st = light__codec_parse_json(body, blen, &j, &err);
  if (st == LIGHT_OK && j) {
    char *text = cJSON_PrintUnformatted(j);
    if (text) {
      cJSON *again = cJSON_Parse(text);
      if (!again) abort();
      cJSON_Delete(again);
      free(text);
    }
    cJSON_Delete(j);
  } else if (st != LIGHT_OK && (st != LIGHT_E_DECODE || err.body_len != blen)) {
    abort();
  }

  static const char *const names[] = {"X-Request-Id", "Retry-After", "Content-Type", "a"};
  for (size_t i = 0; i < 4; i++) {
    char *v = light__codec_header_get(h.data, h.len, names[i]);
    if (v) {
      (void)light__codec_retry_after(v, 1700000000000LL);
      free(v);
    }
  }
  (void)light__codec_retry_after(raw_headers, 1700000000000LL);
  (void)light__codec_retry_after(status_text, 0);

  light__codec_api_error(&err, status, h.data, h.len, body, blen, status & 3, 1700000000000LL);
  if (err.code != LIGHT_E_API || err.kind != light__codec_kind_for_status(status)) abort();
  if (!err.message || err.body_len != blen || (blen && memcmp(err.body, body, blen) != 0)) abort();

  light__retry_policy pol = {2, 0.5, 8, 60};
  long d = light__retry_delay(&pol, status & 3, status & 1, status, status & 7, err.retry_after, 0.5);
  if (d < -1) abort();

  light_error_clear(&err);
  light__buf_free(&h);
  free(body);
  free(status_text);
  free(raw_headers);
  return 0;
}
