/* The argument rule (light/args.h, core/src/params.c): routing by key,
 * validation, merge rules, limits, and the wire request it produces
 * (checked in the emulator's journal). */
#include <math.h>
#include <stdint.h>

#include "args_helpers.h"
#include "harness.h"
#include "light/light.h"
#include "sandbox_journal.h"

static light_args *start(const char *op) {
  light_args *a = NULL;
  light_args_new(&a, op, 0);
  return a;
}

static void expect_error(light_args *a, const char *needle) {
  char m[512];
  light_status st = light_args_finish(a);
  CHECK_INT(st, LIGHT_E_INVALID_ARGUMENT);
  msg(a, m, sizeof m);
  if (!strstr(m, needle)) fprintf(stderr, "message '%s' lacks '%s'\n", m, needle);
  CHECK(strstr(m, needle) != NULL);
  light_args_free(a);
}

static light_args *finished(light_args *a) {
  char m[512];
  light_status st = light_args_finish(a);
  if (st != LIGHT_OK) fprintf(stderr, "unexpected: %s\n", msg(a, m, sizeof m));
  CHECK_INT(st, LIGHT_OK);
  return a;
}

static void test_path(void) {
  light_args *a = start("get_app_account");
  light_args_string(a, "ab\0c", 4);
  expect_error(a, "path parameter 'account_uuid' contains a NUL byte");

  a = start("get_app_account");
  STR(a, "x");
  STR(a, "y");
  expect_error(a, "accounts.retrieve() takes 1 path parameter (2 given)");

  a = start("get_app_account");
  expect_error(a, "accounts.retrieve() missing path parameter 'account_uuid'");

  a = start("get_app_account");
  light_args_double(a, NAN);
  expect_error(a, "path parameter 'account_uuid' must be a string");

  a = start("get_app_account");
  STR(a, "..");
  expect_error(a, "must not be empty");

  static char big[LIGHT_ARGS_MAX_PARAM_BYTES + 2];
  memset(big, 'a', sizeof big - 1);
  a = start("get_app_account");
  STR(a, big);
  expect_error(a, "is longer than 8192 bytes");

  /* by name, an integer, and percent-encoding */
  a = start("get_app_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "account_uuid");
  STR(a, "a/b c");
  finished(a);
  light_args_free(a);

  a = start("get_app_account");
  STR(a, "x");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "account_uuid");
  STR(a, "y");
  expect_error(a, "got multiple values for path parameter 'account_uuid'");
}

static void test_query_and_options(void) {
  light_args *a = start("list_accounts");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "limit");
  light_args_int(a, 5);
  KEY(a, "extra_query");
  light_args_begin_object(a);
  KEY(a, "limit");
  light_args_int(a, 7);
  KEY(a, "flag");
  light_args_bool(a, 1);
  light_args_end(a);
  KEY(a, "timeout");
  light_args_double(a, 2.5);
  KEY(a, "max_retries");
  light_args_int(a, 0);
  finished(a);
  const cJSON *q = light_args_query(a);
  CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(q, "limit")) == 7); /* extra_query wins */
  CHECK(cJSON_IsTrue(cJSON_GetObjectItem(q, "flag")));
  light_args_free(a);

  a = start("list_accounts");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "q");
  light_args_string(a, "a\0b", 3);
  expect_error(a, "query parameter 'q' contains a NUL byte");

  a = start("list_accounts");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  light_args_key(a, "k\0x", 3);
  STR(a, "v");
  expect_error(a, "contains a NUL byte");

  a = start("list_accounts");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "limit");
  light_args_double(a, NAN);
  expect_error(a, "query parameter 'limit' is NaN or Infinity");

  static char big[LIGHT_ARGS_MAX_PARAM_BYTES + 2];
  memset(big, 'q', sizeof big - 1);
  a = start("list_accounts");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "q");
  STR(a, big);
  expect_error(a, "query parameter 'q' is longer than 8192 bytes");

  a = start("list_accounts");
  light_args_section(a, LIGHT_ARGS_OPTIONS);
  KEY(a, "tiemout");
  light_args_int(a, 1);
  expect_error(a, "unknown per-call option 'tiemout'");

  a = start("list_accounts");
  light_args_section(a, LIGHT_ARGS_OPTIONS);
  KEY(a, "timeout");
  light_args_double(a, INFINITY);
  expect_error(a, "timeout must be a positive finite number of seconds");

  a = NULL;
  light_args_new(&a, "list_accounts", LIGHT_ARGS_TIMEOUT_MS);
  light_args_section(a, LIGHT_ARGS_OPTIONS);
  KEY(a, "timeout");
  light_args_double(a, -1);
  expect_error(a, "timeout must be a positive finite number of milliseconds");

  a = start("list_accounts");
  light_args_section(a, LIGHT_ARGS_OPTIONS);
  KEY(a, "maxRetries");
  light_args_double(a, NAN);
  expect_error(a, "max_retries must be an integer from 0 to 100");

  a = start("create_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "extra_body");
  STR(a, "nope");
  expect_error(a, "extra_body must be an object");
}

