/* Async engine (core/src/engine.c) driven by a small poll() loop that
 * implements the two host callbacks, against the Light emulator.
 * LIGHT_TEST_SCALE (e.g. 0.1 under valgrind) scales the request counts. */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "light/light.h"

/* ---- host: fd table + one timer ----------------------------------------- */

#include "poll_host.h"

/* Run until nothing is pending (hang guard: limit_ms). Returns 0 when drained. */
static int run_until_idle(host *h, light_engine *e, int64_t limit_ms) {
  int64_t end = now_ms() + limit_ms;
  while (light_engine_pending(e) > 0) {
    if (now_ms() > end) {
      fprintf(stderr, "engine did not drain: %zu pending\n", light_engine_pending(e));
      return -1;
    }
    loop_once(h, e, 100);
  }
  return 0;
}

static void run_for(host *h, light_engine *e, int64_t ms) {
  int64_t end = now_ms() + ms;
  while (now_ms() < end) loop_once(h, e, (int)(end - now_ms()) + 1);
}

/* ---- shared fixtures ---------------------------------------------------- */

static double scale(void) {
  const char *s = th_env("LIGHT_TEST_SCALE");
  double v = s ? atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}

static int scaled(int n, int min) {
  int v = (int)(n * scale());
  return v < min ? min : v;
}

static light_client *app_client(void) {
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.base_url = th_env("LIGHT_SANDBOX_URL");
  o.app_token = th_env("LIGHT_SANDBOX_APP_TOKEN");
  o.ca_file = th_env("LIGHT_SANDBOX_CA_FILE");
  o.retry_base_s = 0.02;
  o.retry_max_s = 0.1;
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  if (light_client_new(&c, &o, &err) != LIGHT_OK) {
    fprintf(stderr, "light_client_new: %s\n", err.message ? err.message : "?");
    exit(2);
  }
  light_error_clear(&err);
  return c;
}

/* Create an account with the blocking transport; returns its uuid (malloc'd). */
static char *make_account(light_client *app, const char *email) {
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "email", email);
  light_params p = LIGHT_PARAMS_INIT;
  p.body = body;
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_call(&resp, app, "create_account", &p, &err);
  cJSON_Delete(body);
  if (st != LIGHT_OK) {
    fprintf(stderr, "create_account: %d %s\n", st, err.message ? err.message : "?");
    exit(2);
  }
  const cJSON *j = light_response_json(resp);
  const cJSON *uuid = cJSON_GetObjectItemCaseSensitive(j, "uuid");
  if (!cJSON_IsString(uuid))
    uuid = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "account"), "uuid");
  if (!cJSON_IsString(uuid)) {
    fprintf(stderr, "create_account: no uuid in the response\n");
    exit(2);
  }
  char *out = strdup(uuid->valuestring);
  light_response_free(resp);
  light_error_clear(&err);
  return out;
}

/* The journal as a cJSON array (caller frees), tolerating {"requests": [...]}. */
static cJSON *journal(void) {
  char *body = NULL;
  th_admin("GET", "/_sandbox/requests", NULL, &body);
  cJSON *j = body ? cJSON_Parse(body) : NULL;
  free(body);
  if (j && !cJSON_IsArray(j)) {
    cJSON *arr = cJSON_DetachItemFromObject(j, "requests");
    cJSON_Delete(j);
    j = arr;
  }
  return j;
}

/* Journal entries with this method whose path equals `path` (or ends with `suffix`). */
static int journal_count(const char *method, const char *path, const char *suffix) {
  cJSON *j = journal();
  int n = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, j) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "method");
    const cJSON *pa = cJSON_GetObjectItemCaseSensitive(it, "path");
    if (!cJSON_IsString(m) || !cJSON_IsString(pa) || strcmp(m->valuestring, method) != 0) continue;
    const char *ps = pa->valuestring;
    if (path && strcmp(ps, path) == 0) n++;
    if (suffix) {
      size_t a = strlen(ps), b = strlen(suffix);
      if (a >= b && strcmp(ps + a - b, suffix) == 0) n++;
    }
  }
  cJSON_Delete(j);
  return n;
}

