/* Codec: buffers, path templating (percent-encoding attacks), query,
 * multipart, headers, classification, error bodies, JSON decoding. No I/O. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "harness.h"
#include "light/version.h"

static char *path1(const char *tmpl, const char *param, light_status *st, light_error *err) {
  light__buf b = {0};
  const char *params[1] = {param};
  *st = light__codec_path(tmpl, params, 1, &b, err);
  if (*st != LIGHT_OK) {
    light__buf_free(&b);
    return NULL;
  }
  return b.data;
}

static void check_path(const char *param, const char *want) {
  light_error err = LIGHT_ERROR_INIT;
  light_status st;
  char *p = path1("/v1/app/accounts/{account_uuid}/token", param, &st, &err);
  CHECK_INT(st, LIGHT_OK);
  char expect[512];
  snprintf(expect, sizeof expect, "/v1/app/accounts/%s/token", want);
  CHECK_STR(p, expect);
  free(p);
  light_error_clear(&err);
}

static void check_path_refused(const char *param) {
  light_error err = LIGHT_ERROR_INIT;
  light_status st;
  char *p = path1("/v1/app/accounts/{account_uuid}", param, &st, &err);
  CHECK(p == NULL);
  CHECK_INT(st, LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(err.code, LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(err.kind, LIGHT_ERR_INVALID_ARGUMENT);
  CHECK_STR(err.param, "path_params");
  CHECK(err.message != NULL);
  light_error_clear(&err);
}

static void test_buf(void) {
  light__buf b = {0};
  CHECK_INT(light__buf_appends(&b, "abc"), 0);
  CHECK_INT(light__buf_appendf(&b, "-%d-%s", 42, "x"), 0);
  CHECK_STR(b.data, "abc-42-x");
  CHECK_INT(b.len, 8);
  for (int i = 0; i < 1000; i++) CHECK_INT(light__buf_append(&b, "0123456789", 10), 0);
  CHECK_INT(b.len, 10008);
  CHECK_INT(b.data[b.len], 0);
  light__buf_reset(&b);
  CHECK_INT(b.len, 0);
  CHECK_STR(b.data, "");
  CHECK_INT(light__buf_append(&b, "a\0b", 3), 0);
  CHECK_INT(b.len, 3);
  CHECK(memcmp(b.data, "a\0b", 4) == 0);
  light__buf_free(&b);
  CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
  light__buf_free(&b); /* twice is fine */
  CHECK_INT(light__buf_appends(&b, NULL), 0);
  light__buf_free(&b);
}

