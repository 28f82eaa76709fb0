/* The client-side rate limiter: requests from several threads through one
 * client (and its account client) never exceed the configured per-second
 * limits, judged from the emulator's own arrival timestamps. The ideal
 * duration is printed for information only (no timing assertion). Also a
 * unit test of the sliding window (internal API, no I/O). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "internal.h"
#include "light/light.h"
#include "sandbox_journal.h"

#define APP_LIMIT 40
#define ACCOUNT_LIMIT 15

static void tweak_limits(light_client_options *o, void *ud) {
  (void)ud;
  o->rate_limit = 1;
  o->app_rate_per_s = APP_LIMIT;
  o->account_rate_per_s = ACCOUNT_LIMIT;
}

/* Arrival time (seconds) of a journal entry; the emulator's field name is
 * one of these. -1 when absent. */
static double entry_time(const cJSON *e) {
  static const char *const keys[] = {"ts", "time", "timestamp", "received_at", "monotonic", "at"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, keys[i]);
    if (cJSON_IsNumber(v)) return v->valuedouble;
  }
  return -1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Largest number of arrivals in any window [t, t + 1 s) among entries
 * matching method + path regex. Also returns the span first..last. */
static int max_per_window(const cJSON *journal, const char *method, const char *re, int *n_out, double *span) {
  int n = cJSON_GetArraySize(journal), m = 0;
  double *t = calloc((size_t)n + 1, sizeof *t);
  regex_t rx;
  regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
  const cJSON *e;
  cJSON_ArrayForEach(e, journal) {
    const char *mm = th_str(e, "method"), *p = th_str(e, "path");
    if (!mm || !p || strcmp(mm, method) != 0 || regexec(&rx, p, 0, NULL, 0) != 0) continue;
    double ts = entry_time(e);
    if (ts < 0) {
      fprintf(stderr, "journal entry without a timestamp\n");
      CHECK(0);
      continue;
    }
    t[m++] = ts;
  }
  regfree(&rx);
  qsort(t, (size_t)m, sizeof *t, cmp_double);
  int best = 0;
  for (int i = 0, j = 0; i < m; i++) {
    while (j < m && t[j] < t[i] + 1.0) j++;
    if (j - i > best) best = j - i;
  }
  *n_out = m;
  *span = m ? t[m - 1] - t[0] : 0;
  free(t);
  return best;
}

typedef struct job {
  light_client *c;
  const char *op;
  int n;
  int ok;
} job;

static void *run_job(void *ud) {
  job *j = ud;
  for (int i = 0; i < j->n; i++) {
    light_response *r = NULL;
    light_error err = LIGHT_ERROR_INIT;
    if (light_call(&r, j->c, j->op, NULL, &err) == LIGHT_OK)
      j->ok++;
    else
      fprintf(stderr, "%s: %s\n", j->op, err.message ? err.message : "?");
    light_response_free(r);
    light_error_clear(&err);
  }
  return NULL;
}

static void run_threads(light_client *c, const char *op, int total, int threads, int *ok, double *wall_s) {
  pthread_t t[16];
  job jobs[16];
  int64_t t0 = th_mono_ms();
  for (int i = 0; i < threads; i++) {
    jobs[i] = (job){c, op, total / threads + (i < total % threads), 0};
    pthread_create(&t[i], NULL, run_job, &jobs[i]);
  }
  *ok = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(t[i], NULL);
    *ok += jobs[i].ok;
  }
  *wall_s = (double)(th_mono_ms() - t0) / 1000.0;
}