/* Total TCP connections the emulator has accepted so far. */
static long connections_total(void) {
  char *body = NULL;
  th_admin("GET", "/_sandbox/connections", NULL, &body);
  cJSON *j = body ? cJSON_Parse(body) : NULL;
  free(body);
  long n = -1;
  static const char *const keys[] = {"total", "accepted", "opened", "count", "connections"};
  for (size_t i = 0; j && n < 0 && i < sizeof keys / sizeof keys[0]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
    if (cJSON_IsNumber(v)) n = (long)v->valuedouble;
  }
  if (cJSON_IsNumber(j)) n = (long)j->valuedouble;
  cJSON_Delete(j);
  if (n < 0) fprintf(stderr, "could not read /_sandbox/connections\n");
  return n;
}

/* Per-request completion record. */
typedef struct outcome {
  int calls;
  light_status status;
  int http_status;
  light_error_kind kind;
  char message[128];
  light_async_request *handle;
} outcome;

static void on_done(void *ud, light_status st, light_response *resp, const light_error *err) {
  outcome *o = ud;
  o->calls++;
  o->status = st;
  o->kind = err ? err->kind : LIGHT_ERR_NONE;
  o->message[0] = 0;
  if (err && err->message) snprintf(o->message, sizeof o->message, "%s", err->message);
  o->http_status = resp ? light_response_status(resp) : (err ? err->http_status : 0);
  light_response_free(resp);
}

static light_status submit_get_account(light_engine *e, light_client *c, const char *uuid, outcome *o) {
  const char *pp[1] = {uuid};
  light_params p = LIGHT_PARAMS_INIT;
  p.path_params = pp;
  p.n_path_params = 1;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_engine_submit(&o->handle, e, c, "get_app_account", &p, on_done, o, &err);
  if (st != LIGHT_OK) fprintf(stderr, "submit: %d %s\n", st, err.message ? err.message : "?");
  light_error_clear(&err);
  return st;
}

static light_engine *new_engine(host *h) {
  light_engine_callbacks cb = {host_watch, host_timer, h};
  light_engine *e = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_engine_new(&e, &cb, &err), LIGHT_OK);
  light_error_clear(&err);
  if (!e) exit(2);
  return e;
}

static char g_path[256];

static void set_fault(const char *method, const char *path, const char *kind_json) {
  char json[512];
  snprintf(json, sizeof json, "{\"method\": \"%s\", \"path\": \"%s\", %s}", method, path, kind_json);
  long code = th_admin("POST", "/_sandbox/faults", json, NULL);
  if (code < 200 || code >= 300) fprintf(stderr, "fault %s -> HTTP %ld\n", json, code);
  CHECK(code >= 200 && code < 300);
}

/* ---- (1) many concurrent GETs, pooled connections ----------------------- */

static int wave(light_engine *e, host *h, light_client *c, const char *uuid, int n) {
  outcome *o = calloc((size_t)n, sizeof *o);
  for (int i = 0; i < n; i++) CHECK_INT(submit_get_account(e, c, uuid, &o[i]), LIGHT_OK);
  CHECK_INT(light_engine_pending(e), n);
  CHECK_INT(run_until_idle(h, e, 120000), 0);
  int ok = 0;
  for (int i = 0; i < n; i++) {
    CHECK_INT(o[i].calls, 1);
    if (o[i].calls == 1 && o[i].status == LIGHT_OK && o[i].http_status == 200)
      ok++;
    else if (o[i].status != LIGHT_OK)
      fprintf(stderr, "request %d: %d %s\n", i, o[i].status, o[i].message);
  }
  free(o);
  return ok;
}

static void test_concurrent_and_pool(light_client *app, const char *uuid) {
  host h;
  host_init(&h);
  light_engine *e = new_engine(&h);
  int n = scaled(200, 20);
  long before = connections_total();
  CHECK_INT(wave(e, &h, app, uuid, n), n);
  long after1 = connections_total();
  CHECK_INT(wave(e, &h, app, uuid, n), n);
  long after2 = connections_total();
  /* each connections_total() itself opens one admin connection */
  long first = after1 - before - 1, second = after2 - after1 - 1;
  fprintf(stderr, "pool: wave 1 of %d opened %ld connections, wave 2 opened %ld\n", n, first, second);
  CHECK(before >= 0 && after1 >= 0 && after2 >= 0);
  CHECK(first >= 1 && first <= 64);
  CHECK(second <= n / 10);
  CHECK_INT(light_engine_pending(e), 0);
  CHECK_INT(h.bad_calls, 0);
  light_engine_free(e);
  CHECK_INT(h.n, 0);         /* every socket unwatched */
  CHECK_INT(h.deadline, -1); /* timer disarmed */
}

/* ---- (2) a retry is a timer ---------------------------------------------- */

