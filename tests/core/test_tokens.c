/* The account-token manager: single-flight minting under concurrency,
 * refresh ahead of expiry (injected client clock + emulator clock), exactly
 * one re-mint on 401, bounded failure when minting itself fails, and bare
 * account-token clients. Mints are counted in the emulator's journal. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "light/light.h"
#include "sandbox_journal.h"

#define MINT_RE "^/v1/app/accounts/[^/]+/token$"

/* Injected wall clock: real time + offset (ms). */
static _Atomic int64_t clock_offset_ms;

static int64_t test_clock(void *ud) {
  (void)ud;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&clock_offset_ms);
}

static void tweak_clock(light_client_options *o, void *ud) {
  (void)ud;
  o->clock = test_clock;
}

/* The emulator's business clock offset, mirrored to line the two clocks up. */
static int64_t server_offset_ms;

static void advance_server(int64_t seconds) {
  th_advance_clock((double)seconds);
  server_offset_ms += seconds * 1000;
}

static int get_account(light_client *ac, light_error *err) {
  light_response *r = NULL;
  light_status st = light_call(&r, ac, "get_account", NULL, err);
  light_response_free(r);
  return st;
}

static int count(const char *method, const char *re) {
  cJSON *j = th_journal();
  int n = th_count(j, method, re);
  cJSON_Delete(j);
  return n;
}

/* ---- single flight ------------------------------------------------------ */

typedef struct worker_arg {
  light_client *ac;
  pthread_barrier_t *start;
  int status;
} worker_arg;

static void *worker(void *ud) {
  worker_arg *a = ud;
  light_error err = LIGHT_ERROR_INIT;
  pthread_barrier_wait(a->start);
  a->status = get_account(a->ac, &err);
  if (a->status != LIGHT_OK) fprintf(stderr, "worker: %s\n", err.message ? err.message : "?");
  light_error_clear(&err);
  return NULL;
}

static void test_single_flight(light_client *app) {
  enum { N = 16 };
  char *uuid = th_create_account(app, "single-flight@example.com");
  CHECK(uuid != NULL);
  if (!uuid) return;
  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&ac, app, uuid, &err), LIGHT_OK);
  th_clear_journal();
  pthread_t t[N];
  worker_arg a[N];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, N);
  for (int i = 0; i < N; i++) {
    a[i].ac = ac;
    a[i].start = &start;
    a[i].status = -100;
    pthread_create(&t[i], NULL, worker, &a[i]);
  }
  int ok = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(t[i], NULL);
    ok += a[i].status == LIGHT_OK;
  }
  pthread_barrier_destroy(&start);
  int mints = count("POST", MINT_RE), gets = count("GET", "^/v1/account$");
  fprintf(stderr, "single flight: %d concurrent first requests -> %d ok, %d mint(s), %d GET /v1/account\n", N, ok,
          mints, gets);
  CHECK_INT(ok, N);
  CHECK_INT(mints, 1);
  CHECK_INT(gets, N);
  /* a second account client of the same app shares the cache: no new mint */
  light_client *ac2 = NULL;
  CHECK_INT(light_client_for_account(&ac2, app, uuid, &err), LIGHT_OK);
  CHECK_INT(get_account(ac2, &err), LIGHT_OK);
  CHECK_INT(count("POST", MINT_RE), 1);
  light_client_free(ac2);
  light_client_free(ac);
  light_error_clear(&err);
  free(uuid);
}

/* ---- refresh before expiry -------------------------------------------- */