static void test_headers(void) {
  const char *bad_names[] = {"Authorization", "host", "Content-Length", "X-A\r\nB", "X A", ""};
  for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
    light_args *a = start("get_account");
    light_args_section(a, LIGHT_ARGS_OPTIONS);
    KEY(a, "headers");
    light_args_begin_object(a);
    KEY(a, bad_names[i]);
    STR(a, "v");
    light_args_end(a);
    CHECK_INT(light_args_finish(a), LIGHT_E_INVALID_ARGUMENT);
    light_args_free(a);
  }
  light_args *a = start("get_account");
  light_args_section(a, LIGHT_ARGS_OPTIONS);
  KEY(a, "headers");
  light_args_begin_object(a);
  KEY(a, "X-Ok");
  STR(a, "a\r\nInjected: 1");
  light_args_end(a);
  expect_error(a, "header 'X-Ok' value contains CR, LF");
}

static void test_body(void) {
  light_args *a = start("create_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "n");
  light_args_int(a, INT64_MAX);
  expect_error(a, "body field 'n': integer beyond +-2^53");

  a = start("create_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "email");
  STR(a, "e");
  KEY(a, "x");
  light_args_begin_array(a, 1);
  light_args_double(a, INFINITY);
  expect_error(a, "NaN and Infinity cannot be sent as JSON");

  a = start("create_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  light_args_key(a, "e\0mail", 6);
  expect_error(a, "body key 'e?mail' contains a NUL byte");

  a = start("create_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "s");
  light_args_string(a, "\xff", 1);
  expect_error(a, "not valid UTF-8");

  a = start("create_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "big");
  CHECK_INT(light_args_begin_array(a, 100000000), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_args_null(a), LIGHT_E_INVALID_ARGUMENT); /* sticky */
  expect_error(a, "array of 100000000 elements is over the limit");

  a = start("create_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "deep");
  for (int i = 0; i < 80; i++) light_args_begin_array(a, 1);
  expect_error(a, "nested deeper than 64 levels");

  a = start("create_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "name");
  STR(a, "x");
  expect_error(a, "accounts.create() missing required body field 'email'");

  a = start("get_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "extra_body");
  light_args_begin_object(a);
  light_args_end(a);
  expect_error(a, "takes no JSON body");

  a = start("upload_comparison_invoice");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "filename");
  STR(a, "x.pdf");
  expect_error(a, "comparison_invoice.upload() needs a file");

  a = start("create_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "s");
  light_args_binary(a, "ab", 2);
  expect_error(a, "binary data cannot be sent as JSON");

  a = NULL;
  light_args_new_raw(&a, "GET", 3, "/v1/app/accounts", 16, 0);
  KEY(a, "bogus");
  expect_error(a, "request(): unknown argument 'bogus'");

  a = NULL;
  CHECK_INT(light_args_new(&a, "no_such_op", 0), LIGHT_E_INVALID_ARGUMENT);
  expect_error(a, "unknown operation 'no_such_op'");

  a = NULL;
  light_args_new_raw(&a, "GET", 3, "/v1/app/../x", 12, 0);
  expect_error(a, "dot segments");
}

/* ---- on the wire ------------------------------------------------------------ */

static light_client *app_client(void) {
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.app_token = th_env("LIGHT_SANDBOX_APP_TOKEN");
  o.base_url = th_env("LIGHT_SANDBOX_URL");
  o.ca_file = th_env("LIGHT_SANDBOX_CA_FILE");
  o.max_retries = 0;
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  light_error_clear(&err);
  return c;
}

static void test_wire(void) {
  light_client *c = app_client();
  if (!c) return;
  th_clear_journal();
  light_args *a = start("create_account");
  light_args_section(a, LIGHT_ARGS_PARAMS);
  KEY(a, "email");
  STR(a, "wire@example.com");
  KEY(a, "note");
  light_args_string(a, "be\0fore\"\n", 9);
  KEY(a, "nested");
  light_args_begin_object(a);
  KEY(a, "list");
  light_args_begin_array(a, 3);
  light_args_int(a, 9007199254740992LL);
  light_args_double(a, 0.1);
  light_args_null(a);
  light_args_end(a);
  light_args_end(a);
  KEY(a, "extra_body");
  light_args_begin_object(a);
  KEY(a, "note");
  STR(a, "overridden");
  light_args_end(a);
  KEY(a, "note");
  STR(a, "later direct loses to extra_body");
  KEY(a, "extra_headers");
  light_args_begin_object(a);
  KEY(a, "X-Trace");
  STR(a, "t-1");
  KEY(a, "User-Agent");
  STR(a, "custom-agent/1");
  light_args_end(a);
  KEY(a, "extra_query");
  light_args_begin_object(a);
  KEY(a, "dry");
  light_args_bool(a, 0);
  light_args_end(a);
  finished(a);
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_call_args(&resp, c, a, &err);
  if (st != LIGHT_OK) fprintf(stderr, "call: %s\n", err.message ? err.message : "?");
  CHECK_INT(st, LIGHT_OK);
  light_response_free(resp);
  light_error_clear(&err);
  light_args_free(a);

  cJSON *j = th_journal();
  const cJSON *e = th_last(j);
  CHECK(e != NULL);
  if (e) {
    CHECK_STR(th_str(e, "path"), "/v1/app/accounts");
    cJSON *body = cJSON_Parse(th_str(e, "body"));
    CHECK(body != NULL);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(body, "note")), "overridden");
    const cJSON *list = cJSON_GetObjectItem(cJSON_GetObjectItem(body, "nested"), "list");
    CHECK_INT(cJSON_GetArraySize(list), 3);
    cJSON_Delete(body);
    CHECK_STR(th_entry_header(e, "X-Trace"), "t-1");
    CHECK_STR(th_entry_header(e, "User-Agent"), "custom-agent/1");
    const cJSON *q = cJSON_GetObjectItem(e, "query");
    char *qs = cJSON_PrintUnformatted(q);
    CHECK(qs && strstr(qs, "dry") && strstr(qs, "false"));
    free(qs);
  }
  cJSON_Delete(j);

  /* a NUL inside a body string value reaches the server escaped */
  th_clear_journal();
  a = NULL;
  light_args_new_raw(&a, "POST", 4, "/v1/app/accounts", 16, 0);
  KEY(a, "body");
  light_args_begin_object(a);
  KEY(a, "email");
  light_args_string(a, "n\0ul@example.com", 16);
  light_args_end(a);
  finished(a);
  st = light_call_args(&resp, c, a, &err);
  CHECK_INT(st, LIGHT_OK);
  light_response_free(resp);
  light_error_clear(&err);
  light_args_free(a);
  j = th_journal();
  e = th_last(j);
  if (e) CHECK(strstr(th_str(e, "body"), "n\\u0000ul@example.com") != NULL);
  cJSON_Delete(j);

  /* a bad argument never reaches the network, and light_call (C API) uses the same rule */
  th_clear_journal();
  const char *pp[] = {"x"};
  light_params p = LIGHT_PARAMS_INIT;
  p.path_params = pp;
  p.n_path_params = 1;
  cJSON *q = cJSON_CreateObject();
  cJSON_AddNumberToObject(q, "v", NAN);
  p.query = q;
  st = light_call(&resp, c, "get_app_account", &p, &err);
  CHECK_INT(st, LIGHT_E_INVALID_ARGUMENT);
  CHECK(err.message && strstr(err.message, "query parameter 'v' is NaN or Infinity"));
  light_error_clear(&err);
  cJSON_Delete(q);
  j = th_journal();
  CHECK_INT(cJSON_GetArraySize(j), 0);
  cJSON_Delete(j);
  light_client_free(c);
}

int main(void) {
  test_path();
  test_query_and_options();
  test_headers();
  test_body();
  th_require_sandbox();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  test_wire();
  curl_global_cleanup();
  TEST_MAIN_END();
}
