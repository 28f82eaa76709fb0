/* The sans-I/O exchange (light/exchange.h) driven directly with canned
 * responses — no network, no transport: every branch of the state machine.
 * Injected clock and jitter (0: the backoff is exactly half the exponential
 * step) make every delay exact.
 *
 * Branches: app request (headers, body); account token mint, use of the
 * cached token, refresh ahead of expiry, re-mint once on 401; retries (GET
 * after 503 / timeout / reset; POST not after it may have reached the server,
 * POST after a connect failure, a connect timeout and 429); Retry-After and
 * its cap; the client-side rate limiter's waits; the size cap; a wait on
 * another exchange's mint and its hand-over when the minter is abandoned;
 * an abort in a wait; cancellation never retried; libcurl's timeout split. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "curl_request.h"
#include "harness.h"
#include "internal.h"
#include "light/light.h"

#define BASE_MS 1700000000000LL /* 2023-11-14T22:13:20Z */
static int64_t now_ms = BASE_MS;
static int64_t fake_clock(void *ud) {
  (void)ud;
  return now_ms;
}
static double zero_jitter(void *ud) {
  (void)ud;
  return 0.0;
}

#define JSON_HDR "Content-Type: application/json\r\nX-Request-Id: req_1\r\n"

static light_client *new_client(int rate_limit, int app_rate) {
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.app_token = "app_tok";
  o.base_url = "http://127.0.0.1:9/";
  o.clock = fake_clock;
  o.jitter = zero_jitter;
  o.max_retries = 2;
  o.retry_base_s = 0.5;
  o.retry_max_s = 8;
  o.retry_after_cap_s = 60;
  o.token_refresh_margin_s = 600;
  o.max_response_bytes = 4096;
  o.rate_limit = rate_limit;
  o.app_rate_per_s = app_rate;
  o.account_rate_per_s = app_rate;
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  light_error_clear(&err);
  return c;
}

static light_exchange *new_x(light_client *c, const char *op, const char *body_json) {
  light_params p = LIGHT_PARAMS_INIT;
  cJSON *body = body_json ? cJSON_Parse(body_json) : NULL;
  p.body = body;
  light_exchange *x = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_exchange_new(&x, c, op, &p, &err), LIGHT_OK);
  light_error_clear(&err);
  cJSON_Delete(body);
  return x;
}

static const char *header(const light_http_request *r, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < r->n_headers; i++)
    if (strncmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':') return r->headers[i] + n + 2;
  return NULL;
}

/* next() must answer SEND; returns the request. */
static light_http_request expect_send(light_exchange *x, const char *method, const char *url) {
  light_http_request r;
  long d = -1;
  memset(&r, 0, sizeof r);
  CHECK_INT(light_exchange_next(&r, &d, x), LIGHT_STEP_SEND);
  CHECK_STR(r.method, method);
  CHECK_STR(r.url, url);
  return r;
}

static long expect_wait(light_exchange *x, light_step want) {
  light_http_request r;
  long d = -1;
  CHECK_INT(light_exchange_next(&r, &d, x), want);
  return d;
}

static light_status finish(light_exchange *x, light_error *err, int *status) {
  light_response *resp = NULL;
  CHECK_INT(light_exchange_next(NULL, NULL, x), LIGHT_STEP_DONE);
  light_status st = light_exchange_finish(&resp, x, err);
  if (status) *status = resp ? light_response_status(resp) : err->http_status;
  light_response_free(resp);
  light_exchange_free(x);
  return st;
}

static void ok_200(light_exchange *x, const char *body) {
  light_exchange_feed_response(x, 200, JSON_HDR, strlen(JSON_HDR), body, strlen(body));
}

static void mint_ok(light_exchange *x, const char *token, const char *expires_at) {
  char b[256];
  snprintf(b, sizeof b, "{\"token\":\"%s\",\"expires_at\":\"%s\"}", token, expires_at);
  ok_200(x, b);
}

#define MINT_URL "http://127.0.0.1:9/v1/app/accounts/acc-1/token"
#define ACCOUNT_URL "http://127.0.0.1:9/v1/account"
#define ACCOUNTS_URL "http://127.0.0.1:9/v1/app/accounts"

/* ---- app requests --------------------------------------------------------- */

