/* Record arguments (light/args.h light_args_new_record()): client options,
 * with_options overrides and webhook arguments streamed through the
 * builder and checked by the core; and the tables as JSON
 * (light_operation_table_json, light_error_details_json). No network. */
#include <math.h>
#include <stdint.h>
#include <time.h>

#include "args_helpers.h"
#include "harness.h"
#include "light/light.h"

/* Finish @p a and expect an error containing @p needle (type misuse when @p type). */
static void expect_fail(light_args *a, const char *needle, int type) {
  char m[512];
  CHECK(light_args_finish(a) == LIGHT_E_INVALID_ARGUMENT);
  msg(a, m, sizeof m);
  if (!strstr(m, needle)) fprintf(stderr, "  message was: %s (expected %s)\n", m, needle);
  CHECK(strstr(m, needle) != NULL);
  CHECK_INT(light_args_error_is_type(a), type);
  light_args_free(a);
}

static light_args *rec(light_args_record_kind k, unsigned flags) {
  light_args *a = NULL;
  CHECK(light_args_new_record(&a, k, flags) == LIGHT_OK);
  return a;
}

static void test_options(void) {
  /* snake_case, seconds */
  light_args *a = rec(LIGHT_ARGS_CLIENT_OPTIONS, 0);
  KEY(a, "app_token");
  STR(a, "tok-123");
  KEY(a, "timeout");
  light_args_double(a, 2.5);
  KEY(a, "max_retries");
  light_args_int(a, 4);
  KEY(a, "base_url");
  light_args_null(a); /* null = default */
  CHECK(light_args_finish(a) == LIGHT_OK);
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  CHECK(light_args_client_options(a, &o) == LIGHT_OK);
  CHECK_STR(o.app_token, "tok-123");
  CHECK_INT(o.timeout_ms, 2500);
  CHECK_INT(o.max_retries, 4);
  light_client_overrides ov;
  light_client_overrides_init(&ov);
  CHECK(light_args_client_overrides(a, &ov) == LIGHT_E_STATE); /* not overrides */
  light_args_free(a);

  /* camelCase, table units (Node) */
  a = rec(LIGHT_ARGS_CLIENT_OPTIONS, LIGHT_ARGS_CAMEL_NAMES | LIGHT_ARGS_TIMEOUT_MS);
  KEY(a, "connectTimeout");
  light_args_double(a, 1500);
  CHECK(light_args_finish(a) == LIGHT_OK);
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  CHECK(light_args_client_options(a, &o) == LIGHT_OK);
  CHECK_INT(o.connect_timeout_ms, 1500);
  light_args_free(a);

  a = rec(LIGHT_ARGS_CLIENT_OPTIONS, 0);
  KEY(a, "maxRetries"); /* camelCase where snake_case is expected */
  light_args_int(a, 1);
  expect_fail(a, "unknown option 'maxRetries'", 1);

  a = rec(LIGHT_ARGS_CLIENT_OPTIONS, 0);
  KEY(a, "timeout");
  STR(a, "5");
  expect_fail(a, "option 'timeout' must be a number, not string", 1);

  a = rec(LIGHT_ARGS_CLIENT_OPTIONS, 0);
  KEY(a, "timeout");
  light_args_double(a, NAN);
  expect_fail(a, "timeout", 0);

  a = rec(LIGHT_ARGS_CLIENT_OPTIONS, 0);
  KEY(a, "app_token");
  light_args_string(a, "a\0b", 3);
  expect_fail(a, "NUL", 0);

  a = rec(LIGHT_ARGS_CLIENT_OPTIONS, 0);
  KEY(a, "max_retries");
  light_args_begin_object(a);
  KEY(a, "x");
  light_args_begin_array(a, 1);
  light_args_int(a, 1);
  light_args_end(a);
  light_args_end(a);
  expect_fail(a, "must be an integer, not object", 1);
}

static void test_overrides(void) {
  light_args *a = rec(LIGHT_ARGS_CLIENT_OVERRIDES, 0);
  KEY(a, "timeout");
  light_args_double(a, 0.25);
  KEY(a, "app_info");
  STR(a, "MyApp/1.0");
  CHECK(light_args_finish(a) == LIGHT_OK);
  light_client_overrides ov;
  light_client_overrides_init(&ov);
  CHECK(light_args_client_overrides(a, &ov) == LIGHT_OK);
  CHECK_INT(ov.timeout_ms, 250);
  CHECK_INT(ov.connect_timeout_ms, 0);
  CHECK_INT(ov.max_retries, -1);
  CHECK_STR(ov.app_info, "MyApp/1.0");
  light_args_free(a);

  a = rec(LIGHT_ARGS_CLIENT_OVERRIDES, LIGHT_ARGS_CAMEL_NAMES | LIGHT_ARGS_TIMEOUT_MS);
  KEY(a, "maxRetries");
  light_args_int(a, 0);
  CHECK(light_args_finish(a) == LIGHT_OK);
  light_client_overrides_init(&ov);
  CHECK(light_args_client_overrides(a, &ov) == LIGHT_OK);
  CHECK_INT(ov.max_retries, 0);
  light_args_free(a);

  a = rec(LIGHT_ARGS_CLIENT_OVERRIDES, 0);
  KEY(a, "base_url");
  STR(a, "http://x");
  expect_fail(a, "with_options() cannot change 'base_url'", 1);

  a = rec(LIGHT_ARGS_CLIENT_OVERRIDES, 0);
  KEY(a, "max_retries");
  light_args_double(a, 1.5);
  expect_fail(a, "max_retries", 0);
}

