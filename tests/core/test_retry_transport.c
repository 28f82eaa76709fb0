/* The blocking transport under faults injected by the emulator: retries and
 * their journal trace, POST safety, Retry-After, connection refused,
 * timeouts, the response size cap, redirects (never followed), undecodable
 * bodies and TLS. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "light/light.h"
#include "sandbox_journal.h"

static light_status call(light_client *c, const char *op, const char *body_json, int max_retries, long timeout_ms,
                         light_response **r, light_error *err) {
  cJSON *b = body_json ? cJSON_Parse(body_json) : NULL;
  light_params p = LIGHT_PARAMS_INIT;
  p.body = b;
  p.max_retries = max_retries;
  p.timeout_ms = timeout_ms;
  light_status st = light_call(r, c, op, &p, err);
  cJSON_Delete(b);
  return st;
}

static const char *CREATE = "{\"email\":\"retry@example.com\",\"first_name\":\"R\",\"last_name\":\"T\"}";

static void test_503_then_success(light_client *c) {
  th_clear_faults();
  th_clear_journal();
  th_fault("{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"status\",\"status\":503,\"times\":2}");
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(call(c, "list_accounts", NULL, -1, 0, &r, &err), LIGHT_OK);
  CHECK_INT(light_response_status(r), 200);
  CHECK_INT(light_response_retries(r), 2);
  light_response_free(r);
  cJSON *j = th_journal();
  CHECK_INT(th_count(j, "GET", "^/v1/app/accounts$"), 3);
  /* X-Light-Retry-Count on the retries only */
  int n = cJSON_GetArraySize(j);
  if (n == 3) {
    CHECK(th_entry_header(cJSON_GetArrayItem(j, 0), "X-Light-Retry-Count") == NULL);
    CHECK_STR(th_entry_header(cJSON_GetArrayItem(j, 1), "X-Light-Retry-Count"), "1");
    CHECK_STR(th_entry_header(cJSON_GetArrayItem(j, 2), "X-Light-Retry-Count"), "2");
  }
  cJSON_Delete(j);

  /* more failures than retries: the 503 reaches the caller with retries counted */
  th_clear_journal();
  th_fault("{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"status\",\"status\":503,\"times\":5}");
  CHECK_INT(call(c, "list_accounts", NULL, -1, 0, &r, &err), LIGHT_E_API);
  CHECK_INT(err.http_status, 503);
  CHECK_INT(err.kind, LIGHT_ERR_INTERNAL_SERVER);
  CHECK_INT(err.retries, 2);
  CHECK(r == NULL);
  j = th_journal();
  CHECK_INT(th_count(j, "GET", "^/v1/app/accounts$"), 3);
  cJSON_Delete(j);
  /* per-call max_retries = 0 */
  th_clear_journal();
  CHECK_INT(call(c, "list_accounts", NULL, 0, 0, &r, &err), LIGHT_E_API);
  CHECK_INT(err.retries, 0);
  j = th_journal();
  CHECK_INT(th_count(j, "GET", "^/v1/app/accounts$"), 1);
  cJSON_Delete(j);
  light_error_clear(&err);
  th_clear_faults();
}

static void test_post_not_retried(light_client *c) {
  th_clear_faults();
  th_clear_journal();
  th_fault("{\"method\":\"POST\",\"path\":\"/v1/app/accounts\",\"kind\":\"status\",\"status\":503,\"times\":1}");
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(call(c, "create_account", CREATE, -1, 0, &r, &err), LIGHT_E_API);
  CHECK_INT(err.http_status, 503);
  CHECK_INT(err.retries, 0);
  cJSON *j = th_journal();
  CHECK_INT(th_count(j, "POST", "^/v1/app/accounts$"), 1);
  cJSON_Delete(j);
  /* a dropped connection after sending is not retried for POST either */
  th_clear_journal();
  th_fault("{\"method\":\"POST\",\"path\":\"/v1/app/accounts\",\"kind\":\"reset\",\"times\":1}");
  light_status st = call(c, "create_account", CREATE, -1, 0, &r, &err);
  CHECK_INT(st, LIGHT_E_CONNECTION);
  CHECK_INT(err.kind, LIGHT_ERR_CONNECTION);
  CHECK_INT(err.retries, 0);
  light_error_clear(&err);
  th_clear_faults();
}

