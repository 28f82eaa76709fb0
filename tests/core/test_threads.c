/* One client shared by 8 threads: 2,000 requests (scaled by
 * LIGHT_TEST_SCALE) all succeed, and the shared connection cache keeps the
 * number of TCP connections the emulator saw small. Half of the threads use
 * an account client derived from the shared app client. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "light/light.h"
#include "sandbox_journal.h"

#define THREADS 8

typedef struct job {
  light_client *c;
  const char *op;
  const char *const *pp;
  size_t npp;
  int n;
  int ok;
} job;

static void *run_job(void *ud) {
  job *j = ud;
  for (int i = 0; i < j->n; i++) {
    light_params p = LIGHT_PARAMS_INIT;
    p.path_params = j->pp;
    p.n_path_params = j->npp;
    light_response *r = NULL;
    light_error err = LIGHT_ERROR_INIT;
    if (light_call(&r, j->c, j->op, &p, &err) == LIGHT_OK && light_response_json(r))
      j->ok++;
    else if (j->ok + 5 > i) /* report the first few failures only */
      fprintf(stderr, "%s: %s\n", j->op, err.message ? err.message : "?");
    light_response_free(r);
    light_error_clear(&err);
  }
  return NULL;
}

/* Connections the emulator accepted since the journal/connection reset. */
static int connections(void) {
  char *body = NULL;
  long code = th_admin("GET", "/_sandbox/connections", NULL, &body);
  cJSON *j = body ? cJSON_Parse(body) : NULL;
  free(body);
  int n = -1;
  if (cJSON_IsNumber(j))
    n = j->valueint;
  else if (cJSON_IsArray(j))
    n = cJSON_GetArraySize(j);
  else if (cJSON_IsObject(j)) {
    static const char *const keys[] = {"total", "accepted", "count", "opened", "connections"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && n < 0; i++) {
      const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
      if (cJSON_IsNumber(v))
        n = v->valueint;
      else if (cJSON_IsArray(v))
        n = cJSON_GetArraySize(v);
    }
  }
  if (n < 0) fprintf(stderr, "unexpected /_sandbox/connections answer (HTTP %ld)\n", code);
  cJSON_Delete(j);
  return n;
}

/* Distinct connection ids in the journal. */
static int journal_connections(const cJSON *j) {
  int n = 0, cap = 64;
  long long *ids = malloc(sizeof *ids * (size_t)cap);
  const cJSON *e;
  cJSON_ArrayForEach(e, j) {
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "connection_id");
    long long id;
    if (cJSON_IsNumber(c))
      id = (long long)c->valuedouble;
    else if (cJSON_IsString(c))
      id = (long long)(intptr_t)0 + strtoll(c->valuestring, NULL, 36);
    else
      continue;
    int seen = 0;
    for (int i = 0; i < n; i++) seen |= ids[i] == id;
    if (seen) continue;
    if (n == cap) ids = realloc(ids, sizeof *ids * (size_t)(cap *= 2));
    ids[n++] = id;
  }
  free(ids);
  return n;
}

int main(void) {
  th_require_sandbox();
  th_clear_faults();
  th_config("{\"rate_limit\": false}"); /* load, not throttling, is under test here */
  light_client *app = th_client(NULL, NULL);
  char *uuid = th_create_account(app, "threads@example.com");
  CHECK(uuid != NULL);
  if (!uuid) TEST_MAIN_END();
  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&ac, app, uuid, &err), LIGHT_OK);
  const char *pp[] = {uuid};
  int total = th_scaled(2000, 80);
  int before = connections();
  th_clear_journal();
  pthread_t t[THREADS];
  job jobs[THREADS];
  int64_t t0 = th_mono_ms();
  for (int i = 0; i < THREADS; i++) {
    int n = total / THREADS + (i < total % THREADS);
    if (i % 2 == 0)
      jobs[i] = (job){app, "get_app_account", pp, 1, n, 0};
    else
      jobs[i] = (job){ac, "get_account", NULL, 0, n, 0};
    pthread_create(&t[i], NULL, run_job, &jobs[i]);
  }
  int ok = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    ok += jobs[i].ok;
  }
  double s = (double)(th_mono_ms() - t0) / 1000.0;
  int after = connections();
  cJSON *j = th_journal();
  int distinct = journal_connections(j);
  int mints = th_count(j, "POST", "^/v1/app/accounts/[^/]+/token$");
  cJSON_Delete(j);
  int opened = (before >= 0 && after >= 0) ? after - before : -1;
  fprintf(stderr,
          "threads: %d requests on %d threads in %.2f s (%.0f req/s), %d ok; connections opened %d "
          "(emulator says %d -> %d), distinct in journal %d, token mints %d\n",
          total, THREADS, s, total / s, ok, opened, before, after, distinct, mints);
  CHECK_INT(ok, total);
  CHECK(after >= 0);
  CHECK(opened >= 1 && opened <= 16);
  CHECK(distinct >= 1 && distinct <= 16);
  CHECK_INT(mints, 1);
  light_client_free(ac);
  light_client_free(app);
  light_error_clear(&err);
  free(uuid);
  TEST_MAIN_END();
}
