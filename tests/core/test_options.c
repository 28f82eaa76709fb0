/* The contract tables as data: the option table (every row accepted with a
 * good value, refused with NaN, ±Infinity, out of range, a fraction where an
 * integer is needed, the wrong setter; NUL and CR/LF in strings; unknown
 * names), env defaults read once by light_client_options_init, the struct
 * checks of light_client_new, the error kinds (names, parents, statuses),
 * header iteration and light_page_next_query's error detail. No I/O. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "internal.h"
#include "light/light.h"

static int refused(light_status st, light_error *err, const char *param) {
  int ok = st == LIGHT_E_INVALID_ARGUMENT && err->kind == LIGHT_ERR_INVALID_ARGUMENT && err->message &&
           (!param || (err->param && strcmp(err->param, param) == 0));
  if (!ok) fprintf(stderr, "  not refused as expected: st=%d msg=%s\n", st, err->message ? err->message : "(null)");
  light_error_clear(err);
  return ok;
}

static void test_table_walk(void) {
  size_t n = light_option_count();
  CHECK(n >= 18);
  CHECK(light_option_at(n) == NULL);
  light_error err = LIGHT_ERROR_INIT;
  for (size_t i = 0; i < n; i++) {
    const light_option *o = light_option_at(i);
    CHECK(o && o->name && o->js_name && o->doc && *o->doc && o->default_text);
    CHECK(light_option_find(o->name, strlen(o->name)) == o);
    CHECK(light_option_find(o->js_name, strlen(o->js_name)) == o);
    CHECK(o->offset < sizeof(light_client_options));
    light_client_options opts;
    memset(&opts, 0, sizeof opts);
    switch (o->type) {
    case LIGHT_OPT_INT:
    case LIGHT_OPT_DOUBLE: {
      double good = o->min + ((o->flags & LIGHT_OPT_MIN_EXCLUSIVE) ? 1 : 0);
      if (good > o->max) good = o->max;
      CHECK_INT(light_client_options_set_double(&opts, o->name, good, &err), LIGHT_OK);
      CHECK_INT(light_client_options_set_double(&opts, o->name, o->max, &err), LIGHT_OK);
      CHECK(refused(light_client_options_set_double(&opts, o->name, NAN, &err), &err, o->name));
      CHECK(refused(light_client_options_set_double(&opts, o->name, INFINITY, &err), &err, o->name));
      CHECK(refused(light_client_options_set_double(&opts, o->name, -INFINITY, &err), &err, o->name));
      CHECK(refused(light_client_options_set_double(&opts, o->name, -1, &err), &err, o->name));
      CHECK(refused(light_client_options_set_double(&opts, o->name, o->max * 2 + 1, &err), &err, o->name));
      CHECK(refused(light_client_options_set_int(&opts, o->name, 10000000000000000LL, &err), &err, o->name));
      if (o->type == LIGHT_OPT_INT) {
        CHECK(refused(light_client_options_set_double(&opts, o->name, good + 0.5, &err), &err, o->name));
      } else {
        CHECK_INT(light_client_options_set_double(&opts, o->name, o->max / 3, &err), LIGHT_OK);
      }
      CHECK(refused(light_client_options_set_string(&opts, o->name, "5", 1, &err), &err, o->name));
      CHECK(refused(light_client_options_set_bool(&opts, o->name, 1, &err), &err, o->name));
      break;
    }
    case LIGHT_OPT_BOOL:
      CHECK_INT(light_client_options_set_bool(&opts, o->name, 1, &err), LIGHT_OK);
      CHECK_INT(*(int *)((char *)&opts + o->offset), 1);
      CHECK(refused(light_client_options_set_string(&opts, o->name, "true", 4, &err), &err, o->name));
      CHECK(refused(light_client_options_set_double(&opts, o->name, 2, &err), &err, o->name));
      break;
    case LIGHT_OPT_STRING:
    case LIGHT_OPT_ENUM: {
      const char *good = o->type == LIGHT_OPT_ENUM ? "debug" : "http://127.0.0.1:1";
      CHECK_INT(light_client_options_set_string(&opts, o->name, good, strlen(good), &err), LIGHT_OK);
      static const char nul[] = "http://127.0.0.1:18099\0.api.light.dev";
      CHECK(refused(light_client_options_set_string(&opts, o->name, nul, sizeof nul - 1, &err), &err, o->name));
      CHECK(refused(light_client_options_set_double(&opts, o->name, 1, &err), &err, o->name));
      if (o->flags & LIGHT_OPT_NO_CRLF) {
        CHECK(refused(light_client_options_set_string(&opts, o->name, "a\r\nb", 4, &err), &err, o->name));
        CHECK(refused(light_client_options_set_string(&opts, o->name, "a\nb", 3, &err), &err, o->name));
      }
      if (o->type == LIGHT_OPT_ENUM)
        CHECK(refused(light_client_options_set_string(&opts, o->name, "loud", 4, &err), &err, o->name));
      break;
    }
    }
  }
  /* unknown names */
  light_client_options opts;
  light_client_options_init(&opts, LIGHT_CLIENT_OPTIONS_VERSION);
  CHECK(light_option_find("nope", 4) == NULL);
  CHECK(light_option_find("max_retriesX", 11) != NULL); /* a length prefix is that name */
  CHECK(refused(light_client_options_set_double(&opts, "max_retry", 1, &err), &err, NULL));
  CHECK_INT(light_option_unknown_error("bad\nname", 8, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(err.message && strstr(err.message, "unknown option 'bad?name'") != NULL);
  light_error_clear(&err);
}

static void test_messages_and_units(void) {
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  light_error err = LIGHT_ERROR_INIT;
  /* seconds → milliseconds for "ms" options */
  CHECK_INT(light_client_options_set_seconds(&o, "timeout", 2.5, &err), LIGHT_OK);
  CHECK_INT(o.timeout_ms, 2500);
  CHECK_INT(light_client_options_set_seconds(&o, "connect_timeout", 0.001, &err), LIGHT_OK);
  CHECK_INT(o.connect_timeout_ms, 1);
  CHECK_INT(light_client_options_set_seconds(&o, "timeout", 0.0001, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(err.message && strstr(err.message, "seconds"));
  light_error_clear(&err);
  CHECK_INT(light_client_options_set_seconds(&o, "retry_base", 0.25, &err), LIGHT_OK);
  CHECK(o.retry_base_s == 0.25);
  /* camelCase names set the same field; the message names what was given */
  CHECK_INT(light_client_options_set_double(&o, "maxRetries", 5, &err), LIGHT_OK);
  CHECK_INT(o.max_retries, 5);
  CHECK_INT(light_client_options_set_double(&o, "maxRetries", 1e10, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(err.message && strstr(err.message, "'maxRetries'") && strstr(err.message, "between 0 and 100"));
  CHECK(err.param && strcmp(err.param, "max_retries") == 0);
  light_error_clear(&err);
  CHECK_INT(light_client_options_set_double(&o, "maxResponseBytes", -1, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_client_options_set_double(&o, "maxResponseBytes", NAN, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(err.message && strstr(err.message, "NaN"));
  light_error_clear(&err);
  CHECK_INT(o.max_response_bytes, 0); /* untouched: the default cap stays */
  CHECK_INT(light_client_options_set_string(&o, "log_level", "INFO", 4, &err), LIGHT_OK);
  CHECK_INT(o.log_level, LIGHT_LOG_INFO);
  CHECK_INT(light_client_options_set_string(&o, "proxy", NULL, 0, &err), LIGHT_OK);
  CHECK(o.proxy == NULL);
  CHECK_INT(light_option_type_error(light_option_find("timeout", 7), "timeout", "str", &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(err.message && strcmp(err.message, "option 'timeout' must be a number, not str") == 0);
  CHECK_INT(light_option_type_error(light_option_find("max_retries", 11), NULL, "str", &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(err.message && strcmp(err.message, "option 'max_retries' must be an integer, not str") == 0);
  CHECK_INT(light_client_options_set_double(&o, "timeout", 1.5, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(err.message && strcmp(err.message, "option 'timeout' must be a whole number of milliseconds") == 0);
  light_error_clear(&err);
}

static void test_env_once_and_struct_checks(void) {
  setenv("LIGHT_APP_TOKEN", "env_app_token", 1);
  setenv("LIGHT_BASE_URL", "http://127.0.0.1:9", 1);
  setenv("LIGHT_LOG", "loud", 1); /* not a level: ignored */
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  CHECK(o.app_token && strcmp(o.app_token, "env_app_token") == 0);
  CHECK(o.base_url && strcmp(o.base_url, "http://127.0.0.1:9") == 0);
  CHECK_INT(o.log_level, LIGHT_LOG_OFF);
  light_error err = LIGHT_ERROR_INIT;
  light_client *c = NULL;
  /* an account token with only the environment's app token: a bare account client */
  o.account_token = "acct_tok";
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  CHECK(!light_client_can(c, LIGHT_AUTH_APP) && light_client_can(c, LIGHT_AUTH_ACCOUNT));
  light_client_free(c);
  /* an explicit app token stays */
  CHECK_INT(light_client_options_set_string(&o, "app_token", "explicit", 8, &err), LIGHT_OK);
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  CHECK(light_client_can(c, LIGHT_AUTH_APP));
  light_client_free(c);
  /* direct struct fields get the same checks */
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.max_response_bytes = (size_t)-1; /* what a negative double cast to size_t gives */
  CHECK(refused(light_client_new(&c, &o, &err), &err, "max_response_bytes"));
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.retry_base_s = NAN;
  CHECK(refused(light_client_new(&c, &o, &err), &err, "retry_base"));
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.timeout_ms = -5;
  CHECK(refused(light_client_new(&c, &o, &err), &err, "timeout"));
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.max_retries = -1; /* -1 = default */
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  light_client_free(c);
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.max_retries = 1000;
  CHECK(refused(light_client_new(&c, &o, &err), &err, "max_retries"));
  unsetenv("LIGHT_APP_TOKEN");
  unsetenv("LIGHT_BASE_URL");
  unsetenv("LIGHT_LOG");
}

static void test_closing_closes_derived(void) {
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.app_token = "app_tok";
  o.base_url = "http://127.0.0.1:9";
  light_error err = LIGHT_ERROR_INIT;
  light_client *app = NULL, *acct = NULL;
  CHECK_INT(light_client_new(&app, &o, &err), LIGHT_OK);
  CHECK_INT(light_client_for_account(&acct, app, "acc-1", &err), LIGHT_OK);
  light_client_free(app);
  light_response *resp = NULL;
  light_params p = LIGHT_PARAMS_INIT;
  CHECK_INT(light_call(&resp, acct, "get_account", &p, &err), LIGHT_E_STATE);
  CHECK(err.message && strstr(err.message, "closed"));
  CHECK_INT(err.kind, LIGHT_ERR_LIGHT);
  light_error_clear(&err);
  light_client_free(acct);
}

static void test_error_kinds(void) {
  size_t n = light_error_kind_count();
  CHECK_INT(n, 16);
  CHECK_INT(light_error_kind_parent(LIGHT_ERR_LIGHT), LIGHT_ERR_NONE);
  for (size_t k = 2; k < n; k++) {
    light_error_kind p = light_error_kind_parent((light_error_kind)k);
    CHECK(p != LIGHT_ERR_NONE && (size_t)p < k); /* bases first */
    CHECK_INT(light_error_kind_find(light_error_kind_name((light_error_kind)k)), (long long)k);
    CHECK(*light_error_kind_doc((light_error_kind)k));
  }
  CHECK_INT(light_error_kind_parent(LIGHT_ERR_TIMEOUT), LIGHT_ERR_CONNECTION);
  CHECK_INT(light_error_kind_parent(LIGHT_ERR_DECODE), LIGHT_ERR_API);
  CHECK_INT(light_error_kind_http_status(LIGHT_ERR_NOT_FOUND), 404);
  CHECK_INT(light_error_kind_http_status(LIGHT_ERR_INTERNAL_SERVER), 500);
  CHECK_INT(light_error_kind_http_status(LIGHT_ERR_CONNECTION), 0);
  CHECK_INT(light_error_kind_find("Nope"), LIGHT_ERR_NONE);
  CHECK(strcmp(light_error_kind_name((light_error_kind)99), "LightError") == 0);
}

static void test_headers_and_pages(void) {
  const char block[] =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id:  req_1 \r\n"
      "junk line\r\n: empty\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n";
  size_t pos = 0, nl, vl;
  const char *nm, *v;
  int count = 0;
  while (light_header_next(block, sizeof block - 1, &pos, &nm, &nl, &v, &vl)) {
    count++;
    if (count == 2) CHECK(nl == 12 && memcmp(nm, "X-Request-Id", 12) == 0 && vl == 5 && memcmp(v, "req_1", 5) == 0);
  }
  CHECK_INT(count, 4);
  const char *body = "{\"data\":1}";
  light_response *r = light__response_new(200, block, sizeof block - 1, body, strlen(body), cJSON_Parse(body), 2);
  CHECK(r != NULL);
  size_t i = 0;
  while (light_response_header_at(r, i, &nm, &nl, &v, &vl)) i++;
  CHECK_INT(i, 4);
  CHECK(light_response_header_at(r, 0, &nm, &nl, &v, &vl) && strcmp(nm, "Content-Type") == 0 && vl == 16);
  cJSON *next = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_page_next_query(&next, r, NULL, &err), LIGHT_E_DECODE);
  CHECK_INT(err.kind, LIGHT_ERR_DECODE);
  CHECK_INT(err.http_status, 200);
  CHECK_INT(err.retries, 2);
  CHECK(err.request_id && strcmp(err.request_id, "req_1") == 0);
  CHECK(err.message && strstr(err.message, "list envelope"));
  light_error_clear(&err);
  CHECK_INT(light_page_next_query(&next, r, NULL, NULL), LIGHT_E_DECODE); /* err may be NULL */
  light_response_free(r);
}

static void test_tables_as_json(void) {
  cJSON *o = light_option_table_json();
  CHECK(cJSON_IsArray(o) && (size_t)cJSON_GetArraySize(o) == light_option_count());
  const cJSON *t = cJSON_GetArrayItem(o, 3);
  CHECK(t && strcmp(cJSON_GetObjectItem(t, "name")->valuestring, light_option_at(3)->name) == 0);
  CHECK(t && cJSON_GetObjectItem(t, "unit") && strcmp(cJSON_GetObjectItem(t, "unit")->valuestring, "ms") == 0);
  CHECK(t && cJSON_GetObjectItem(t, "default_number")->valuedouble == 60000);
  const cJSON *first = cJSON_GetArrayItem(o, 0);
  CHECK(first && !cJSON_GetObjectItem(first, "unit") && !cJSON_GetObjectItem(first, "min")); /* NULLs left out */
  CHECK(first && cJSON_IsTrue(cJSON_GetObjectItem(first, "secret")));
  cJSON_Delete(o);
  cJSON *k = light_error_kind_table_json();
  CHECK(cJSON_IsArray(k) && (size_t)cJSON_GetArraySize(k) == light_error_kind_count() - 1);
  const cJSON *nf = cJSON_GetArrayItem(k, LIGHT_ERR_NOT_FOUND - 1);
  CHECK(nf && strcmp(cJSON_GetObjectItem(nf, "name")->valuestring, "NotFoundError") == 0);
  CHECK(nf && strcmp(cJSON_GetObjectItem(nf, "parent")->valuestring, "APIError") == 0);
  CHECK(nf && cJSON_GetObjectItem(nf, "status")->valueint == 404);
  CHECK(!cJSON_GetObjectItem(cJSON_GetArrayItem(k, 0), "parent")); /* LightError is the root */
  cJSON_Delete(k);
}

int main(void) {
  test_tables_as_json();
  test_table_walk();
  test_messages_and_units();
  test_env_once_and_struct_checks();
  test_closing_closes_derived();
  test_error_kinds();
  test_headers_and_pages();
  TEST_MAIN_END();
}