static void test_429_retry_after(light_client *c) {
  th_clear_faults();
  th_clear_journal();
  /* 429 is retried even for POST (refused before processing), after Retry-After */
  th_fault(
      "{\"method\":\"POST\",\"path\":\"/v1/app/accounts\",\"kind\":\"status\",\"status\":429,\"retry_after\":1,"
      "\"times\":1}");
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  int64_t t0 = th_mono_ms();
  CHECK_INT(call(c, "create_account", CREATE, -1, 0, &r, &err), LIGHT_OK);
  int64_t waited = th_mono_ms() - t0;
  CHECK_INT(light_response_retries(r), 1);
  light_response_free(r);
  fprintf(stderr, "429 + Retry-After: 1 -> call took %lld ms\n", (long long)waited);
  CHECK(waited >= 1000); /* a lower bound: the sleep cannot be shorter */
  cJSON *j = th_journal();
  CHECK_INT(th_count(j, "POST", "^/v1/app/accounts$"), 2);
  cJSON_Delete(j);

  /* a Retry-After beyond the cap is not honoured: the 429 comes back */
  th_clear_journal();
  th_fault(
      "{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"status\",\"status\":429,\"retry_after\":3600,"
      "\"times\":1}");
  CHECK_INT(call(c, "list_accounts", NULL, -1, 0, &r, &err), LIGHT_E_API);
  CHECK_INT(err.http_status, 429);
  CHECK_INT(err.kind, LIGHT_ERR_RATE_LIMIT);
  CHECK(err.retry_after >= 3599);
  j = th_journal();
  CHECK_INT(th_count(j, "GET", "^/v1/app/accounts$"), 1);
  cJSON_Delete(j);
  light_error_clear(&err);
  th_clear_faults();
}

static int closed_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(s, (struct sockaddr *)&a, sizeof a);
  getsockname(s, (struct sockaddr *)&a, &len);
  close(s); /* nothing listens there now */
  return ntohs(a.sin_port);
}

static void test_connection_refused(void) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", closed_port());
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.base_url = url;
  o.app_token = "app_token_for_refused";
  o.retry_base_s = 0.01;
  o.retry_max_s = 0.02;
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  light_response *r = NULL;
  /* a POST too: it never reached the server, so it is retried */
  CHECK_INT(call(c, "create_account", CREATE, -1, 0, &r, &err), LIGHT_E_CONNECTION);
  CHECK_INT(err.kind, LIGHT_ERR_CONNECTION);
  CHECK_INT(err.http_status, 0);
  CHECK_INT(err.retries, 2);
  CHECK(err.message && strstr(err.message, "connect") != NULL);
  CHECK(err.message && strstr(err.message, "app_token_for_refused") == NULL);
  fprintf(stderr, "refused: %s\n", err.message ? err.message : "");
  light_error_clear(&err);
  light_client_free(c);
}

static void test_timeout(light_client *c) {
  th_clear_faults();
  th_fault("{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"delay\",\"delay\":3,\"times\":1}");
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(call(c, "list_accounts", NULL, 0, 300, &r, &err), LIGHT_E_TIMEOUT);
  CHECK_INT(err.kind, LIGHT_ERR_TIMEOUT);
  CHECK_INT(err.http_status, 0);
  /* an idempotent GET that timed out is retried: the fault fired once, the retry succeeds */
  th_fault("{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"delay\",\"delay\":3,\"times\":1}");
  CHECK_INT(call(c, "list_accounts", NULL, -1, 300, &r, &err), LIGHT_OK);
  CHECK_INT(light_response_retries(r), 1);
  light_response_free(r);
  light_error_clear(&err);
  th_clear_faults();
}

static void tweak_small_cap(light_client_options *o, void *ud) {
  (void)ud;
  o->max_response_bytes = 64 * 1024;
}

static void test_too_large(void) {
  light_client *c = th_client(tweak_small_cap, NULL);
  th_clear_faults();
  th_clear_journal();
  th_fault("{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"oversized\",\"size\":1048576,\"times\":5}");
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(call(c, "list_accounts", NULL, -1, 0, &r, &err), LIGHT_E_TOO_LARGE);
  CHECK_INT(err.retries, 0); /* never retried */
  CHECK(err.message && strstr(err.message, "max_response_bytes") != NULL);
  cJSON *j = th_journal();
  CHECK_INT(th_count(j, "GET", "^/v1/app/accounts$"), 1);
  cJSON_Delete(j);
  th_clear_faults();
  /* an ordinary response under the cap is fine */
  CHECK_INT(call(c, "list_accounts", NULL, -1, 0, &r, &err), LIGHT_OK);
  light_response_free(r);
  light_error_clear(&err);
  light_client_free(c);
}