static void test_retry_timer(light_client *app, const char *uuid) {
  host h;
  host_init(&h);
  light_engine *e = new_engine(&h);
  snprintf(g_path, sizeof g_path, "/v1/app/accounts/%s", uuid);
  th_admin("DELETE", "/_sandbox/requests", NULL, NULL);
  set_fault("GET", g_path, "\"kind\": \"status\", \"status\": 503, \"times\": 1");
  outcome o = {0};
  CHECK_INT(submit_get_account(e, app, uuid, &o), LIGHT_OK);
  CHECK_INT(run_until_idle(&h, e, 60000), 0);
  CHECK_INT(o.calls, 1);
  CHECK_INT(o.status, LIGHT_OK);
  CHECK_INT(o.http_status, 200);
  CHECK_INT(journal_count("GET", g_path, NULL), 2);
  th_admin("DELETE", "/_sandbox/faults", NULL, NULL);
  light_engine_free(e);
}

/* ---- (3) cancellation mid-flight ----------------------------------------- */

static void test_cancel_mid_flight(light_client *app, const char *uuid) {
  host h;
  host_init(&h);
  light_engine *e = new_engine(&h);
  snprintf(g_path, sizeof g_path, "/v1/app/accounts/%s", uuid);
  set_fault("GET", g_path, "\"kind\": \"delay\", \"delay\": 2");
  enum { N = 10 };
  outcome o[N];
  memset(o, 0, sizeof o);
  for (int i = 0; i < N; i++) CHECK_INT(submit_get_account(e, app, uuid, &o[i]), LIGHT_OK);
  for (int i = 0; i < 20; i++) loop_once(&h, e, 20); /* connect and send, then hang in the server */
  CHECK_INT(light_engine_pending(e), N);
  for (int i = 0; i < N; i++) {
    CHECK_INT(o[i].calls, 0);
    if (o[i].calls == 0) CHECK_INT(light_engine_cancel(e, o[i].handle), LIGHT_OK);
  }
  for (int i = 0; i < N; i++) {
    CHECK_INT(o[i].calls, 1);
    CHECK_INT(o[i].status, LIGHT_E_CANCELLED);
    CHECK_INT(o[i].kind, LIGHT_ERR_LIGHT);
    CHECK_STR(o[i].message, "request cancelled");
  }
  CHECK_INT(light_engine_pending(e), 0);
  CHECK_INT(light_engine_cancel(e, NULL), LIGHT_E_INVALID_ARGUMENT);
  th_admin("DELETE", "/_sandbox/faults", NULL, NULL);
  /* the engine stays usable after cancelling */
  outcome after = {0};
  CHECK_INT(submit_get_account(e, app, uuid, &after), LIGHT_OK);
  CHECK_INT(run_until_idle(&h, e, 60000), 0);
  CHECK_INT(after.status, LIGHT_OK);
  CHECK_INT(h.bad_calls, 0);
  light_engine_free(e);
  CHECK_INT(h.n, 0);
}

/* ---- (4) one token mint for many concurrent account requests ------------ */

static void test_single_mint(const char *uuid) {
  host h;
  host_init(&h);
  light_engine *e = new_engine(&h);
  light_client *app = app_client(); /* fresh token cache */
  light_client *acct = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&acct, app, uuid, &err), LIGHT_OK);
  light_error_clear(&err);
  th_admin("DELETE", "/_sandbox/requests", NULL, NULL);
  int n = scaled(50, 10);
  outcome *o = calloc((size_t)n, sizeof *o);
  for (int i = 0; acct && i < n; i++) {
    light_params p = LIGHT_PARAMS_INIT;
    CHECK_INT(light_engine_submit(NULL, e, acct, "get_account", &p, on_done, &o[i], &err), LIGHT_OK);
    light_error_clear(&err);
  }
  CHECK_INT(run_until_idle(&h, e, 60000), 0);
  int ok = 0;
  for (int i = 0; i < n; i++) ok += o[i].calls == 1 && o[i].status == LIGHT_OK;
  CHECK_INT(ok, n);
  char mint[256];
  snprintf(mint, sizeof mint, "/v1/app/accounts/%s/token", uuid);
  int mints = journal_count("POST", mint, NULL);
  fprintf(stderr, "single-flight: %d concurrent first requests, %d token mint(s)\n", n, mints);
  CHECK_INT(mints, 1);
  CHECK_INT(journal_count("GET", "/v1/account", NULL), n);
  free(o);
  light_engine_free(e);
  light_client_free(acct);
  light_client_free(app);
}