static void test_app_request(void) {
  light_client *c = new_client(0, 0);
  light_exchange *x = new_x(c, "list_accounts", NULL);
  light_http_request r = expect_send(x, "GET", ACCOUNTS_URL);
  CHECK_STR(header(&r, "Authorization"), "Bearer app_tok");
  CHECK(header(&r, "User-Agent") && strncmp(header(&r, "User-Agent"), "light-sdk/", 10) == 0);
  CHECK_STR(header(&r, "Accept"), "application/json");
  CHECK(header(&r, "Content-Type") == NULL);
  CHECK(header(&r, "X-Light-Retry-Count") == NULL);
  CHECK(r.body == NULL);
  CHECK_INT(r.is_token_mint, 0);
  CHECK_INT(r.attempt, 0);
  CHECK_INT(r.max_response_bytes, 4096);
  ok_200(x, "{\"data\":[]}");
  light_error err = LIGHT_ERROR_INIT;
  int status = 0;
  CHECK_INT(finish(x, &err, &status), LIGHT_OK);
  CHECK_INT(status, 200);

  x = new_x(c, "create_account", "{\"email\":\"a@b.c\"}");
  r = expect_send(x, "POST", ACCOUNTS_URL);
  CHECK_STR(header(&r, "Content-Type"), "application/json");
  CHECK(r.body && strcmp(r.body, "{\"email\":\"a@b.c\"}") == 0);
  light_exchange_feed_response(x, 201, JSON_HDR, strlen(JSON_HDR), "{\"uuid\":\"u\"}", 12);
  CHECK_INT(finish(x, &err, &status), LIGHT_OK);
  CHECK_INT(status, 201);
  light_error_clear(&err);
  light_client_free(c);
}

/* ---- account tokens ---------------------------------------------------- */

static light_client *account(light_client *app, const char *uuid) {
  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&ac, app, uuid, &err), LIGHT_OK);
  light_error_clear(&err);
  return ac;
}

static void test_mint_cache_refresh_remint(void) {
  light_client *app = new_client(0, 0);
  light_client *ac = account(app, "acc-1");
  light_error err = LIGHT_ERROR_INIT;

  /* mint first, then the request with the minted token */
  light_exchange *x = new_x(ac, "get_account", NULL);
  light_http_request r = expect_send(x, "POST", MINT_URL);
  CHECK_INT(r.is_token_mint, 1);
  CHECK_STR(header(&r, "Authorization"), "Bearer app_tok");
  mint_ok(x, "tokA", "2023-11-14T23:13:20Z"); /* now + 1 h */
  r = expect_send(x, "GET", ACCOUNT_URL);
  CHECK_INT(r.is_token_mint, 0);
  CHECK_STR(header(&r, "Authorization"), "Bearer tokA");
  ok_200(x, "{\"uuid\":\"acc-1\"}");
  CHECK_INT(finish(x, &err, NULL), LIGHT_OK);

  /* cached: no mint */
  x = new_x(ac, "get_account", NULL);
  r = expect_send(x, "GET", ACCOUNT_URL);
  CHECK_STR(header(&r, "Authorization"), "Bearer tokA");
  ok_200(x, "{}");
  CHECK_INT(finish(x, &err, NULL), LIGHT_OK);

  /* 10 min before expiry (the margin) it is re-minted ahead of time */
  now_ms += (3600 - 600) * 1000LL;
  x = new_x(ac, "get_account", NULL);
  expect_send(x, "POST", MINT_URL);
  mint_ok(x, "tokB", "2023-11-15T00:13:20+01:00"); /* zone offset: another hour from the start */
  r = expect_send(x, "GET", ACCOUNT_URL);
  CHECK_STR(header(&r, "Authorization"), "Bearer tokB");

  /* 401: the token is dropped and re-minted once; the retry counts */
  light_exchange_feed_response(x, 401, JSON_HDR, strlen(JSON_HDR), "{\"detail\":\"expired\"}", 20);
  r = expect_send(x, "POST", MINT_URL);
  mint_ok(x, "tokC", "2023-11-15T00:13:20Z");
  r = expect_send(x, "GET", ACCOUNT_URL);
  CHECK_STR(header(&r, "Authorization"), "Bearer tokC");
  CHECK_STR(header(&r, "X-Light-Retry-Count"), "1");
  /* a second 401: no third mint, the API error */
  light_exchange_feed_response(x, 401, JSON_HDR, strlen(JSON_HDR), "{\"detail\":\"no\"}", 15);
  int status = 0;
  CHECK_INT(finish(x, &err, &status), LIGHT_E_API);
  CHECK_INT(status, 401);
  CHECK_INT(err.kind, LIGHT_ERR_AUTHENTICATION);
  CHECK_INT(err.retries, 1);

  /* a mint answer without a token is a decode error */
  light_client *ac2 = account(app, "acc-2");
  x = new_x(ac2, "get_account", NULL);
  expect_send(x, "POST", "http://127.0.0.1:9/v1/app/accounts/acc-2/token");
  ok_200(x, "{\"expires_at\":\"2030-01-01T00:00:00Z\"}");
  CHECK_INT(finish(x, &err, NULL), LIGHT_E_DECODE);
  CHECK(err.message && strstr(err.message, "account token mint") != NULL);
  /* a mint refused with 403: the API error, prefixed, and the mint released */
  x = new_x(ac2, "get_account", NULL);
  expect_send(x, "POST", "http://127.0.0.1:9/v1/app/accounts/acc-2/token");
  light_exchange_feed_response(x, 403, JSON_HDR, strlen(JSON_HDR), "{\"detail\":\"nope\"}", 17);
  CHECK_INT(finish(x, &err, &status), LIGHT_E_API);
  CHECK(err.message && strncmp(err.message, "account token mint failed: ", 27) == 0);
  CHECK_INT(light__token_cache_minting(ac2->tokens, "acc-2"), 0);

  light_error_clear(&err);
  light_client_free(ac2);
  light_client_free(ac);
  light_client_free(app);
}

