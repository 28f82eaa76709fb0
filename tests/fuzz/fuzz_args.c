/* Fuzz the argument rule (light/args.h, core/src/params.c): the input is a
 * program driving the streaming builder — an operation (or a raw request),
 * then sections, keys, strings (with NUL and invalid UTF-8), integers,
 * doubles from raw bits (NaN, Infinity), nested objects and arrays with any
 * announced length, unbalanced ends — the way a binding walking an arbitrary
 * native value would. Oracles: no crash/leak/UB (ASan+UBSan); a finished
 * body is valid JSON text (cJSON parses it); the request view and the query
 * replacement work on every finished result; every error has a message.
 * One input in eight builds record arguments instead (client options,
 * with_options overrides, webhook verify/sign: core/src/record.c): a
 * finished record applies without error, and is refused as call arguments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "light/args.h"
#include "light/operation.h"
#include "light/options.h"
#include "light/webhook.h"
#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct rd {
  const uint8_t *p;
  size_t n;
} rd;

static unsigned byte(rd *r) {
  if (!r->n) return 0;
  r->n--;
  return *r->p++;
}

static const char *bytes(rd *r, size_t *len) {
  size_t want = byte(r);
  if (want == 255) want = (size_t)byte(r) << 8 | byte(r); /* long strings too */
  if (want > r->n) want = r->n;
  const char *s = (const char *)r->p;
  r->p += want;
  r->n -= want;
  *len = want;
  return s;
}

static uint64_t u64(rd *r) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | byte(r);
  return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rd r = {data, size};
  light_args *a = NULL;
  unsigned pick = byte(&r), flags = byte(&r) & 7u;
  size_t nops = light_operation_count();
  int record = -1;
  if (pick >= 224) {
    record = (int)(pick % 4);
    light_args_new_record(&a, (light_args_record_kind)record, flags | (byte(&r) & 1u ? LIGHT_ARGS_CAMEL_NAMES : 0u));
  } else if (pick % (nops + 1) == nops) {
    size_t ml, pl;
    const char *m = bytes(&r, &ml), *p = bytes(&r, &pl);
    light_args_new_raw(&a, m, ml, p, pl, flags);
  } else {
    light_args_new(&a, light_operation_at(pick % (nops + 1))->id, flags);
  }
  if (!a) return 0;
  while (r.n) {
    unsigned opc = byte(&r) % 13;
    size_t len;
    const char *s;
    switch (opc) {
    case 0: light_args_section(a, (light_args_section_kind)(byte(&r) % 4)); break;
    case 1:
      s = bytes(&r, &len);
      light_args_key(a, s, len);
      break;
    case 2:
      s = bytes(&r, &len);
      light_args_string(a, s, len);
      break;
    case 3:
      s = bytes(&r, &len);
      light_args_binary(a, s, len);
      break;
    case 4: light_args_int(a, (int64_t)u64(&r)); break;
    case 5: {
      uint64_t bits = u64(&r);
      double d;
      memcpy(&d, &bits, sizeof d);
      light_args_double(a, d);
      break;
    }
    case 6: light_args_bool(a, (int)(byte(&r) & 1)); break;
    case 7: light_args_null(a); break;
    case 8: light_args_begin_object(a); break;
    case 9: light_args_begin_array(a, (size_t)(u64(&r) >> (byte(&r) % 64))); break;
    case 10: light_args_end(a); break;
    case 11: light_args_int(a, (int64_t)(byte(&r) % 200)); break; /* small numbers: valid options */
    default:
      s = bytes(&r, &len);
      if (len < 8) light_args_fail(a, "fuzz", "refused");
      break;
    }
  }
  light_status st = light_args_finish(a);
  light_error err = LIGHT_ERROR_INIT;
  if (light_args_error(a, &err) != st) abort();
  if (st != LIGHT_OK && (!err.message || !err.message[0])) abort();
  light_error_clear(&err);
  if (st == LIGHT_OK && record >= 0) {
    light__args_view v;
    if (light__args_view_get(a, &v) == LIGHT_OK) abort(); /* a record is not call arguments */
    light_client_options o;                               /* the fuzz core has no client.c: zeroed structs */
    memset(&o, 0, sizeof o);
    light_client_overrides ov = {LIGHT_CLIENT_OVERRIDES_VERSION, 0, 0, -1, NULL};
    char sig[LIGHT_SIGNATURE_MAX];
    size_t plen = 0;
    if (record == LIGHT_ARGS_CLIENT_OPTIONS && light_args_client_options(a, &o) != LIGHT_OK) abort();
    if (record == LIGHT_ARGS_CLIENT_OVERRIDES && light_args_client_overrides(a, &ov) != LIGHT_OK) abort();
    if (record >= LIGHT_ARGS_WEBHOOK_VERIFY && !light_args_payload(a, &plen)) abort();
    if (record == LIGHT_ARGS_WEBHOOK_VERIFY) {
      st = light_webhook_verify_args(a, &err);
      if (st != LIGHT_OK && st != LIGHT_E_SIGNATURE) abort();
      light_error_clear(&err);
    }
    if (record == LIGHT_ARGS_WEBHOOK_SIGN && light_webhook_sign_args(sig, sizeof sig, a, &err) != LIGHT_OK) abort();
    light_error_clear(&err);
  } else if (st == LIGHT_OK) {
    size_t blen = 0;
    const char *body = light_args_body(a, &blen);
    if (body) {
      cJSON *j = cJSON_ParseWithLength(body, blen);
      if (!j) {
        fprintf(stderr, "invalid JSON body: %.*s\n", (int)(blen > 400 ? 400 : blen), body);
        abort();
      }
      cJSON_Delete(j);
    }
    light__args_view v;
    if (light__args_view_get(a, &v) != LIGHT_OK || !v.path_query || v.path_query[0] != '/') abort();
    const cJSON *q = light_args_query(a);
    cJSON *copy = q ? cJSON_Duplicate(q, 1) : NULL;
    if (copy) cJSON_AddNumberToObject(copy, "offset", 10);
    light_args_set_query(a, copy);
    cJSON_Delete(copy);
  }
  light_args_free(a);
  return 0;
}