/* ---- (5) completions that submit and cancel ------------------------------ */

typedef struct chain {
  light_engine *e;
  light_client *c;
  const char *uuid;
  int remaining;
  int completed;
  int submit_failed;
  outcome *victim; /* cancelled by the first completion */
  outcome victim_out;
} chain;

static void on_chain(void *ud, light_status st, light_response *resp, const light_error *err) {
  chain *ch = ud;
  light_response_free(resp);
  if (st == LIGHT_OK) ch->completed++;
  if (ch->victim) {
    outcome *v = ch->victim;
    ch->victim = NULL;
    if (v->calls == 0) light_engine_cancel(ch->e, v->handle);
  }
  if (ch->remaining-- > 0) {
    const char *pp[1] = {ch->uuid};
    light_params p = LIGHT_PARAMS_INIT;
    p.path_params = pp;
    p.n_path_params = 1;
    light_error e2 = LIGHT_ERROR_INIT;
    if (light_engine_submit(NULL, ch->e, ch->c, "get_app_account", &p, on_chain, ch, &e2) != LIGHT_OK)
      ch->submit_failed++;
    light_error_clear(&e2);
  }
}

static void test_reentrancy(light_client *app, const char *uuid) {
  host h;
  host_init(&h);
  light_engine *e = new_engine(&h);
  chain ch = {e, app, uuid, 4, 0, 0, NULL, {0}};
  /* a victim stuck on a slow route, cancelled from inside a completion */
  set_fault("GET", "/v1/app/accounts", "\"kind\": \"delay\", \"delay\": 2");
  light_params lp = LIGHT_PARAMS_INIT;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_engine_submit(&ch.victim_out.handle, e, app, "list_accounts", &lp, on_done, &ch.victim_out, &err),
            LIGHT_OK);
  ch.victim = &ch.victim_out;
  const char *pp[1] = {uuid};
  light_params p = LIGHT_PARAMS_INIT;
  p.path_params = pp;
  p.n_path_params = 1;
  CHECK_INT(light_engine_submit(NULL, e, app, "get_app_account", &p, on_chain, &ch, &err), LIGHT_OK);
  light_error_clear(&err);
  CHECK_INT(run_until_idle(&h, e, 60000), 0);
  CHECK_INT(ch.completed, 5);
  CHECK_INT(ch.submit_failed, 0);
  CHECK_INT(ch.victim_out.calls, 1);
  CHECK_INT(ch.victim_out.status, LIGHT_E_CANCELLED);
  th_admin("DELETE", "/_sandbox/faults", NULL, NULL);
  light_engine_free(e);
}

/* ---- (6) freeing the engine with requests in flight ---------------------- */

typedef struct free_probe {
  outcome o;
  light_engine *e;
  light_client *c;
  light_status resubmit; /* submit from a completion during free */
} free_probe;

static void on_free_probe(void *ud, light_status st, light_response *resp, const light_error *err) {
  free_probe *fp = ud;
  on_done(&fp->o, st, resp, err);
  light_params p = LIGHT_PARAMS_INIT;
  light_error e2 = LIGHT_ERROR_INIT;
  static outcome sink;
  fp->resubmit = light_engine_submit(NULL, fp->e, fp->c, "list_accounts", &p, on_done, &sink, &e2);
  light_error_clear(&e2);
}

static void test_free_pending(light_client *app, const char *uuid) {
  host h;
  host_init(&h);
  light_engine *e = new_engine(&h);
  snprintf(g_path, sizeof g_path, "/v1/app/accounts/%s", uuid);
  set_fault("GET", g_path, "\"kind\": \"delay\", \"delay\": 2");
  set_fault("GET", "/v1/app/accounts", "\"kind\": \"delay\", \"delay\": 2");
  enum { N = 10 };
  outcome o[N];
  memset(o, 0, sizeof o);
  for (int i = 0; i < N; i++) CHECK_INT(submit_get_account(e, app, uuid, &o[i]), LIGHT_OK);
  free_probe fp = {{0}, e, app, LIGHT_OK};
  light_params p = LIGHT_PARAMS_INIT;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_engine_submit(NULL, e, app, "list_accounts", &p, on_free_probe, &fp, &err), LIGHT_OK);
  light_error_clear(&err);
  for (int i = 0; i < 10; i++) loop_once(&h, e, 20);
  light_engine_free(e);
  for (int i = 0; i < N; i++) {
    CHECK_INT(o[i].calls, 1);
    CHECK_INT(o[i].status, LIGHT_E_CANCELLED);
  }
  CHECK_INT(fp.o.calls, 1);
  CHECK_INT(fp.o.status, LIGHT_E_CANCELLED);
  CHECK_INT(fp.resubmit, LIGHT_E_STATE); /* no submit while the engine is being freed */
  CHECK_INT(h.n, 0);
  CHECK_INT(h.deadline, -1);
  CHECK_INT(h.bad_calls, 0);
  th_admin("DELETE", "/_sandbox/faults", NULL, NULL);
  light_engine_free(NULL);
}