static void test_window_unit(void) {
  light__rate_limit *rl = light__rate_limit_new(3, 2);
  CHECK(rl != NULL);
  CHECK_INT(light__rate_limit_acquire(rl, NULL, 1000), 0);
  CHECK_INT(light__rate_limit_acquire(rl, NULL, 1100), 0);
  CHECK_INT(light__rate_limit_acquire(rl, NULL, 1200), 0);
  long d = light__rate_limit_acquire(rl, NULL, 1300); /* full: wait for the first to leave the window */
  CHECK(d >= 700 && d <= 760);
  CHECK_INT(light__rate_limit_acquire(rl, NULL, 1300 + d), 0);
  CHECK(light__rate_limit_acquire(rl, NULL, 1300 + d) > 0);
  /* accounts have their own buckets, independent of the app's */
  CHECK_INT(light__rate_limit_acquire(rl, "a", 1300), 0);
  CHECK_INT(light__rate_limit_acquire(rl, "a", 1300), 0);
  CHECK(light__rate_limit_acquire(rl, "a", 1300) > 0);
  CHECK_INT(light__rate_limit_acquire(rl, "b", 1300), 0);
  light__rate_limit_free(rl);
}

static void test_app_limit(light_client *c) {
  const int total = 100, threads = 4;
  th_clear_journal();
  int ok = 0;
  double wall = 0;
  run_threads(c, "list_accounts", total, threads, &ok, &wall);
  CHECK_INT(ok, total);
  cJSON *j = th_journal();
  int n = 0;
  double span = 0;
  int worst = max_per_window(j, "GET", "^/v1/app/accounts$", &n, &span);
  /* LIMIT go at once, then LIMIT more each time a window has passed */
  double ideal = (double)((total - 1) / APP_LIMIT);
  fprintf(stderr,
          "rate limit (app, %d/s): %d requests on %d threads, busiest 1 s window %d, server span %.2f s, "
          "wall %.2f s, ideal %.2f s\n",
          APP_LIMIT, n, threads, worst, span, wall, ideal);
  CHECK_INT(n, total);
  CHECK(worst <= APP_LIMIT);
  cJSON_Delete(j);
}

static void test_account_limit(light_client *app) {
  char *uuid = th_create_account(app, "ratelimit@example.com");
  CHECK(uuid != NULL);
  if (!uuid) return;
  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&ac, app, uuid, &err), LIGHT_OK);
  const int total = 40, threads = 4;
  th_clear_journal();
  int ok = 0;
  double wall = 0;
  run_threads(ac, "get_account", total, threads, &ok, &wall);
  CHECK_INT(ok, total);
  cJSON *j = th_journal();
  int n = 0;
  double span = 0;
  int worst = max_per_window(j, "GET", "^/v1/account$", &n, &span);
  fprintf(stderr,
          "rate limit (account, %d/s): %d requests on %d threads, busiest 1 s window %d, server span %.2f s, "
          "wall %.2f s, ideal %.2f s\n",
          ACCOUNT_LIMIT, n, threads, worst, span, wall, (double)((total - 1) / ACCOUNT_LIMIT));
  CHECK_INT(n, total);
  CHECK(worst <= ACCOUNT_LIMIT);
  /* the token mint went through the app bucket, and there was one */
  CHECK_INT(th_count(j, "POST", "^/v1/app/accounts/[^/]+/token$"), 1);
  cJSON_Delete(j);
  light_client_free(ac);
  light_error_clear(&err);
  free(uuid);
}

int main(void) {
  test_window_unit();
  th_require_sandbox();
  th_clear_faults();
  /* The emulator's own limiter stays off: the verdict comes from its timestamps. */
  th_config("{\"rate_limit\": false}");
  /* Warm-up without the limiter: the first requests of a process are slow
   * (lazy binding, valgrind translating code), and a slot taken long before
   * its request leaves would squeeze the server-side windows. */
  light_client *warm = th_client(NULL, NULL);
  int warm_ok = 0;
  double warm_s = 0;
  run_threads(warm, "list_accounts", 16, 4, &warm_ok, &warm_s);
  CHECK_INT(warm_ok, 16);
  light_client_free(warm);
  light_client *c = th_client(tweak_limits, NULL);
  test_app_limit(c);
  test_account_limit(c);
  light_client_free(c);
  TEST_MAIN_END();
}