static void test_refresh_before_expiry(light_client *app) {
  char *uuid = th_create_account(app, "refresh@example.com");
  CHECK(uuid != NULL);
  if (!uuid) return;
  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&ac, app, uuid, &err), LIGHT_OK);
  th_clear_journal();
  CHECK_INT(get_account(ac, &err), LIGHT_OK);
  CHECK_INT(get_account(ac, &err), LIGHT_OK);
  CHECK_INT(count("POST", MINT_RE), 1);
  /* 45 min later (both clocks): still fresh with the default 10 min margin */
  advance_server(45 * 60);
  atomic_fetch_add(&clock_offset_ms, (int64_t)45 * 60 * 1000);
  CHECK_INT(get_account(ac, &err), LIGHT_OK);
  CHECK_INT(count("POST", MINT_RE), 1);
  /* 51 min: inside the margin, the token is refreshed before it expires */
  advance_server(6 * 60);
  atomic_fetch_add(&clock_offset_ms, (int64_t)6 * 60 * 1000);
  CHECK_INT(get_account(ac, &err), LIGHT_OK);
  CHECK_INT(count("POST", MINT_RE), 2);
  /* and no request was refused on the way */
  cJSON *j = th_journal();
  const cJSON *e;
  int refused = 0;
  cJSON_ArrayForEach(e, j) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "status");
    if (cJSON_IsNumber(s) && s->valueint == 401) refused++;
  }
  CHECK_INT(refused, 0);
  cJSON_Delete(j);
  CHECK_INT(get_account(ac, &err), LIGHT_OK);
  CHECK_INT(count("POST", MINT_RE), 2);
  light_client_free(ac);
  light_error_clear(&err);
  free(uuid);
}

/* ---- 401: exactly one re-mint ------------------------------------------ */

static void test_remint_on_401(light_client *app) {
  char *uuid = th_create_account(app, "remint@example.com");
  CHECK(uuid != NULL);
  if (!uuid) return;
  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&ac, app, uuid, &err), LIGHT_OK);
  th_clear_journal();
  CHECK_INT(get_account(ac, &err), LIGHT_OK);
  CHECK_INT(count("POST", MINT_RE), 1);
  /* the server's clock passes expires_at; ours does not: the cached token
   * looks fresh to the client, the server answers 401 */
  advance_server(61 * 60);
  CHECK_INT(get_account(ac, &err), LIGHT_OK);
  int mints = count("POST", MINT_RE), gets = count("GET", "^/v1/account$");
  fprintf(stderr, "401 re-mint: %d mints, %d GET /v1/account (one refused)\n", mints, gets);
  CHECK_INT(mints, 2);
  CHECK_INT(gets, 3);
  CHECK_INT(get_account(ac, &err), LIGHT_OK); /* the new token sticks */
  CHECK_INT(count("POST", MINT_RE), 2);

  /* a 401 that survives the re-mint reaches the caller: one re-mint, no loop */
  th_clear_journal();
  th_fault("{\"method\":\"GET\",\"path\":\"/v1/account\",\"kind\":\"status\",\"status\":401,\"times\":100}");
  CHECK_INT(get_account(ac, &err), LIGHT_E_API);
  CHECK_INT(err.http_status, 401);
  CHECK_INT(err.kind, LIGHT_ERR_AUTHENTICATION);
  CHECK_INT(count("POST", MINT_RE), 1);
  CHECK_INT(count("GET", "^/v1/account$"), 2);
  th_clear_faults();
  light_client_free(ac);
  light_error_clear(&err);
  free(uuid);
}

/* ---- the mint itself fails --------------------------------------------- */

static void test_mint_failure(light_client *app) {
  char *uuid = th_create_account(app, "mint-fails@example.com");
  CHECK(uuid != NULL);
  if (!uuid) return;
  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&ac, app, uuid, &err), LIGHT_OK);
  th_clear_journal();
  th_fault(
      "{\"method\":\"POST\",\"path_regex\":\"^/v1/app/accounts/[^/]+/token$\",\"kind\":\"status\",\"status\":500,"
      "\"times\":1000}");
  CHECK_INT(get_account(ac, &err), LIGHT_E_API);
  CHECK_INT(err.http_status, 500);
  CHECK_INT(err.kind, LIGHT_ERR_INTERNAL_SERVER);
  CHECK(err.message && strstr(err.message, "account token mint failed") != NULL);
  int mints = count("POST", MINT_RE);
  fprintf(stderr, "mint failing with 500: %d mint attempts (1 + max_retries), %d GET /v1/account\n", mints,
          count("GET", "^/v1/account$"));
  CHECK_INT(mints, 3);
  CHECK_INT(count("GET", "^/v1/account$"), 0);
  /* 401 on the mint (bad app token): one attempt, AuthenticationError */
  th_clear_faults();
  th_clear_journal();
  th_fault(
      "{\"method\":\"POST\",\"path_regex\":\"^/v1/app/accounts/[^/]+/token$\",\"kind\":\"status\",\"status\":401,"
      "\"times\":1000}");
  CHECK_INT(get_account(ac, &err), LIGHT_E_API);
  CHECK_INT(err.kind, LIGHT_ERR_AUTHENTICATION);
  CHECK_INT(count("POST", MINT_RE), 1);
  th_clear_faults();
  /* once the fault is gone the next call mints and succeeds (the failure was not cached) */
  CHECK_INT(get_account(ac, &err), LIGHT_OK);
  light_client_free(ac);
  light_error_clear(&err);
  free(uuid);
}