/* Two exchanges of one account: the second waits on the first's mint. */
static void test_token_wait(void) {
  light_client *app = new_client(0, 0);
  light_client *ac = account(app, "acc-1");
  light_error err = LIGHT_ERROR_INIT;
  light_exchange *x1 = new_x(ac, "get_account", NULL);
  light_exchange *x2 = new_x(ac, "get_account", NULL);
  expect_send(x1, "POST", MINT_URL);
  uint64_t g0 = light__token_cache_generation(ac->tokens);
  CHECK(expect_wait(x2, LIGHT_STEP_WAIT_TOKEN) > 0);
  CHECK(light__exchange_token_generation(x2) == g0);
  CHECK_INT(expect_wait(x2, LIGHT_STEP_WAIT_TOKEN) > 0, 1); /* still minting */
  mint_ok(x1, "tokW", "2023-11-15T00:13:20Z");
  CHECK(light__token_cache_generation(ac->tokens) != g0);
  /* the waiter uses the token without minting */
  light_http_request r = expect_send(x2, "GET", ACCOUNT_URL);
  CHECK_STR(header(&r, "Authorization"), "Bearer tokW");
  ok_200(x2, "{}");
  CHECK_INT(finish(x2, &err, NULL), LIGHT_OK);
  expect_send(x1, "GET", ACCOUNT_URL);
  ok_200(x1, "{}");
  CHECK_INT(finish(x1, &err, NULL), LIGHT_OK);

  /* the minter abandoned (freed mid-mint): a waiter takes the mint over */
  light_client *ac3 = account(app, "acc-3");
  x1 = new_x(ac3, "get_account", NULL);
  x2 = new_x(ac3, "get_account", NULL);
  expect_send(x1, "POST", "http://127.0.0.1:9/v1/app/accounts/acc-3/token");
  expect_wait(x2, LIGHT_STEP_WAIT_TOKEN);
  light_exchange_free(x1);
  expect_send(x2, "POST", "http://127.0.0.1:9/v1/app/accounts/acc-3/token");
  /* an abort while holding the mint releases it too */
  light__exchange_abort(x2);
  CHECK_INT(finish(x2, &err, NULL), LIGHT_E_CANCELLED);
  CHECK_INT(light__token_cache_minting(ac3->tokens, "acc-3"), 0);
  light_error_clear(&err);
  light_client_free(ac3);
  light_client_free(ac);
  light_client_free(app);
}

/* ---- retries ------------------------------------------------------------ */