/* ---- (8) the client-side rate limiter delays by timers ------------------ */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void test_rate_limit_timers(const char *uuid) {
  enum { RATE = 5 };
  host h;
  host_init(&h);
  light_engine *e = new_engine(&h);
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.base_url = th_env("LIGHT_SANDBOX_URL");
  o.app_token = th_env("LIGHT_SANDBOX_APP_TOKEN");
  o.ca_file = th_env("LIGHT_SANDBOX_CA_FILE");
  o.rate_limit = 1;
  o.app_rate_per_s = RATE;
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  light_error_clear(&err);
  if (!c) return;
  snprintf(g_path, sizeof g_path, "/v1/app/accounts/%s", uuid);
  th_admin("DELETE", "/_sandbox/requests", NULL, NULL);
  int n = scaled(20, 3 * RATE);
  outcome *out = calloc((size_t)n, sizeof *out);
  for (int i = 0; i < n; i++) CHECK_INT(submit_get_account(e, c, uuid, &out[i]), LIGHT_OK);
  CHECK_INT(run_until_idle(&h, e, 120000), 0);
  int ok = 0;
  for (int i = 0; i < n; i++) ok += out[i].calls == 1 && out[i].status == LIGHT_OK;
  CHECK_INT(ok, n);
  /* server-side arrival times: no window (a little under one second, for
   * loopback jitter) holds more than RATE requests */
  cJSON *j = journal();
  double *t = calloc((size_t)n + 1, sizeof *t);
  int m = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, j) {
    const cJSON *pa = cJSON_GetObjectItemCaseSensitive(it, "path");
    const cJSON *tm = cJSON_GetObjectItemCaseSensitive(it, "time");
    if (cJSON_IsString(pa) && strcmp(pa->valuestring, g_path) == 0 && cJSON_IsNumber(tm) && m <= n)
      t[m++] = tm->valuedouble;
  }
  cJSON_Delete(j);
  CHECK_INT(m, n);
  qsort(t, (size_t)m, sizeof *t, cmp_double);
  int worst = 0;
  for (int a = 0, b = 0; a < m; a++) {
    while (b < m && t[b] < t[a] + 0.95) b++;
    if (b - a > worst) worst = b - a;
  }
  fprintf(stderr, "rate limit: %d requests at %d/s, busiest window held %d\n", n, RATE, worst);
  CHECK(worst <= RATE);
  free(t);
  free(out);
  light_engine_free(e);
  light_client_free(c);
}

/* ---- (9) cancelling while waiting: a retry backoff, a token mint --------- */