/* ---- bare account token ------------------------------------------------- */

static void test_bare_account_token(light_client *app) {
  char *uuid = th_create_account(app, "bare@example.com");
  CHECK(uuid != NULL);
  if (!uuid) return;
  const char *pp[] = {uuid};
  light_params p = LIGHT_PARAMS_INIT;
  p.path_params = pp;
  p.n_path_params = 1;
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_call(&r, app, "create_account_token", &p, &err), LIGHT_OK);
  const char *tok = th_str(light_response_json(r), "token");
  CHECK(tok != NULL);
  CHECK(th_str(light_response_json(r), "expires_at") != NULL);
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.app_token = NULL; /* frontend-style: no app token at all */
  o.account_token = tok;
  o.base_url = th_env("LIGHT_SANDBOX_URL");
  o.ca_file = th_env("LIGHT_SANDBOX_CA_FILE");
  light_client *bare = NULL;
  CHECK_INT(light_client_new(&bare, &o, &err), LIGHT_OK);
  light_response_free(r);
  CHECK(light_client_can(bare, LIGHT_AUTH_ACCOUNT));
  CHECK(!light_client_can(bare, LIGHT_AUTH_APP));
  th_clear_journal();
  CHECK_INT(light_call(&r, bare, "get_account", NULL, &err), LIGHT_OK);
  CHECK_STR(th_str(light_response_json(r), "uuid"), uuid);
  light_response_free(r);
  cJSON *j = th_journal();
  CHECK_INT(th_count(j, "POST", MINT_RE), 0);
  CHECK_STR(th_str(th_last(j), "auth_kind"), "account");
  cJSON_Delete(j);
  /* app operations are refused before any I/O */
  CHECK_INT(light_call(&r, bare, "list_accounts", NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  /* a bare token is never re-minted: a 401 goes straight to the caller */
  advance_server(61 * 60);
  th_clear_journal();
  CHECK_INT(light_call(&r, bare, "get_account", NULL, &err), LIGHT_E_API);
  CHECK_INT(err.kind, LIGHT_ERR_AUTHENTICATION);
  CHECK_INT(count("GET", "^/v1/account$"), 1);
  light_client_free(bare);
  light_error_clear(&err);
  free(uuid);
}

/* ---- short-lived tokens ------------------------------------------------- */

static void test_short_ttl(light_client *app) {
  /* a TTL shorter than the refresh margin must not mean a mint per call */
  th_config("{\"account_token_ttl\": 120}");
  atomic_store(&clock_offset_ms, server_offset_ms);
  char *uuid = th_create_account(app, "short-ttl@example.com");
  CHECK(uuid != NULL);
  if (!uuid) {
    th_config("{\"account_token_ttl\": 3600}");
    return;
  }
  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&ac, app, uuid, &err), LIGHT_OK);
  th_clear_journal();
  for (int i = 0; i < 5; i++) CHECK_INT(get_account(ac, &err), LIGHT_OK);
  CHECK_INT(count("POST", MINT_RE), 1);
  th_config("{\"account_token_ttl\": 3600}");
  light_client_free(ac);
  light_error_clear(&err);
  free(uuid);
}

int main(void) {
  th_require_sandbox();
  th_clear_faults();
  light_client *app = th_client(tweak_clock, NULL);
  test_single_flight(app);
  test_refresh_before_expiry(app);
  test_remint_on_401(app);
  test_mint_failure(app);
  test_bare_account_token(app);
  test_short_ttl(app);
  light_client_free(app);
  th_clear_faults();
  /* put the emulator's clock back for whoever runs next */
  char b[64];
  snprintf(b, sizeof b, "{\"set\": %lld}", (long long)time(NULL));
  th_admin("POST", "/_sandbox/clock", b, NULL);
  TEST_MAIN_END();
}