static void test_retries(void) {
  now_ms = BASE_MS;
  light_client *c = new_client(0, 0);
  light_error err = LIGHT_ERROR_INIT;
  int status = 0;

  /* GET: 503 → backoff 250 ms (0.5 s * 2^0 * (0.5 + 0/2)) → retry with the count header */
  light_exchange *x = new_x(c, "list_accounts", NULL);
  expect_send(x, "GET", ACCOUNTS_URL);
  light_exchange_feed_response(x, 503, JSON_HDR, strlen(JSON_HDR), "{}", 2);
  CHECK_INT(expect_wait(x, LIGHT_STEP_WAIT), 250);
  light_http_request r = expect_send(x, "GET", ACCOUNTS_URL);
  CHECK_STR(header(&r, "X-Light-Retry-Count"), "1");
  CHECK_INT(r.attempt, 1);
  /* then a timeout after connecting (may have reached the server): GET retried, 500 ms */
  light_exchange_feed_failure(x, LIGHT_FAIL_TIMEOUT, "slow");
  CHECK_INT(expect_wait(x, LIGHT_STEP_WAIT), 500);
  r = expect_send(x, "GET", ACCOUNTS_URL);
  CHECK_STR(header(&r, "X-Light-Retry-Count"), "2");
  /* budget (2) spent: the reset is final */
  light_exchange_feed_failure(x, LIGHT_FAIL_RECV, "reset");
  CHECK_INT(finish(x, &err, NULL), LIGHT_E_CONNECTION);
  CHECK_INT(err.retries, 2);

  /* POST: not retried after it may have reached the server */
  const light_transport_failure maybe[] = {LIGHT_FAIL_TIMEOUT, LIGHT_FAIL_SEND, LIGHT_FAIL_RECV};
  const light_status want[] = {LIGHT_E_TIMEOUT, LIGHT_E_CONNECTION, LIGHT_E_CONNECTION};
  for (int i = 0; i < 3; i++) {
    x = new_x(c, "create_account", "{\"email\":\"a@b.c\"}");
    expect_send(x, "POST", ACCOUNTS_URL);
    light_exchange_feed_failure(x, maybe[i], NULL);
    CHECK_INT(finish(x, &err, NULL), want[i]);
    CHECK_INT(err.retries, 0);
  }
  x = new_x(c, "create_account", "{\"email\":\"a@b.c\"}");
  expect_send(x, "POST", ACCOUNTS_URL);
  light_exchange_feed_response(x, 503, JSON_HDR, strlen(JSON_HDR), "{}", 2);
  CHECK_INT(finish(x, &err, &status), LIGHT_E_API);
  CHECK_INT(status, 503);

  /* POST: retried after a connect failure, a connect timeout and a 429 (never processed) */
  x = new_x(c, "create_account", "{\"email\":\"a@b.c\"}");
  expect_send(x, "POST", ACCOUNTS_URL);
  light_exchange_feed_failure(x, LIGHT_FAIL_CONNECT, "refused");
  CHECK_INT(expect_wait(x, LIGHT_STEP_WAIT), 250);
  expect_send(x, "POST", ACCOUNTS_URL);
  light_exchange_feed_failure(x, LIGHT_FAIL_CONNECT_TIMEOUT, NULL);
  CHECK_INT(expect_wait(x, LIGHT_STEP_WAIT), 500);
  expect_send(x, "POST", ACCOUNTS_URL);
  light_exchange_feed_failure(x, LIGHT_FAIL_CONNECT_TIMEOUT, "no words that say so");
  /* a connect timeout is a timeout, by its reason, not its text */
  CHECK_INT(finish(x, &err, NULL), LIGHT_E_TIMEOUT);
  CHECK_INT(err.kind, LIGHT_ERR_TIMEOUT);
  x = new_x(c, "list_accounts", NULL);
  expect_send(x, "GET", ACCOUNTS_URL);
  light_exchange_feed_failure(x, LIGHT_FAIL_CONNECT, "connect timed out");
  light_exchange_feed_failure(x, LIGHT_FAIL_CONNECT, "ignored: not sent");
  expect_wait(x, LIGHT_STEP_WAIT);
  expect_send(x, "GET", ACCOUNTS_URL);
  light_exchange_feed_failure(x, LIGHT_FAIL_CONNECT, "connect timed out");
  expect_wait(x, LIGHT_STEP_WAIT);
  expect_send(x, "GET", ACCOUNTS_URL);
  light_exchange_feed_failure(x, LIGHT_FAIL_CONNECT, "connect timed out");
  CHECK_INT(finish(x, &err, NULL), LIGHT_E_CONNECTION);

  const char *h429 = "Retry-After: 2\r\n";
  x = new_x(c, "create_account", "{\"email\":\"a@b.c\"}");
  expect_send(x, "POST", ACCOUNTS_URL);
  light_exchange_feed_response(x, 429, h429, strlen(h429), "{}", 2);
  CHECK_INT(expect_wait(x, LIGHT_STEP_WAIT), 2000); /* Retry-After, not backoff */
  expect_send(x, "POST", ACCOUNTS_URL);
  light_exchange_feed_response(x, 201, JSON_HDR, strlen(JSON_HDR), "{}", 2);
  CHECK_INT(finish(x, &err, &status), LIGHT_OK);

  /* 429 answered for good: RateLimitError with the server's retry_after */
  x = new_x(c, "list_accounts", NULL);
  for (int i = 0; i < 3; i++) {
    expect_send(x, "GET", ACCOUNTS_URL);
    light_exchange_feed_response(x, 429, h429, strlen(h429), "{}", 2);
    if (i < 2) CHECK_INT(expect_wait(x, LIGHT_STEP_WAIT), 2000);
  }
  CHECK_INT(finish(x, &err, &status), LIGHT_E_API);
  CHECK_INT(err.kind, LIGHT_ERR_RATE_LIMIT);
  CHECK_INT(status, 429);

  /* Retry-After over the cap (60 s): not honoured, no retry */
  const char *hcap = "Retry-After: 120\r\n";
  x = new_x(c, "list_accounts", NULL);
  expect_send(x, "GET", ACCOUNTS_URL);
  light_exchange_feed_response(x, 503, hcap, strlen(hcap), "{}", 2);
  CHECK_INT(finish(x, &err, &status), LIGHT_E_API);
  CHECK_INT(err.retries, 0);
  /* an HTTP-date Retry-After, 30 s after the client clock */
  const char *hdate = "Retry-After: Tue, 14 Nov 2023 22:13:50 GMT\r\n";
  x = new_x(c, "list_accounts", NULL);
  expect_send(x, "GET", ACCOUNTS_URL);
  light_exchange_feed_response(x, 503, hdate, strlen(hdate), "{}", 2);
  long d = expect_wait(x, LIGHT_STEP_WAIT);
  CHECK(d >= 29000 && d <= 30000);
  light_exchange_free(x);

  /* the size cap and cancellation: final */
  x = new_x(c, "list_accounts", NULL);
  expect_send(x, "GET", ACCOUNTS_URL);
  light_exchange_feed_failure(x, LIGHT_FAIL_TOO_LARGE, NULL);
  CHECK_INT(finish(x, &err, NULL), LIGHT_E_TOO_LARGE);
  x = new_x(c, "list_accounts", NULL);
  expect_send(x, "GET", ACCOUNTS_URL);
  light_exchange_feed_failure(x, LIGHT_FAIL_CANCELLED, "interrupted");
  CHECK_INT(finish(x, &err, NULL), LIGHT_E_CANCELLED);
  CHECK_INT(err.retries, 0);
  /* TLS verification: final */
  x = new_x(c, "list_accounts", NULL);
  expect_send(x, "GET", ACCOUNTS_URL);
  light_exchange_feed_failure(x, LIGHT_FAIL_TLS_VERIFY, NULL);
  CHECK_INT(finish(x, &err, NULL), LIGHT_E_CONNECTION);

  /* an abort during a backoff wait ends the call at once */
  x = new_x(c, "list_accounts", NULL);
  expect_send(x, "GET", ACCOUNTS_URL);
  light_exchange_feed_response(x, 503, JSON_HDR, strlen(JSON_HDR), "{}", 2);
  expect_wait(x, LIGHT_STEP_WAIT);
  light__exchange_abort(x);
  CHECK_INT(finish(x, &err, NULL), LIGHT_E_CANCELLED);
  CHECK_INT(err.kind, LIGHT_ERR_LIGHT);

  /* a mint is retried like an idempotent request */
  light_client *ac = account(c, "acc-1");
  x = new_x(ac, "get_account", NULL);
  expect_send(x, "POST", MINT_URL);
  light_exchange_feed_failure(x, LIGHT_FAIL_RECV, "reset");
  CHECK_INT(expect_wait(x, LIGHT_STEP_WAIT), 250);
  light_http_request m = expect_send(x, "POST", MINT_URL);
  CHECK_STR(header(&m, "X-Light-Retry-Count"), "1");
  light_exchange_free(x);
  light_client_free(ac);

  light_error_clear(&err);
  light_client_free(c);
}

