/* Fuzz target: the core's JSON parser (core/src/json_parse.c), differential
 * against cJSON. Input: the JSON text, exactly (no NUL terminator after).
 *
 * Properties (any failure aborts, so libFuzzer keeps the input):
 * - never a crash, leak, overflow or UB (ASan/UBSan);
 * - validating (no builder), the cJSON builder and a counting builder agree
 *   on accept/reject, the error code, its offset and the value count;
 * - accepted → cJSON accepts too and both trees are equal: same types, same
 *   strings (as C strings: cJSON cuts at NUL, so does the C API's tree), the
 *   same doubles bit for bit (both correctly rounded; numbers longer than
 *   cJSON's 63-character buffer are not compared);
 * - refused while cJSON accepts → only for the rules cJSON does not enforce:
 *   syntax (leading zeros, raw control characters, "1.", ...), invalid UTF-8
 *   and numbers beyond exact; never depth (both stop past 1000 levels) and
 *   never a surrogate (cJSON refuses lone ones too);
 * - the offset of a refusal lies inside the text; values never exceed the limit. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "light/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                   \
  do {                                                                             \
    if (!(c)) {                                                                    \
      fprintf(stderr, "fuzz_json: property failed: %s (line %d)\n", #c, __LINE__); \
      abort();                                                                     \
    }                                                                              \
  } while (0)

static int same_tree(const cJSON *a, const cJSON *b, int cmp_numbers) {
  if ((a->type & 0xFF) != (b->type & 0xFF)) return 0;
  if ((a->string == NULL) != (b->string == NULL)) return 0;
  if (a->string && strcmp(a->string, b->string) != 0) return 0;
  switch (a->type & 0xFF) {
  case cJSON_Number:
    if (cmp_numbers && memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) != 0 &&
        !(a->valuedouble == 0 && b->valuedouble == 0))
      return 0;
    return 1;
  case cJSON_String: return strcmp(a->valuestring, b->valuestring) == 0;
  case cJSON_Array:
  case cJSON_Object: {
    const cJSON *x = a->child, *y = b->child;
    for (; x && y; x = x->next, y = y->next)
      if (!same_tree(x, y, cmp_numbers)) return 0;
    return !x && !y;
  }
  default: return 1;
  }
}

/* a builder that only counts, returning non-NULL handles */
static size_t counted;
static int c_scalar(void *ud, const light_json_slot *at, const light_json_scalar *v) {
  counted++;
  if (v->type == LIGHT_JSON_NUMBER && v->is_integer)
    CHECK(v->i <= LIGHT_JSON_MAX_SAFE_INTEGER && v->i >= -LIGHT_JSON_MAX_SAFE_INTEGER);
  if (v->type == LIGHT_JSON_NUMBER) CHECK(isfinite(v->d));
  if (at->parent_type == LIGHT_JSON_OBJECT) CHECK(at->key != NULL || at->key_len == 0);
  return 0;
}
static void *c_begin(void *ud, const light_json_slot *at, light_json_type t) {
  counted++;
  CHECK(at->depth < LIGHT_JSON_MAX_DEPTH);
  return ud;
}
static int c_end(void *ud, const light_json_slot *at, void *c, light_json_type t, size_t n) {
  CHECK(c == ud && at->key == NULL);
  return 0;
}
static const light_json_builder counter = {c_scalar, c_begin, c_end};

static int all_space(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return 0;
  return 1;
}

/* a run of number characters longer than cJSON's buffer */
static int has_long_number(const char *p, size_t n) {
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    run = (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' ? run + 1 : 0;
    if (run >= 60) return 1;
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size ? size : 1);
  if (size) memcpy(text, data, size);

  light_json_result r1, r2, r3;
  light_json_errc e1 = light_json_parse(text, size, NULL, NULL, NULL, &r1);
  counted = 0;
  int dummy;
  light_json_errc e2 = light_json_parse(text, size, &counter, &dummy, NULL, &r2);
  cJSON *mine = light__json_to_cjson_ex(text, size, NULL, 0, &r3);
  CHECK(e1 == e2 && e1 == r3.error);
  CHECK(r1.offset == r2.offset && r1.offset == r3.offset);
  CHECK(r1.values == r2.values && r1.values == r3.values);
  CHECK(r1.values <= LIGHT_JSON_MAX_VALUES);
  CHECK(r1.offset <= size);
  if (e1 == LIGHT_JSON_OK)
    CHECK(counted == r1.values && mine != NULL);
  else
    CHECK(mine == NULL);

  /* a summary never changes the outcome */
  light_json_member m[3] = {{"data", 0, 0, 0}, {"a", 0, 0, 0}, {"", 0, 0, 0}};
  light_json_options opt = {0, 0, m, 3};
  light_json_result r4;
  CHECK(light_json_parse(text, size, NULL, NULL, &opt, &r4) == e1 && r4.offset == r1.offset);
  if (e1 == LIGHT_JSON_OK && r4.root == LIGHT_JSON_OBJECT) {
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(mine, "data");
    if (m[0].type == LIGHT_JSON_ARRAY) CHECK(cJSON_IsArray(d)); /* last duplicate vs first: only the type class */
  }

  /* the reference */
  const char *end = NULL;
  cJSON *ref = cJSON_ParseWithLengthOpts(text, size, &end, 0);
  if (ref) {
    size_t used = end && end >= text && end <= text + size ? (size_t)(end - text) : size;
    if (!all_space(text + used, size - used)) {
      cJSON_Delete(ref);
      ref = NULL;
    }
  }
  if (e1 == LIGHT_JSON_OK) {
    CHECK(ref != NULL);
    CHECK(same_tree(mine, ref, !has_long_number(text, size)));
  } else if (ref) {
    CHECK(e1 == LIGHT_JSON_E_SYNTAX || e1 == LIGHT_JSON_E_UTF8 || e1 == LIGHT_JSON_E_NUMBER);
  }
  light_error err = LIGHT_ERROR_INIT;
  if (e1 != LIGHT_JSON_OK) {
    light_status st = light_json_error(&err, &r1, size, "response body");
    CHECK(st == LIGHT_E_DECODE || st == LIGHT_E_TOO_LARGE);
    CHECK(err.message != NULL);
    /* a result outlives the options it was parsed with (they are often on a callee's stack) */
    CHECK(light_json_error(&err, &r3, size, "response body") == st && light_json_error(&err, &r4, size, "x") == st);
  }
  light_error_clear(&err);
  cJSON_Delete(mine);
  cJSON_Delete(ref);
  free(text);
  return 0;
}
