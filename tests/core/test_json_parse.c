/* The core's JSON parser (light/json.h): accept/reject decisions, values,
 * error codes and offsets, the limits, summaries, builder failures, and the
 * cJSON builder against cJSON_Parse. No I/O. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "light/json.h"

/* A builder that prints a canonical form of what it is given: strings with
 * every byte < 0x20 as \u00XX (so a NUL shows), numbers as i:<int> or
 * d:<%.17g>; fails on purpose at value number `fail_at` (1-based). */
typedef struct printer {
  char *out;
  size_t len, cap;
  size_t calls, fail_at;
  int ends_ok;
} printer;

static void put(printer *p, const char *s, size_t n) {
  if (p->len + n + 1 > p->cap) {
    p->cap = (p->len + n + 1) * 2;
    p->out = realloc(p->out, p->cap);
  }
  memcpy(p->out + p->len, s, n);
  p->len += n;
  p->out[p->len] = '\0';
}

static void puts_(printer *p, const char *s) { put(p, s, strlen(s)); }

static void put_str(printer *p, const char *s, size_t n) {
  puts_(p, "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == '"' || c == '\\') {
      char e[8];
      snprintf(e, sizeof e, "\\u%04x", c);
      puts_(p, e);
    } else {
      put(p, (const char *)&c, 1);
    }
  }
  puts_(p, "\"");
}

static void prefix(printer *p, const light_json_slot *at) {
  if (at->parent && at->index) puts_(p, ",");
  if (at->parent_type == LIGHT_JSON_OBJECT) {
    put_str(p, at->key, at->key_len);
    puts_(p, ":");
  }
}

static int pr_scalar(void *ud, const light_json_slot *at, const light_json_scalar *v) {
  printer *p = ud;
  if (++p->calls == p->fail_at) return -1;
  prefix(p, at);
  char buf[64];
  switch (v->type) {
  case LIGHT_JSON_NULL: puts_(p, "null"); break;
  case LIGHT_JSON_TRUE: puts_(p, "true"); break;
  case LIGHT_JSON_FALSE: puts_(p, "false"); break;
  case LIGHT_JSON_STRING: put_str(p, v->str, v->len); break;
  case LIGHT_JSON_NUMBER:
    if (v->is_integer)
      snprintf(buf, sizeof buf, "i:%lld", (long long)v->i);
    else
      snprintf(buf, sizeof buf, "d:%.17g", v->d);
    puts_(p, buf);
    break;
  default: puts_(p, "?"); break;
  }
  return 0;
}

static void *pr_begin(void *ud, const light_json_slot *at, light_json_type t) {
  printer *p = ud;
  if (++p->calls == p->fail_at) return NULL;
  prefix(p, at);
  puts_(p, t == LIGHT_JSON_OBJECT ? "{" : "[");
  return p;
}

static int pr_end(void *ud, const light_json_slot *at, void *c, light_json_type t, size_t count) {
  printer *p = ud;
  if (c != p || at->key != NULL) p->ends_ok = 0;
  puts_(p, t == LIGHT_JSON_OBJECT ? "}" : "]");
  return 0;
}

static const light_json_builder printer_fns = {pr_scalar, pr_begin, pr_end};

/* Parse and print; returns the errc, *out the canonical text (static buffer). */
static printer canon_p;

static light_json_errc canon(const char *text, size_t len, const char **out, light_json_result *res) {
  printer p = canon_p;
  free(p.out);
  memset(&p, 0, sizeof p);
  p.ends_ok = 1;
  put(&p, "", 0);
  light_json_result r;
  light_json_errc e = light_json_parse(text, len, &printer_fns, &p, NULL, res ? res : &r);
  CHECK(p.ends_ok);
  canon_p = p;
  *out = canon_p.out;
  return e;
}

static void accept_(const char *text, const char *want) {
  const char *got;
  light_json_errc e = canon(text, strlen(text), &got, NULL);
  if (e != LIGHT_JSON_OK) fprintf(stderr, "refused (%d): %s\n", (int)e, text);
  CHECK_INT(e, LIGHT_JSON_OK);
  CHECK_STR(got, want);
}

static void refuse_n(const char *text, size_t len, light_json_errc want, size_t at) {
  const char *got;
  light_json_result res;
  light_json_errc e = canon(text, len, &got, &res);
  if (e != want) fprintf(stderr, "input: %.*s\n", (int)len, text);
  CHECK_INT(e, want);
  CHECK_INT(res.error, want);
  if (at != (size_t)-1) CHECK_INT(res.offset, at);
}

static void refuse(const char *text, light_json_errc want, size_t at) { refuse_n(text, strlen(text), want, at); }