/* ---- rate limiter ------------------------------------------------------- */

static void test_rate_limit_waits(void) {
  light_client *c = new_client(1, 1); /* one app request per second */
  light_error err = LIGHT_ERROR_INIT;
  light_exchange *x = new_x(c, "list_accounts", NULL);
  expect_send(x, "GET", ACCOUNTS_URL);
  ok_200(x, "{}");
  CHECK_INT(finish(x, &err, NULL), LIGHT_OK);
  x = new_x(c, "list_accounts", NULL);
  long d = expect_wait(x, LIGHT_STEP_WAIT); /* the window is full */
  CHECK(d > 0 && d <= 1050);
  light_exchange_free(x);
  /* the mint takes its slot in the app bucket too */
  light_client *ac = account(c, "acc-1");
  x = new_x(ac, "get_account", NULL);
  d = expect_wait(x, LIGHT_STEP_WAIT);
  CHECK(d > 0 && d <= 1050);
  CHECK_INT(light__token_cache_minting(ac->tokens, "acc-1"), 1); /* holds the mint while it waits */
  light_exchange_free(x);
  CHECK_INT(light__token_cache_minting(ac->tokens, "acc-1"), 0);
  light_error_clear(&err);
  light_client_free(ac);
  light_client_free(c);
}

/* ---- libcurl's outcome → failure reason ------------------------------------ */