static void test_webhook(void) {
  const char *body = "{\"event\":\"account.invoice_sent\",\"data\":{}}";
  int64_t now = (int64_t)time(NULL);
  /* sign with positional values, verify with a list of secrets */
  light_args *s = rec(LIGHT_ARGS_WEBHOOK_SIGN, 0);
  STR(s, body);
  STR(s, "whsec_1");
  CHECK(light_args_finish(s) == LIGHT_OK);
  char sig[LIGHT_SIGNATURE_MAX];
  light_error err = LIGHT_ERROR_INIT;
  CHECK(light_webhook_sign_args(sig, sizeof sig, s, &err) == LIGHT_OK);
  light_args_free(s);

  light_args *v = rec(LIGHT_ARGS_WEBHOOK_VERIFY, 0);
  light_args_binary(v, body, strlen(body));
  STR(v, sig);
  light_args_begin_array(v, 2);
  STR(v, "old");
  STR(v, "whsec_1");
  light_args_end(v);
  light_args_section(v, LIGHT_ARGS_PARAMS);
  KEY(v, "now");
  light_args_int(v, now);
  CHECK(light_args_finish(v) == LIGHT_OK);
  CHECK(light_webhook_verify_args(v, &err) == LIGHT_OK);
  size_t n = 0;
  CHECK(light_args_payload(v, &n) != NULL && n == strlen(body));
  light_args_free(v);

  /* a wrong secret: the signature check's reason */
  v = rec(LIGHT_ARGS_WEBHOOK_VERIFY, 0);
  STR(v, body);
  STR(v, sig);
  STR(v, "nope");
  CHECK(light_args_finish(v) == LIGHT_OK);
  CHECK(light_webhook_verify_args(v, &err) == LIGHT_E_SIGNATURE);
  CHECK_INT(err.signature_reason, LIGHT_SIG_MISMATCH);
  light_error_clear(&err);
  light_args_free(v);

  v = rec(LIGHT_ARGS_WEBHOOK_VERIFY, 0);
  STR(v, body);
  expect_fail(v, "missing required argument 'secret'", 1);

  v = rec(LIGHT_ARGS_WEBHOOK_VERIFY, 0);
  light_args_int(v, 5);
  expect_fail(v, "payload must be the raw request body", 1);

  v = rec(LIGHT_ARGS_WEBHOOK_VERIFY, 0);
  STR(v, body);
  STR(v, sig);
  light_args_begin_array(v, 2);
  STR(v, "a");
  light_args_int(v, 1);
  light_args_end(v);
  expect_fail(v, "secret must be a string or a list of strings, not a number", 1);

  v = rec(LIGHT_ARGS_WEBHOOK_VERIFY, 0);
  STR(v, body);
  STR(v, sig);
  light_args_string(v, "a\0b", 3);
  expect_fail(v, "webhook secret must not contain NUL", 0);

  v = rec(LIGHT_ARGS_WEBHOOK_VERIFY, 0);
  STR(v, body);
  STR(v, sig);
  light_args_begin_array(v, 17);
  for (int i = 0; i < 17; i++) STR(v, "s");
  light_args_end(v);
  expect_fail(v, "at most 16 secrets", 0);

  double bad_tolerances[] = {0, -1, NAN, INFINITY, 1e9};
  for (size_t i = 0; i < sizeof bad_tolerances / sizeof bad_tolerances[0]; i++) {
    v = rec(LIGHT_ARGS_WEBHOOK_VERIFY, 0);
    STR(v, body);
    STR(v, sig);
    STR(v, "s");
    light_args_double(v, bad_tolerances[i]);
    expect_fail(v, "tolerance must be a positive number of seconds", 0);
  }

  v = rec(LIGHT_ARGS_WEBHOOK_VERIFY, 0);
  STR(v, body);
  light_args_section(v, LIGHT_ARGS_PARAMS);
  KEY(v, "secrets");
  STR(v, "s");
  expect_fail(v, "unexpected argument 'secrets' (expected payload, signature, secret, tolerance, now)", 1);

  v = rec(LIGHT_ARGS_WEBHOOK_VERIFY, 0);
  STR(v, body);
  light_args_section(v, LIGHT_ARGS_PARAMS);
  KEY(v, "payload");
  STR(v, body);
  expect_fail(v, "argument 'payload' given twice", 1);

  v = rec(LIGHT_ARGS_WEBHOOK_SIGN, 0);
  for (int i = 0; i < 4; i++) STR(v, "x");
  expect_fail(v, "takes at most 3 arguments (4 given)", 1);

  v = rec(LIGHT_ARGS_WEBHOOK_SIGN, 0);
  STR(v, body);
  STR(v, "");
  expect_fail(v, "webhook secret must not be empty", 0);

  v = rec(LIGHT_ARGS_WEBHOOK_SIGN, 0);
  STR(v, body);
  STR(v, "s");
  light_args_int(v, -5);
  expect_fail(v, "timestamp must be a number of Unix seconds >= 0", 0);

  /* record arguments are not call arguments */
  v = rec(LIGHT_ARGS_WEBHOOK_SIGN, 0);
  STR(v, body);
  STR(v, "s");
  CHECK(light_args_finish(v) == LIGHT_OK);
  light_response *resp = NULL;
  CHECK(light_call_args(&resp, NULL, v, &err) != LIGHT_OK);
  light_error_clear(&err);
  light_args_free(v);
}