static void test_values(void) {
  accept_("null", "null");
  accept_(" \t\r\n true \n", "true");
  accept_("[false,null,true]", "[false,null,true]");
  accept_("0", "i:0");
  accept_("-0", "i:0");
  accept_("[1,-1,123456789]", "[i:1,i:-1,i:123456789]");
  accept_("9007199254740991", "i:9007199254740991");
  accept_("-9007199254740991", "i:-9007199254740991");
  accept_("1.5", "d:1.5");
  accept_("-0.0", "d:-0");
  accept_("0.1", "d:0.10000000000000001");
  accept_("1e3", "d:1000");
  accept_("1E+3", "d:1000");
  accept_("25e-1", "d:2.5");
  accept_("1e-400", "d:0");
  accept_("1.7976931348623157e308", "d:1.7976931348623157e+308");
  accept_("123456789012345678901234567890e-10", "d:1.2345678901234567e+19");
  accept_("0.000000000000000000000000000001", "d:1.0000000000000001e-30");
  accept_("\"\"", "\"\"");
  accept_("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"a\\u0022b\\u005cc/d\\u0008\\u000c\\u000a\\u000d\\u0009\"");
  accept_("\"before\\u0000after\"", "\"before\\u0000after\""); /* NUL kept, with its length */
  accept_("\"\\u00e9\\u20ac\\ud83d\\ude00\"", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  accept_("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"",
          "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"");
  accept_("{}", "{}");
  accept_("[]", "[]");
  accept_("{\"a\":1,\"b\":[1,{\"c\":\"12.34\"}],\"a\":2}", "{\"a\":i:1,\"b\":[i:1,{\"c\":\"12.34\"}],\"a\":i:2}");
  accept_("{\"k\\u0000ey\":\"v\"}", "{\"k\\u0000ey\":\"v\"}");
  /* a key with an escape survives a value with an escape (two scratch buffers) */
  accept_("{\"k\\n\":\"v\\n\",\"x\\t\":[\"\\t\"]}", "{\"k\\u000a\":\"v\\u000a\",\"x\\u0009\":[\"\\u0009\"]}");
  /* long strings with escapes grow the scratch buffer */
  {
    size_t n = 100000;
    char *s = malloc(n * 2 + 3), *want = malloc(n * 6 + 3);
    s[0] = '"';
    want[0] = '"';
    for (size_t i = 0; i < n; i++) {
      s[1 + 2 * i] = '\\';
      s[2 + 2 * i] = 'n';
      memcpy(want + 1 + 6 * i, "\\u000a", 6);
    }
    s[1 + 2 * n] = '"';
    s[2 + 2 * n] = '\0';
    want[1 + 6 * n] = '"';
    want[2 + 6 * n] = '\0';
    accept_(s, want);
    free(s);
    free(want);
  }
}

static void test_refusals(void) {
  refuse("", LIGHT_JSON_E_SYNTAX, 0);
  refuse("   ", LIGHT_JSON_E_SYNTAX, 3);
  refuse("nul", LIGHT_JSON_E_SYNTAX, 0);
  refuse("[1,]", LIGHT_JSON_E_SYNTAX, 3);
  refuse("[1 2]", LIGHT_JSON_E_SYNTAX, 3);
  refuse("{\"a\" 1}", LIGHT_JSON_E_SYNTAX, 5);
  refuse("{\"a\":1,}", LIGHT_JSON_E_SYNTAX, 7);
  refuse("{1:2}", LIGHT_JSON_E_SYNTAX, 1);
  refuse("[1]x", LIGHT_JSON_E_SYNTAX, 3);
  refuse("[1][2]", LIGHT_JSON_E_SYNTAX, 3);
  refuse("01", LIGHT_JSON_E_SYNTAX, 1);
  refuse("-", LIGHT_JSON_E_SYNTAX, 1);
  refuse("1.", LIGHT_JSON_E_SYNTAX, 2);
  refuse(".5", LIGHT_JSON_E_SYNTAX, 0);
  refuse("1e", LIGHT_JSON_E_SYNTAX, 2);
  refuse("+1", LIGHT_JSON_E_SYNTAX, 0);
  refuse("NaN", LIGHT_JSON_E_SYNTAX, 0);
  refuse("Infinity", LIGHT_JSON_E_SYNTAX, 0);
  refuse("[\"a\tb\"]", LIGHT_JSON_E_SYNTAX, 3); /* raw control character */
  refuse("\"\\x\"", LIGHT_JSON_E_SYNTAX, 1);
  refuse("\"\\u12G4\"", LIGHT_JSON_E_SYNTAX, 1);
  refuse("\"abc", LIGHT_JSON_E_SYNTAX, 4);
  refuse("/* c */ 1", LIGHT_JSON_E_SYNTAX, 0);
  refuse_n("[1]\0", 4, LIGHT_JSON_E_SYNTAX, 3);
  /* UTF-8 */
  refuse("\"\xff\"", LIGHT_JSON_E_UTF8, 1);
  refuse("\"ab\xc3\"", LIGHT_JSON_E_UTF8, 3);   /* truncated */
  refuse("\"\xc0\xaf\"", LIGHT_JSON_E_UTF8, 1); /* overlong */
  refuse("\"\xe0\x80\xaf\"", LIGHT_JSON_E_UTF8, 1);
  refuse("\"\xed\xa0\x80\"", LIGHT_JSON_E_UTF8, 1);     /* encoded surrogate */
  refuse("\"\xf4\x90\x80\x80\"", LIGHT_JSON_E_UTF8, 1); /* above U+10FFFF */
  refuse("{\"k\xff\":1}", LIGHT_JSON_E_UTF8, 3);
  refuse("\"\\n\xff\"", LIGHT_JSON_E_UTF8, 3); /* in the slow path too */
  /* surrogates */
  refuse("\"\\ud800\"", LIGHT_JSON_E_SURROGATE, 1);
  refuse("\"\\udc00\"", LIGHT_JSON_E_SURROGATE, 1);
  refuse("\"x\\ud83d\\u0041\"", LIGHT_JSON_E_SURROGATE, 2);
  refuse("\"\\ud83dx\"", LIGHT_JSON_E_SURROGATE, 1);
  /* numbers beyond exact */
  refuse("9007199254740992", LIGHT_JSON_E_NUMBER, 0);
  refuse("[-9007199254740992]", LIGHT_JSON_E_NUMBER, 1);
  refuse("12345678901234567890123", LIGHT_JSON_E_NUMBER, 0);
  refuse("1e309", LIGHT_JSON_E_NUMBER, 0);
  refuse("-1e400", LIGHT_JSON_E_NUMBER, 0);
}

static char *repeat(const char *unit, size_t n, const char *head, const char *tail) {
  size_t u = strlen(unit), h = strlen(head), t = strlen(tail);
  char *s = malloc(h + u * n + t + 1);
  memcpy(s, head, h);
  for (size_t i = 0; i < n; i++) memcpy(s + h + i * u, unit, u);
  memcpy(s + h + u * n, tail, t + 1);
  return s;
}

static void test_limits(void) {
  /* depth: 1000 levels accepted, 1001 refused, 100000 refused without recursion */
  char *d = repeat("[", LIGHT_JSON_MAX_DEPTH, "", "");
  char *dd = malloc(2 * LIGHT_JSON_MAX_DEPTH + 1);
  memcpy(dd, d, LIGHT_JSON_MAX_DEPTH);
  memset(dd + LIGHT_JSON_MAX_DEPTH, ']', LIGHT_JSON_MAX_DEPTH);
  dd[2 * LIGHT_JSON_MAX_DEPTH] = '\0';
  light_json_result res;
  CHECK_INT(light_json_parse(dd, strlen(dd), NULL, NULL, NULL, &res), LIGHT_JSON_OK);
  free(d);
  free(dd);
  d = repeat("[", LIGHT_JSON_MAX_DEPTH + 1, "", "");
  CHECK_INT(light_json_parse(d, strlen(d), NULL, NULL, NULL, &res), LIGHT_JSON_E_DEPTH);
  CHECK_INT(res.offset, LIGHT_JSON_MAX_DEPTH);
  free(d);
  d = repeat("{\"a\":", 100000, "", "");
  CHECK_INT(light_json_parse(d, strlen(d), NULL, NULL, NULL, &res), LIGHT_JSON_E_DEPTH);
  free(d);
  light_json_options opt = {3, 0, NULL, 0};
  CHECK_INT(light_json_parse("[[[1]]]", 7, NULL, NULL, &opt, &res), LIGHT_JSON_OK);
  CHECK_INT(light_json_parse("[[[[1]]]]", 9, NULL, NULL, &opt, &res), LIGHT_JSON_E_DEPTH);
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_json_error(&err, &res, 9, "response body"), LIGHT_E_DECODE);
  CHECK_STR(err.message, "response body is JSON nested deeper than 3 levels");

  /* values: the option and the default */
  light_json_options few = {0, 4, NULL, 0};
  CHECK_INT(light_json_parse("[1,2,3]", 7, NULL, NULL, &few, &res), LIGHT_JSON_OK);
  CHECK_INT(res.values, 4);
  CHECK_INT(light_json_parse("[1,2,3,4]", 9, NULL, NULL, &few, &res), LIGHT_JSON_E_TOO_MANY);
  CHECK_INT(res.offset, 7);
  CHECK_INT(light_json_error(&err, &res, 9, "response body"), LIGHT_E_TOO_LARGE);
  CHECK_INT(err.kind, LIGHT_ERR_LIGHT);
  CHECK_STR(err.message, "response body holds more than 4 JSON values (the decoded-value limit)");
  char *many = repeat("0,", LIGHT_JSON_MAX_VALUES - 1, "[", "0]"); /* the array + MAX elements: one over */
  CHECK_INT(light_json_parse(many, strlen(many), NULL, NULL, NULL, &res), LIGHT_JSON_E_TOO_MANY);
  free(many);
  many = repeat("0,", LIGHT_JSON_MAX_VALUES - 2, "[", "0]"); /* exactly the limit */
  CHECK_INT(light_json_parse(many, strlen(many), NULL, NULL, NULL, &res), LIGHT_JSON_OK);
  CHECK_INT(res.values, LIGHT_JSON_MAX_VALUES);
  free(many);

  /* messages */
  refuse("\"\xff\"", LIGHT_JSON_E_UTF8, 1);
  light_json_parse("[\"\xff\"]", 5, NULL, NULL, NULL, &res);
  light_json_error(&err, &res, 5, "response body");
  CHECK_STR(err.message, "response body is not valid JSON (invalid UTF-8 at byte 2 of 5)");
  CHECK_INT(err.kind, LIGHT_ERR_DECODE);
  light_json_parse("[\"\\ud800\"]", 10, NULL, NULL, NULL, &res);
  light_json_error(&err, &res, 10, "webhook payload");
  CHECK_STR(err.message, "webhook payload is not valid JSON (lone surrogate escape at byte 2 of 10)");
  light_json_parse("[1,]", 4, NULL, NULL, NULL, &res);
  CHECK_INT(light_json_error(&err, &res, 4, "response body"), LIGHT_E_DECODE);
  CHECK_STR(err.message, "response body is not valid JSON (at byte 3 of 4)");
  light_error_clear(&err);
}

static void test_summary(void) {
  light_json_member m[5] = {
      {"data", 0, 0, 0}, {"has_more", 0, 0, 0}, {"offset", 0, 0, 0}, {"token", 0, 0, 0}, {"missing", 0, 0, 0}};
  light_json_options opt = {0, 0, m, 5};
  const char doc[] = "{\"data\":[{\"data\":1},2,[3]],\"offset\":\"20\",\"has_more\":true,\"x\":{\"token\":\"t\"}}";
  light_json_result res;
  CHECK_INT(light_json_parse(doc, sizeof doc - 1, NULL, NULL, &opt, &res), LIGHT_JSON_OK);
  CHECK_INT(res.root, LIGHT_JSON_OBJECT);
  CHECK_INT(m[0].type, LIGHT_JSON_ARRAY);
  CHECK_INT(m[0].count, 3);
  CHECK_INT(m[1].type, LIGHT_JSON_TRUE);
  CHECK_INT(m[2].type, LIGHT_JSON_STRING);
  CHECK(m[2].number == 20.0);
  CHECK_INT(m[3].type, LIGHT_JSON_ABSENT); /* only top-level members */
  CHECK_INT(m[4].type, LIGHT_JSON_ABSENT);
  CHECK_INT(light_json_parse("{\"offset\":5,\"data\":{}}", 22, NULL, NULL, &opt, &res), LIGHT_JSON_OK);
  CHECK(m[2].type == LIGHT_JSON_NUMBER && m[2].number == 5.0);
  CHECK(m[0].type == LIGHT_JSON_OBJECT && m[0].count == 0);
  CHECK_INT(light_json_parse("[{\"data\":[]}]", 13, NULL, NULL, &opt, &res), LIGHT_JSON_OK);
  CHECK_INT(res.root, LIGHT_JSON_ARRAY);
  CHECK_INT(m[0].type, LIGHT_JSON_ABSENT);
  CHECK_INT(light_json_parse("{\"data\":[1,}", 12, NULL, NULL, &opt, &res), LIGHT_JSON_E_SYNTAX);
  CHECK_INT(m[0].type, LIGHT_JSON_ABSENT); /* nothing is claimed for a refused text */
  CHECK_INT(light_json_parse("{\"offset\":\"x\"}", 14, NULL, NULL, &opt, &res), LIGHT_JSON_OK);
  CHECK(m[2].type == LIGHT_JSON_STRING && isnan(m[2].number));
}

static void test_builder_failure(void) {
  /* failing at every call in turn stops the parse with E_BUILDER, never crashes */
  const char doc[] = "{\"a\":[1,{\"b\":\"c\"},[]],\"d\":null}";
  printer p;
  memset(&p, 0, sizeof p);
  for (size_t k = 1; k <= 7; k++) {
    free(p.out);
    memset(&p, 0, sizeof p);
    p.ends_ok = 1;
    p.fail_at = k;
    light_json_result res;
    CHECK_INT(light_json_parse(doc, sizeof doc - 1, &printer_fns, &p, NULL, &res), LIGHT_JSON_E_BUILDER);
    light_error err = LIGHT_ERROR_INIT;
    CHECK_INT(light_json_error(&err, &res, sizeof doc - 1, "x"), LIGHT_E_INTERNAL);
    light_error_clear(&err);
  }
  free(p.out);
}

static void test_cjson_builder(void) {
  const char doc[] =
      "{\"location_uuid\":\"0f6d\",\"intervals\":[{\"start\":\"2026-01-01T00:00:00-06:00\",\"consumption\":\"0.037\","
      "\"n\":12,\"f\":-1.25e-3,\"t\":true,\"z\":null,\"e\":[],\"o\":{}}],\"k\":\"\\u00e9\\ud83d\\ude00\"}";
  cJSON *mine = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_json_to_cjson(doc, sizeof doc - 1, &mine, &err), LIGHT_OK);
  cJSON *ref = cJSON_ParseWithLength(doc, sizeof doc - 1);
  CHECK(ref && mine && cJSON_Compare(mine, ref, 1));
  char *a = cJSON_PrintUnformatted(mine), *b = cJSON_PrintUnformatted(ref);
  CHECK_STR(a, b);
  free(a);
  free(b);
  /* the tree works with cJSON's own functions: add, detach, delete */
  cJSON *arr = cJSON_GetObjectItemCaseSensitive(mine, "intervals");
  CHECK_INT(cJSON_GetArraySize(arr), 1);
  cJSON_AddItemToArray(arr, cJSON_CreateNumber(7));
  CHECK_INT(cJSON_GetArraySize(arr), 2);
  cJSON_Delete(cJSON_DetachItemFromArray(arr, 0));
  CHECK(cJSON_GetArrayItem(arr, 0)->valuedouble == 7);
  cJSON_Delete(mine);
  cJSON_Delete(ref);
  CHECK_INT(light_json_to_cjson("[1,", 3, &mine, &err), LIGHT_E_DECODE);
  CHECK(mine == NULL);
  CHECK_STR(err.message, "response body is not valid JSON (at byte 3 of 3)");
  CHECK_INT(light_json_to_cjson("[1]", 3, NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  light_error_clear(&err);
}

/* Values agree with strtod for many generated decimal literals (fast path vs slow path). */
static void test_number_rounding(void) {
  unsigned long long x = 88172645463325252ULL;
  char lit[64];
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    int digits = 1 + (int)(x % 17), e = (int)((x >> 8) % 60) - 30;
    unsigned long long m = (x >> 16) % 100000000000000000ULL;
    snprintf(lit, sizeof lit, "%llu", m);
    lit[digits] = '\0';
    char num[96];
    if (i % 3 == 0)
      snprintf(num, sizeof num, "%s.%se%d", lit, lit + (digits > 1), e);
    else if (i % 3 == 1)
      snprintf(num, sizeof num, "0.%s", lit);
    else
      snprintf(num, sizeof num, "-%se%d", lit, e);
    /* strip leading zeros the grammar forbids */
    const char *parse = num;
    if (num[0] == '0' && num[1] >= '0' && num[1] <= '9') continue;
    if (num[0] == '-' && num[1] == '0' && num[2] >= '0' && num[2] <= '9') continue;
    if (num[strlen(num) - 1] == '.' || strstr(num, ".e")) continue;
    const char *got;
    if (canon(parse, strlen(parse), &got, NULL) != LIGHT_JSON_OK) {
      CHECK(0);
      fprintf(stderr, "refused %s\n", parse);
      continue;
    }
    char want[64];
    snprintf(want, sizeof want, "d:%.17g", strtod(parse, NULL));
    if (strcmp(got, want) != 0) {
      CHECK_STR(got, want);
      fprintf(stderr, "literal %s\n", parse);
    }
  }
}

int main(void) {
  test_values();
  test_refusals();
  test_limits();
  test_summary();
  test_builder_failure();
  test_cjson_builder();
  test_number_rounding();
  free(canon_p.out);
  TEST_MAIN_END();
}