static void test_curl_failure_reasons(void) {
  CHECK_INT(light__curl_failure(CURLE_OPERATION_TIMEDOUT, 0), LIGHT_FAIL_CONNECT_TIMEOUT);
  CHECK_INT(light__curl_failure(CURLE_OPERATION_TIMEDOUT, 1), LIGHT_FAIL_TIMEOUT);
  CHECK_INT(light__curl_failure(CURLE_COULDNT_CONNECT, 0), LIGHT_FAIL_CONNECT);
  CHECK_INT(light__curl_failure(CURLE_PEER_FAILED_VERIFICATION, 1), LIGHT_FAIL_TLS_VERIFY);
  CHECK_INT(light__curl_failure(CURLE_RECV_ERROR, 1), LIGHT_FAIL_RECV);
  CHECK_INT(light__curl_failure(CURLE_ABORTED_BY_CALLBACK, 1), LIGHT_FAIL_CANCELLED);
  CHECK_INT(LIGHT_FAIL_CONNECT_TIMEOUT, 9);
}

/* ---- versioned structs ------------------------------------------------------ */

static void test_versions(void) {
  light_client_options o;
  CHECK_INT(light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION), LIGHT_OK);
  CHECK_INT(o.version, LIGHT_CLIENT_OPTIONS_VERSION);
  CHECK_INT(o.max_retries, 2);
  CHECK_INT(light_client_options_init(&o, 0), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION + 1), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_client_options_init(NULL, LIGHT_CLIENT_OPTIONS_VERSION), LIGHT_E_INVALID_ARGUMENT);
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.app_token = "app_tok";
  o.version = LIGHT_CLIENT_OPTIONS_VERSION + 1; /* a caller built against a newer, larger struct */
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_STR(err.param, "version");
  CHECK(c == NULL);
  o.version = 0; /* never initialised */
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_E_INVALID_ARGUMENT);

  light_params p;
  CHECK_INT(light_params_init(&p, LIGHT_PARAMS_VERSION), LIGHT_OK);
  CHECK_INT(p.version, LIGHT_PARAMS_VERSION);
  CHECK_INT(p.max_retries, -1);
  CHECK(p.body == NULL && p.query == NULL && p.n_path_params == 0);
  CHECK_INT(light_params_init(&p, LIGHT_PARAMS_VERSION + 1), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_params_init(&p, 0), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_params_init(NULL, LIGHT_PARAMS_VERSION), LIGHT_E_INVALID_ARGUMENT);
  light_client *app = new_client(0, 0);
  light_exchange *x = NULL;
  light_params bad = LIGHT_PARAMS_INIT;
  bad.version = 0;
  CHECK_INT(light_exchange_new(&x, app, "list_accounts", &bad, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_STR(err.param, "params");
  CHECK(x == NULL);
  bad.version = LIGHT_PARAMS_VERSION + 1;
  CHECK_INT(light_exchange_new(&x, app, "list_accounts", &bad, &err), LIGHT_E_INVALID_ARGUMENT);
  light_error_clear(&err);
  light_client_free(app);
}

int main(void) {
  test_versions();
  test_app_request();
  test_mint_cache_refresh_remint();
  test_token_wait();
  test_retries();
  test_rate_limit_waits();
  test_curl_failure_reasons();
  TEST_MAIN_END();
}