static void test_cancel_waiting(light_client *app, const char *uuid) {
  host h;
  host_init(&h);
  light_engine *e = new_engine(&h);
  /* a 503 with Retry-After: 30 parks the request on a timer */
  snprintf(g_path, sizeof g_path, "/v1/app/accounts/%s", uuid);
  set_fault("GET", g_path, "\"kind\": \"status\", \"status\": 503, \"retry_after\": 30, \"times\": 1");
  th_admin("DELETE", "/_sandbox/requests", NULL, NULL);
  outcome w = {0};
  CHECK_INT(submit_get_account(e, app, uuid, &w), LIGHT_OK);
  /* wait until the 503 was fed: the host timer is then armed ~30 s out
   * (while the transfer runs curl's own timers are 10 s at most) */
  int64_t end = now_ms() + 30000;
  while (now_ms() < end && !(h.deadline >= 0 && h.deadline - now_ms() > 20000)) loop_once(&h, e, 10);
  CHECK_INT(w.calls, 0);
  CHECK(h.deadline - now_ms() > 20000); /* the retry is an armed timer, not a sleep */
  CHECK_INT(light_engine_cancel(e, w.handle), LIGHT_OK);
  CHECK_INT(w.calls, 1);
  CHECK_INT(w.status, LIGHT_E_CANCELLED);
  CHECK_INT(light_engine_pending(e), 0);
  th_admin("DELETE", "/_sandbox/faults", NULL, NULL);

  /* the request holding an account's token mint is cancelled: the others
   * elect a new minter and complete */
  light_client *fresh = app_client();
  light_client *acct = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&acct, fresh, uuid, &err), LIGHT_OK);
  light_error_clear(&err);
  char mint[256];
  snprintf(mint, sizeof mint, "/v1/app/accounts/%s/token", uuid);
  set_fault("POST", mint, "\"kind\": \"delay\", \"delay\": 2, \"times\": 1");
  th_admin("DELETE", "/_sandbox/requests", NULL, NULL);
  enum { N = 8 };
  outcome o[N];
  memset(o, 0, sizeof o);
  for (int i = 0; acct && i < N; i++) {
    light_params p = LIGHT_PARAMS_INIT;
    CHECK_INT(light_engine_submit(&o[i].handle, e, acct, "get_account", &p, on_done, &o[i], &err), LIGHT_OK);
    light_error_clear(&err);
  }
  /* until the (delayed) mint reached the server */
  for (int i = 0; i < 500 && journal_count("POST", mint, NULL) < 1; i++) loop_once(&h, e, 10);
  CHECK_INT(o[0].calls, 0);
  CHECK_INT(light_engine_cancel(e, o[0].handle), LIGHT_OK); /* the first submitted holds the mint */
  CHECK_INT(o[0].status, LIGHT_E_CANCELLED);
  CHECK_INT(run_until_idle(&h, e, 60000), 0);
  int ok = 0;
  for (int i = 1; i < N; i++) ok += o[i].calls == 1 && o[i].status == LIGHT_OK;
  CHECK_INT(ok, N - 1);
  CHECK_INT(journal_count("POST", mint, NULL), 2); /* the abandoned mint and its replacement */
  th_admin("DELETE", "/_sandbox/faults", NULL, NULL);
  light_engine_free(e);
  light_client_free(acct);
  light_client_free(fresh);
}

/* ---- (7) validation errors are synchronous ------------------------------ */

static void test_validation(light_client *app) {
  host h;
  host_init(&h);
  light_engine *e = new_engine(&h);
  outcome o = {0};
  light_params p = LIGHT_PARAMS_INIT; /* get_app_account needs one path parameter */
  light_error err = LIGHT_ERROR_INIT;
  light_async_request *handle = (light_async_request *)&o;
  CHECK_INT(light_engine_submit(&handle, e, app, "get_app_account", &p, on_done, &o, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(err.code, LIGHT_E_INVALID_ARGUMENT);
  CHECK(handle == NULL);
  light_error_clear(&err);
  CHECK_INT(light_engine_submit(NULL, e, app, "no_such_operation", &p, on_done, &o, &err), LIGHT_E_INVALID_ARGUMENT);
  light_error_clear(&err);
  CHECK_INT(light_engine_submit(NULL, e, app, "list_accounts", &p, NULL, &o, &err), LIGHT_E_INVALID_ARGUMENT);
  light_error_clear(&err);
  CHECK_INT(light_engine_pending(e), 0);
  run_for(&h, e, 20);
  CHECK_INT(o.calls, 0);
  light_engine_free(e);
  CHECK_INT(o.calls, 0);

  light_engine *bad = NULL;
  light_engine_callbacks cb = {host_watch, NULL, &h};
  CHECK_INT(light_engine_new(&bad, &cb, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(bad == NULL);
  light_error_clear(&err);
}

int main(void) {
  th_require_sandbox();
  light_client *app = app_client();
  char email[64];
  snprintf(email, sizeof email, "engine-%ld@example.com", (long)now_ms());
  char *uuid = make_account(app, email);
  /* the emulator's server-side rate limit (30/s per app) would turn this
   * load into 429 retries; the client-side limiter has its own tests */
  CHECK_INT(th_admin("POST", "/_sandbox/config", "{\"rate_limit\": false}", NULL), 200);

  test_validation(app);
  test_concurrent_and_pool(app, uuid);
  test_retry_timer(app, uuid);
  test_cancel_mid_flight(app, uuid);
  test_single_mint(uuid);
  test_reentrancy(app, uuid);
  test_free_pending(app, uuid);
  test_rate_limit_timers(uuid);
  test_cancel_waiting(app, uuid);

  th_admin("DELETE", "/_sandbox/config", NULL, NULL);
  free(uuid);
  light_client_free(app);
  TEST_MAIN_END();
}