static void test_tables(void) {
  cJSON *ops = light_operation_table_json(0);
  CHECK(cJSON_GetArraySize(ops) == (int)light_operation_count());
  const cJSON *first = cJSON_GetArrayItem(ops, 0);
  CHECK(cJSON_IsArray(cJSON_GetObjectItem(first, "path_params")));
  CHECK(cJSON_IsNumber(cJSON_GetObjectItem(first, "success_status")));
  cJSON_Delete(ops);
  ops = light_operation_table_json(LIGHT_TABLE_CAMEL_KEYS);
  CHECK(cJSON_IsArray(cJSON_GetObjectItem(cJSON_GetArrayItem(ops, 0), "pathParams")));
  cJSON_Delete(ops);

  const char hdrs[] = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n";
  light_error e = LIGHT_ERROR_INIT;
  e.code = LIGHT_E_API;
  e.kind = LIGHT_ERR_RATE_LIMIT;
  e.http_status = 429;
  e.retries = 2;
  e.retry_after = 2;
  e.message = (char *)"slow down";
  e.request_id = (char *)"req_1";
  e.headers = (char *)hdrs;
  e.headers_len = sizeof hdrs - 1;
  cJSON *d = light_error_details_json(&e, 0);
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "kind")), "RateLimitError");
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "message")), "slow down");
  CHECK_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "status")), 429);
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "request_id")), "req_1");
  CHECK_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "retry_after")), 2);
  const cJSON *h = cJSON_GetObjectItem(d, "headers");
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "set-cookie")), "a=1, b=2");
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "retry-after")), "2");
  CHECK(cJSON_GetObjectItem(d, "reason") == NULL);
  cJSON_Delete(d);
  d = light_error_details_json(&e, LIGHT_TABLE_CAMEL_KEYS);
  CHECK(cJSON_GetObjectItem(d, "requestId") != NULL && cJSON_GetObjectItem(d, "retryAfter") != NULL);
  cJSON_Delete(d);

  light_error s = LIGHT_ERROR_INIT;
  s.code = LIGHT_E_SIGNATURE;
  s.kind = LIGHT_ERR_SIGNATURE_VERIFICATION;
  s.signature_reason = LIGHT_SIG_MISMATCH;
  s.retry_after = -1;
  d = light_error_details_json(&s, 0);
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "reason")), "signature_mismatch");
  CHECK(cJSON_GetObjectItem(d, "status") == NULL && cJSON_GetObjectItem(d, "headers") == NULL);
  cJSON_Delete(d);

  /* the length-taking for_account the bindings use: a NUL is refused, not cut (before the client is looked at) */
  light_client *acct = NULL;
  light_error c = LIGHT_ERROR_INIT;
  CHECK(light_client_for_account_n(&acct, NULL, "abc\0def", 7, &c) == LIGHT_E_INVALID_ARGUMENT);
  CHECK_STR(c.message, "account_uuid contains a NUL byte");
  CHECK(acct == NULL);
  light_error_clear(&c);
  CHECK(light_error_set(&c, LIGHT_E_STATE, LIGHT_ERR_LIGHT, NULL, "client is closed") == LIGHT_E_STATE);
  CHECK_STR(c.message, "client is closed");
  CHECK(light_error_set(&c, LIGHT_E_CANCELLED, LIGHT_ERR_LIGHT, "x", NULL) == LIGHT_E_CANCELLED);
  CHECK_STR(c.message, light_strerror(LIGHT_E_CANCELLED));
  CHECK_STR(c.param, "x");
  light_error_clear(&c);
}

int main(void) {
  test_options();
  test_overrides();
  test_webhook();
  test_tables();
  TEST_MAIN_END();
}