static void test_path(void) {
  check_path("0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e");
  check_path("a-Z_0.9~", "a-Z_0.9~");
  /* Attacks: none of these may change the route. */
  check_path("../../admin", "..%2F..%2Fadmin");
  check_path("a/b", "a%2Fb");
  check_path("x?admin=1", "x%3Fadmin%3D1");
  check_path("x#frag", "x%23frag");
  check_path("a b", "a%20b");
  check_path("100%", "100%25");
  check_path("%2e%2e", "%252e%252e");
  check_path("a\\b", "a%5Cb");
  check_path("caf\xc3\xa9", "caf%C3%A9");  /* valid UTF-8 */
  check_path("\xff\xfe\x80", "%FF%FE%80"); /* invalid UTF-8 */
  check_path("\r\nHost: evil", "%0D%0AHost%3A%20evil");
  check_path("...", "..."); /* not a dot segment */
  check_path(".a", ".a");
  check_path("a+b&c=d;e", "a%2Bb%26c%3Dd%3Be");
  check_path_refused("");
  check_path_refused(".");
  check_path_refused("..");
  check_path_refused(NULL);

  /* No params, two params, wrong counts. */
  light_error err = LIGHT_ERROR_INIT;
  light__buf b = {0};
  CHECK_INT(light__codec_path("/v1/account", NULL, 0, &b, &err), LIGHT_OK);
  CHECK_STR(b.data, "/v1/account");
  light__buf_free(&b);
  const char *two[] = {"a b", "c/d"};
  CHECK_INT(light__codec_path("/x/{p}/y/{q}", two, 2, &b, &err), LIGHT_OK);
  CHECK_STR(b.data, "/x/a%20b/y/c%2Fd");
  light__buf_free(&b);
  CHECK_INT(light__codec_path("/x/{p}/y/{q}", two, 1, &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_STR(err.param, "path_params");
  CHECK(b.len == 0);
  CHECK_INT(light__codec_path("/x/{p}", two, 2, &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light__codec_path("/x/{p}", NULL, 1, &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light__codec_path("/x/{p", two, 1, &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light__codec_path(NULL, two, 1, &b, &err), LIGHT_E_INVALID_ARGUMENT);
  /* A refused second param leaves what the buffer held before. */
  CHECK_INT(light__buf_appends(&b, "https://h"), 0);
  const char *bad[] = {"ok", ".."};
  CHECK_INT(light__codec_path("/x/{p}/{q}", bad, 2, &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_STR(b.data, "https://h");
  CHECK_INT(b.len, 9);
  /* Appends to what is there. */
  CHECK_INT(light__codec_path("/x/{p}", two, 1, &b, &err), LIGHT_OK);
  CHECK_STR(b.data, "https://h/x/a%20b");
  light__buf_free(&b);
  light_error_clear(&err);

  /* Every path of the table expands with uuid-like params. */
  for (size_t i = 0; i < light_operation_count(); i++) {
    const light_operation *op = light_operation_at(i);
    const char *params[4] = {"u-1", "u-2", "u-3", "u-4"};
    size_t n = 0;
    while (op->path_params[n]) n++;
    CHECK_INT(light__codec_path(op->path, params, n, &b, &err), LIGHT_OK);
    CHECK(b.data && strchr(b.data, '{') == NULL);
    light__buf_free(&b);
  }
  light_error_clear(&err);
}

static char *query_of(const char *json, light_status *st, light_error *err) {
  cJSON *q = json ? cJSON_Parse(json) : NULL;
  light__buf b = {0};
  *st = light__codec_query(q, &b, err);
  cJSON_Delete(q);
  if (!b.data) return light__strdup("");
  return b.data;
}

static void check_query(const char *json, const char *want) {
  light_error err = LIGHT_ERROR_INIT;
  light_status st;
  char *q = query_of(json, &st, &err);
  CHECK_INT(st, LIGHT_OK);
  CHECK_STR(q, want);
  free(q);
  light_error_clear(&err);
}

static void test_query(void) {
  check_query(NULL, "");
  check_query("{}", "");
  check_query("{\"limit\": 10, \"offset\": 0}", "?limit=10&offset=0");
  check_query("{\"year\": 2024.0}", "?year=2024");
  check_query("{\"x\": -3}", "?x=-3");
  check_query("{\"x\": 1.5}", "?x=1.5");
  check_query("{\"x\": 0.1}", "?x=0.1");
  check_query("{\"x\": 1e300}", "?x=1e%2B300");
  check_query("{\"x\": 12345678901234}", "?x=12345678901234");
  check_query("{\"a\": true, \"b\": false, \"c\": null}", "?a=true&b=false");
  check_query("{\"q\": \"a b&c=d/e?f#g%h+i\"}", "?q=a%20b%26c%3Dd%2Fe%3Ff%23g%25h%2Bi");
  check_query("{\"k y\": \"v\"}", "?k%20y=v");
  check_query("{\"s\": \"\"}", "?s=");
  check_query("{\"u\": \"caf\\u00e9\"}", "?u=caf%C3%A9");
  check_query("{\"n\": null}", "");

  light_error err = LIGHT_ERROR_INIT;
  light_status st;
  char *q = query_of("{\"a\": {\"b\": 1}}", &st, &err);
  CHECK_INT(st, LIGHT_E_INVALID_ARGUMENT);
  CHECK_STR(err.param, "query");
  free(q);
  q = query_of("{\"a\": 1, \"b\": [1]}", &st, &err);
  CHECK_INT(st, LIGHT_E_INVALID_ARGUMENT);
  CHECK_STR(q, ""); /* nothing half-appended */
  free(q);
  q = query_of("[1]", &st, &err);
  CHECK_INT(st, LIGHT_E_INVALID_ARGUMENT);
  free(q);
  /* Non-finite numbers cannot be sent. */
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "x", cJSON_CreateNumber(INFINITY));
  light__buf b = {0};
  CHECK_INT(light__codec_query(o, &b, &err), LIGHT_E_INVALID_ARGUMENT);
  cJSON_Delete(o);
  /* Appends '&' when the buffer already holds a query. */
  o = cJSON_Parse("{\"b\": 2}");
  CHECK_INT(light__buf_appends(&b, "/p?a=1"), 0);
  CHECK_INT(light__codec_query(o, &b, &err), LIGHT_OK);
  CHECK_STR(b.data, "/p?a=1&b=2");
  cJSON_Delete(o);
  light__buf_free(&b);
  light_error_clear(&err);
}

static void test_multipart(void) {
  light_error err = LIGHT_ERROR_INIT;
  light__buf b = {0};
  const char pdf[] = "%PDF-1.4\0binary\r\n--x";
  light_file f = {NULL, NULL, NULL, pdf, sizeof pdf - 1};
  CHECK_INT(light__codec_multipart(&f, "light-boundary-0123", &b, &err), LIGHT_OK);
  const char head[] =
      "--light-boundary-0123\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.pdf\"\r\n"
      "Content-Type: application/pdf\r\n\r\n";
  const char tail[] = "\r\n--light-boundary-0123--\r\n";
  CHECK_INT(b.len, sizeof head - 1 + sizeof pdf - 1 + sizeof tail - 1);
  CHECK(memcmp(b.data, head, sizeof head - 1) == 0);
  CHECK(memcmp(b.data + sizeof head - 1, pdf, sizeof pdf - 1) == 0);
  CHECK(memcmp(b.data + b.len - (sizeof tail - 1), tail, sizeof tail - 1) == 0);
  light__buf_free(&b);

  light_file g = {"document", "bill (1).pdf", "application/octet-stream", "abc", 3};
  CHECK_INT(light__codec_multipart(&g, "B", &b, &err), LIGHT_OK);
  CHECK_STR(b.data,
            "--B\r\nContent-Disposition: form-data; name=\"document\"; filename=\"bill (1).pdf\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\nabc\r\n--B--\r\n");
  light__buf_free(&b);

  light_file empty = {NULL, NULL, NULL, NULL, 0};
  CHECK_INT(light__codec_multipart(&empty, "B", &b, &err), LIGHT_OK);
  light__buf_free(&b);

  /* Refusals. */
  light_file inj = {NULL, "a\"; name=\"x", NULL, "abc", 3};
  CHECK_INT(light__codec_multipart(&inj, "B", &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_STR(err.param, "file");
  light_file crlf = {NULL, "a.pdf", "text/plain\r\nX-Evil: 1", "abc", 3};
  CHECK_INT(light__codec_multipart(&crlf, "B", &b, &err), LIGHT_E_INVALID_ARGUMENT);
  light_file fieldbad = {"f\n", NULL, NULL, "abc", 3};
  CHECK_INT(light__codec_multipart(&fieldbad, "B", &b, &err), LIGHT_E_INVALID_ARGUMENT);
  light_file nodata = {NULL, NULL, NULL, NULL, 5};
  CHECK_INT(light__codec_multipart(&nodata, "B", &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light__codec_multipart(NULL, "B", &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light__codec_multipart(&g, "", &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_STR(err.param, "boundary");
  CHECK_INT(light__codec_multipart(&g, "has space", &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light__codec_multipart(&g, "a\r\nb", &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light__codec_multipart(&g, NULL, &b, &err), LIGHT_E_INVALID_ARGUMENT);
  char longb[72];
  memset(longb, 'a', 71);
  longb[71] = 0;
  CHECK_INT(light__codec_multipart(&g, longb, &b, &err), LIGHT_E_INVALID_ARGUMENT);
  longb[70] = 0;
  CHECK_INT(light__codec_multipart(&g, longb, &b, &err), LIGHT_OK);
  light__buf_free(&b);
  /* The boundary must not occur inside the content. */
  light_file clash = {NULL, NULL, NULL, "x\r\n--B--\r\n", 10};
  CHECK_INT(light__codec_multipart(&clash, "B", &b, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_STR(err.param, "boundary");
  CHECK(b.len == 0);
  light__buf_free(&b);
  light_error_clear(&err);
}

static void test_headers(void) {
  CHECK_INT(light__codec_header_safe("Bearer abc.def"), 1);
  CHECK_INT(light__codec_header_safe(""), 1);
  CHECK_INT(light__codec_header_safe("a\rb"), 0);
  CHECK_INT(light__codec_header_safe("a\nb"), 0);
  CHECK_INT(light__codec_header_safe("abc\r\n"), 0);
  CHECK_INT(light__codec_header_safe(NULL), 0);

  light__buf b = {0};
  CHECK_INT(light__codec_user_agent("python/3.11.7", &b), LIGHT_OK);
  CHECK_STR(b.data, "light-sdk/" LIGHT_VERSION " python/3.11.7");
  light__buf_free(&b);
  CHECK_INT(light__codec_user_agent(NULL, &b), LIGHT_OK);
  CHECK(strncmp(b.data, "light-sdk/" LIGHT_VERSION " c/", strlen("light-sdk/" LIGHT_VERSION " c/")) == 0);
  CHECK(strlen(b.data) > strlen("light-sdk/" LIGHT_VERSION " c/"));
  light__buf_free(&b);
  CHECK_INT(light__codec_user_agent("x\r\nEvil: 1", &b), LIGHT_E_INVALID_ARGUMENT);
  light__buf_free(&b);

  const char h[] =
      "HTTP/1.1 100 Continue\r\nX-Request-Id: interim\r\n\r\n"
      "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n"
      "x-request-id:   req_123  \r\nRetry-After: 7\r\nX-Empty:\r\nX-Dup: one\r\nX-Dup: two\r\n"
      "X-Request-Idx: no\r\n\r\n";
  char *v = light__codec_header_get(h, sizeof h - 1, "X-Request-Id");
  CHECK_STR(v, "req_123");
  free(v);
  v = light__codec_header_get(h, sizeof h - 1, "CONTENT-TYPE");
  CHECK_STR(v, "application/json");
  free(v);
  v = light__codec_header_get(h, sizeof h - 1, "x-empty");
  CHECK_STR(v, "");
  free(v);
  v = light__codec_header_get(h, sizeof h - 1, "X-Dup");
  CHECK_STR(v, "one");
  free(v);
  CHECK(light__codec_header_get(h, sizeof h - 1, "X-Missing") == NULL);
  CHECK(light__codec_header_get(h, sizeof h - 1, "X-Request") == NULL);
  CHECK(light__codec_header_get(NULL, 0, "X") == NULL);
  CHECK(light__codec_header_get(h, sizeof h - 1, "") == NULL);
  /* Bounded by len even without a terminator; LF-only lines; embedded NUL. */
  const char lf[] = "A: 1\nB: 2\0C: 3";
  v = light__codec_header_get(lf, sizeof lf - 1, "B");
  CHECK(v && v[0] == '2');
  free(v);
  v = light__codec_header_get(lf, 4, "A");
  CHECK_STR(v, "1");
  free(v);
}

static void test_retry_after(void) {
  int64_t now = 784111777000LL; /* Sun, 06 Nov 1994 08:49:37 GMT */
  CHECK(light__codec_retry_after("7", now) == 7.0);
  CHECK(light__codec_retry_after(" 0 ", now) == 0.0);
  CHECK(light__codec_retry_after("1.5", now) == 1.5);
  CHECK(light__codec_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == 0.0);
  CHECK(light__codec_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now) == 30.0);
  CHECK(light__codec_retry_after("Sun, 06 Nov 1994 08:49:07 GMT", now) == 0.0); /* past → now */
  CHECK(light__codec_retry_after("Wed, 01 Jan 2025 00:00:10 GMT", 1735689600000LL) == 10.0);
  CHECK(light__codec_retry_after(NULL, now) == -1);
  CHECK(light__codec_retry_after("", now) == -1);
  CHECK(light__codec_retry_after("-1", now) == -1);
  CHECK(light__codec_retry_after("+1", now) == -1);
  CHECK(light__codec_retry_after("1e3", now) == -1);
  CHECK(light__codec_retry_after("1.", now) == -1);
  CHECK(light__codec_retry_after("soon", now) == -1);
  CHECK(light__codec_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == -1);
  CHECK(light__codec_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", now) == -1);
  CHECK(light__codec_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", now) == -1);
  CHECK(light__codec_retry_after("99999999999999999999999", now) > 1e22);
}

static void test_classify(void) {
  CHECK_INT(light__codec_kind_for_status(400), LIGHT_ERR_BAD_REQUEST);
  CHECK_INT(light__codec_kind_for_status(401), LIGHT_ERR_AUTHENTICATION);
  CHECK_INT(light__codec_kind_for_status(403), LIGHT_ERR_PERMISSION_DENIED);
  CHECK_INT(light__codec_kind_for_status(404), LIGHT_ERR_NOT_FOUND);
  CHECK_INT(light__codec_kind_for_status(409), LIGHT_ERR_CONFLICT);
  CHECK_INT(light__codec_kind_for_status(422), LIGHT_ERR_UNPROCESSABLE_ENTITY);
  CHECK_INT(light__codec_kind_for_status(429), LIGHT_ERR_RATE_LIMIT);
  CHECK_INT(light__codec_kind_for_status(500), LIGHT_ERR_INTERNAL_SERVER);
  CHECK_INT(light__codec_kind_for_status(503), LIGHT_ERR_INTERNAL_SERVER);
  CHECK_INT(light__codec_kind_for_status(599), LIGHT_ERR_INTERNAL_SERVER);
  CHECK_INT(light__codec_kind_for_status(402), LIGHT_ERR_API);
  CHECK_INT(light__codec_kind_for_status(418), LIGHT_ERR_API);
  CHECK_INT(light__codec_kind_for_status(302), LIGHT_ERR_API);
}

static void check_msg(const char *body, const char *want) {
  char *m = light__codec_error_message(body, body ? strlen(body) : 0);
  if (want) {
    CHECK_STR(m, want);
  } else {
    CHECK(m == NULL);
  }
  free(m);
}

static void test_error_message(void) {
  check_msg("{\"detail\": \"Account not found\"}", "Account not found");
  check_msg("{\"detail\": [{\"loc\": [\"body\", \"email\"], \"msg\": \"field required\"}]}", "field required");
  check_msg("{\"detail\": {\"message\": \"nested\"}}", "nested");
  check_msg("{\"error\": \"bad token\"}", "bad token");
  check_msg("{\"error\": {\"message\": \"obj msg\", \"code\": 3}}", "obj msg");
  check_msg("{\"message\": \"plain\"}", "plain");
  check_msg("{\"detail\": 5, \"error\": \"fallback\"}", "fallback");
  check_msg("{\"detail\": \"\", \"message\": \"m\"}", "m");
  check_msg("{\"detail\": \"first\", \"error\": \"second\", \"message\": \"third\"}", "first");
  check_msg("{\"detail\": [[\"x\"]]}", NULL);
  check_msg("{\"other\": 1}", NULL);
  check_msg("[\"detail\"]", NULL);
  check_msg("<html>502 Bad Gateway</html>", NULL);
  check_msg("{\"detail\": \"x\"} trailing", NULL);
  check_msg("", NULL);
  check_msg(NULL, NULL);
  /* Capped at 1024 bytes, never splitting a UTF-8 sequence. */
  light__buf b = {0};
  light__buf_appends(&b, "{\"detail\": \"a");
  for (int i = 0; i < 1000; i++) light__buf_appends(&b, "\xc3\xa9");
  light__buf_appends(&b, "\"}");
  char *m = light__codec_error_message(b.data, b.len);
  CHECK(m != NULL);
  CHECK(m && strlen(m) == 1023);
  CHECK(m && ((unsigned char)m[strlen(m) - 1]) == 0xa9);
  free(m);
  light__buf_free(&b);
  /* Body not NUL-terminated: only len bytes are read. */
  const char raw[] = "{\"detail\":\"x\"}GARBAGE";
  m = light__codec_error_message(raw, 14);
  CHECK_STR(m, "x");
  free(m);
}

static void test_api_error(void) {
  light_error err = LIGHT_ERROR_INIT;
  const char h[] = "HTTP/1.1 429 Too Many Requests\r\nRequest-Id: r-9\r\nRetry-After: 3\r\n\r\n";
  const char body[] = "{\"detail\": \"slow down\"}";
  CHECK_INT(light__codec_api_error(&err, 429, h, sizeof h - 1, body, sizeof body - 1, 2, 0), LIGHT_E_API);
  CHECK_INT(err.code, LIGHT_E_API);
  CHECK_INT(err.kind, LIGHT_ERR_RATE_LIMIT);
  CHECK_INT(err.http_status, 429);
  CHECK_INT(err.retries, 2);
  CHECK_STR(err.message, "slow down");
  CHECK_STR(err.request_id, "r-9");
  CHECK(err.retry_after == 3.0);
  CHECK_INT(err.body_len, sizeof body - 1);
  CHECK_STR(err.body, body);
  CHECK_INT(err.headers_len, sizeof h - 1);
  CHECK_STR(err.headers, h);

  /* Reused error object: previous strings released (valgrind/ASan check). */
  const char h2[] = "HTTP/1.1 502 Bad Gateway\r\nX-Light-Request-Id: l-1\r\n\r\n";
  const char html[] = "<html>bad\0gateway</html>";
  CHECK_INT(light__codec_api_error(&err, 502, h2, sizeof h2 - 1, html, sizeof html - 1, 0, 0), LIGHT_E_API);
  CHECK_INT(err.kind, LIGHT_ERR_INTERNAL_SERVER);
  CHECK_STR(err.message, "HTTP 502");
  CHECK_STR(err.request_id, "l-1");
  CHECK(err.retry_after == -1);
  CHECK_INT(err.body_len, sizeof html - 1);
  CHECK(memcmp(err.body, html, sizeof html) == 0);

  const char h3[] = "X-Request-Id: a\r\nRequest-Id: b\r\n";
  CHECK_INT(light__codec_api_error(&err, 404, h3, sizeof h3 - 1, NULL, 0, 0, 0), LIGHT_E_API);
  CHECK_INT(err.kind, LIGHT_ERR_NOT_FOUND);
  CHECK_STR(err.request_id, "a");
  CHECK(err.body == NULL);
  CHECK_INT(light__codec_api_error(&err, 418, NULL, 0, NULL, 0, 0, 0), LIGHT_E_API);
  CHECK_INT(err.kind, LIGHT_ERR_API);
  CHECK(err.request_id == NULL && err.headers == NULL);
  CHECK_INT(light__codec_api_error(NULL, 500, NULL, 0, NULL, 0, 0, 0), LIGHT_E_API);
  light_error_clear(&err);
}

static void test_parse_json(void) {
  light_error err = LIGHT_ERROR_INIT;
  cJSON *j = (cJSON *)1;
  CHECK_INT(light__codec_parse_json(NULL, 0, &j, &err), LIGHT_OK);
  CHECK(j == NULL);
  CHECK_INT(light__codec_parse_json("", 0, &j, &err), LIGHT_OK);
  CHECK(j == NULL);
  CHECK_INT(light__codec_parse_json(" \r\n", 3, &j, &err), LIGHT_OK);
  CHECK(j == NULL);

  const char ok[] = "{\"amount\": \"12.34\", \"n\": 1, \"unknown_key\": [1, {\"a\": null}]}";
  CHECK_INT(light__codec_parse_json(ok, sizeof ok - 1, &j, &err), LIGHT_OK);
  CHECK(cJSON_IsObject(j));
  CHECK_STR(cJSON_GetObjectItem(j, "amount")->valuestring, "12.34");
  CHECK(cJSON_GetObjectItem(j, "unknown_key") != NULL);
  cJSON_Delete(j);

  /* Not NUL-terminated: exactly len bytes are parsed. */
  char *exact = malloc(7);
  memcpy(exact, "[1,2,3]", 7);
  CHECK_INT(light__codec_parse_json(exact, 7, &j, &err), LIGHT_OK);
  CHECK_INT(cJSON_GetArraySize(j), 3);
  cJSON_Delete(j);
  free(exact);
  CHECK_INT(light__codec_parse_json("[1,2,3] \n", 9, &j, &err), LIGHT_OK);
  cJSON_Delete(j);

  /* Refusals keep the body and say why. */
  const char *bad[] = {"{", "not json", "[1,2,3] x", "{\"a\":1}{\"b\":2}", "\"unterminated", "[1,]", "nul\0"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t n = strlen(bad[i]) + (i == 6 ? 1 : 0);
    CHECK_INT(light__codec_parse_json(bad[i], n, &j, &err), LIGHT_E_DECODE);
    CHECK(j == NULL);
    CHECK_INT(err.code, LIGHT_E_DECODE);
    CHECK_INT(err.kind, LIGHT_ERR_DECODE);
    CHECK(err.message && strstr(err.message, "not valid JSON"));
    CHECK_INT(err.body_len, n);
    CHECK(err.body && memcmp(err.body, bad[i], n) == 0);
  }
  /* Embedded NUL inside the document. */
  CHECK_INT(light__codec_parse_json("[1]\0[2]", 7, &j, &err), LIGHT_E_DECODE);

  /* 10,000 levels of nesting: a clear error, not a crash. */
  size_t depth = 10000;
  char *deep = malloc(depth * 2);
  memset(deep, '[', depth);
  memset(deep + depth, ']', depth);
  CHECK_INT(light__codec_parse_json(deep, depth * 2, &j, &err), LIGHT_E_DECODE);
  CHECK(err.message && strstr(err.message, "nested deeper"));
  for (size_t i = 0; i < depth; i++) deep[i] = (i % 2) ? '[' : '{';
  CHECK_INT(light__codec_parse_json(deep, depth, &j, &err), LIGHT_E_DECODE);
  free(deep);
  /* Up to the limit nesting is fine. */
  light__buf b = {0};
  for (int i = 0; i < 900; i++) light__buf_appends(&b, "[");
  for (int i = 0; i < 900; i++) light__buf_appends(&b, "]");
  CHECK_INT(light__codec_parse_json(b.data, b.len, &j, &err), LIGHT_OK);
  cJSON_Delete(j);
  light__buf_free(&b);

  /* Huge strings are kept whole; invalid UTF-8 is refused (light/json.h: strict). */
  size_t big = 4 << 20;
  char *s = malloc(big + 2);
  s[0] = '"';
  memset(s + 1, 'x', big);
  s[big + 1] = '"';
  CHECK_INT(light__codec_parse_json(s, big + 2, &j, &err), LIGHT_OK);
  CHECK(cJSON_IsString(j) && strlen(j->valuestring) == big);
  cJSON_Delete(j);
  free(s);
  const char inv[] = "{\"s\": \"\xff\xfe\"}";
  CHECK_INT(light__codec_parse_json(inv, sizeof inv - 1, &j, &err), LIGHT_E_DECODE);
  CHECK(j == NULL && err.message && strstr(err.message, "invalid UTF-8 at byte 7 of 11"));
  const char dup[] = "{\"a\": 1, \"a\": 2}";
  CHECK_INT(light__codec_parse_json(dup, sizeof dup - 1, &j, &err), LIGHT_OK);
  CHECK(cJSON_GetObjectItem(j, "a")->valuedouble == 1.0);
  cJSON_Delete(j);
  /* Numbers a double cannot hold exactly are refused, not rounded to infinity or 2^n. */
  const char *huge[] = {"[1e999]", "[-1e999]", "[123456789012345678901234567890]", "[9007199254740992]"};
  for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
    CHECK_INT(light__codec_parse_json(huge[i], strlen(huge[i]), &j, &err), LIGHT_E_DECODE);
    CHECK(j == NULL && err.message && strstr(err.message, "cannot be held exactly at byte 1 of"));
  }
  CHECK_INT(light__codec_parse_json("[9007199254740991]", 18, &j, &err), LIGHT_OK);
  CHECK(cJSON_GetArrayItem(j, 0)->valuedouble == 9007199254740991.0);
  cJSON_Delete(j);
  light_error_clear(&err);
}

int main(void) {
  test_buf();
  test_path();
  test_query();
  test_multipart();
  test_headers();
  test_retry_after();
  test_classify();
  test_error_message();
  test_api_error();
  test_parse_json();
  TEST_MAIN_END();
}