static void test_redirect(light_client *c) {
  th_clear_faults();
  th_clear_journal();
  char fault[512];
  snprintf(fault, sizeof fault,
           "{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"redirect\",\"status\":302,"
           "\"location\":\"%s/v1/app/redirect-target\",\"times\":1}",
           th_env("LIGHT_SANDBOX_URL"));
  th_fault(fault);
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(call(c, "list_accounts", NULL, -1, 0, &r, &err), LIGHT_E_API);
  CHECK_INT(err.http_status, 302);
  CHECK(r == NULL);
  cJSON *j = th_journal();
  CHECK_INT(th_count(j, NULL, "redirect-target"), 0); /* not followed: the token never went there */
  CHECK_INT(th_count(j, "GET", "^/v1/app/accounts$"), 1);
  cJSON_Delete(j);
  light_error_clear(&err);
  th_clear_faults();
}

static void test_broken_bodies(light_client *c) {
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  th_clear_faults();
  th_fault("{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"non_json\",\"times\":1}");
  CHECK_INT(call(c, "list_accounts", NULL, 0, 0, &r, &err), LIGHT_E_DECODE);
  CHECK_INT(err.kind, LIGHT_ERR_DECODE);
  CHECK(err.body != NULL);
  th_fault("{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"truncated_json\",\"times\":1}");
  light_status st = call(c, "list_accounts", NULL, 0, 0, &r, &err);
  /* a body cut short is either announced (Content-Length → RECV failure) or plain invalid JSON */
  CHECK(st == LIGHT_E_DECODE || st == LIGHT_E_CONNECTION);
  /* a connection closed without an answer: the GET is sent again and succeeds
   * (libcurl itself resends on a reused keep-alive connection that died, so
   * the retry may be curl's or ours: the journal sees two requests either way) */
  th_clear_journal();
  th_fault("{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"close\",\"times\":1}");
  CHECK_INT(call(c, "list_accounts", NULL, -1, 0, &r, &err), LIGHT_OK);
  CHECK(light_response_retries(r) <= 1);
  light_response_free(r);
  cJSON *j = th_journal();
  CHECK_INT(th_count(j, "GET", "^/v1/app/accounts$"), 2);
  cJSON_Delete(j);
  light_error_clear(&err);
  th_clear_faults();
}

static void test_tls(void) {
  const char *tls = th_env("LIGHT_SANDBOX_TLS_URL");
  if (!tls) {
    fprintf(stderr, "LIGHT_SANDBOX_TLS_URL not set: TLS part not run in this configuration\n");
    return;
  }
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.base_url = tls;
  o.app_token = th_env("LIGHT_SANDBOX_APP_TOKEN");
  o.ca_file = th_env("LIGHT_SANDBOX_CA_FILE");
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_response *r = NULL;
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  CHECK_INT(light_call(&r, c, "list_accounts", NULL, &err), LIGHT_OK);
  light_response_free(r);
  light_client_free(c);
  /* without the sandbox CA: verification fails, never retried, never skipped silently */
  o.ca_file = NULL;
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  CHECK_INT(light_call(&r, c, "list_accounts", NULL, &err), LIGHT_E_CONNECTION);
  CHECK_INT(err.kind, LIGHT_ERR_CONNECTION);
  CHECK_INT(err.retries, 0);
  fprintf(stderr, "TLS without CA: %s\n", err.message ? err.message : "");
  light_client_free(c);
  /* explicit opt-out (loopback tests only) */
  o.insecure_skip_verify = 1;
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  CHECK_INT(light_call(&r, c, "list_accounts", NULL, &err), LIGHT_OK);
  light_response_free(r);
  light_client_free(c);
  light_error_clear(&err);
}

int main(void) {
  th_require_sandbox();
  light_client *c = th_client(NULL, NULL);
  test_503_then_success(c);
  test_post_not_retried(c);
  test_429_retry_after(c);
  test_connection_refused();
  test_timeout(c);
  test_too_large();
  test_redirect(c);
  test_broken_bodies(c);
  test_tls();
  light_client_free(c);
  th_clear_faults();
  TEST_MAIN_END();
}
