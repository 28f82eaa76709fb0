/* Soak driver for the C core (tests/soak/test_soak.py, `make soak`).
 *
 * THREADS threads share ONE app client (and one account client derived from
 * it): in each phase the blocking threads run the first half of the phase's
 * requests with light_call() while one more thread drives an async engine
 * (poll() host, ASYNC_INFLIGHT calls in flight) through the second half on
 * the same two clients; REQUESTS requests in total. Then the blocking
 * threads run VERIFIES webhook verifications (verify + parse, what the
 * bindings' `verify` does). The same
 * workload as the Python, Node and Lua drivers (tests/soak/README in
 * docs/soak.md):
 *   request i:  i % 10 in 0..5  get_app_account(uuid)      -> 200, same uuid
 *               i % 10 in 6..8  get_account (account token) -> 200, same uuid
 *               i % 10 == 9     get_app_account(unknown)    -> NotFound (expected)
 *   verify j:   j % 10 == 9     signed with another secret  -> signature_mismatch (expected)
 *               otherwise       valid                       -> event parsed
 * The first 10 % of both is warm-up; RSS (/proc/self/statm) is sampled after
 * it and at the end. Prints one JSON line of figures on stdout; exit 0 only
 * when every request and verification had its expected outcome.
 *
 * Built twice by the test: against build/liblight.a (RSS figures) and with
 * -fsanitize=thread against build-tsan/liblight.a (ThreadSanitizer run).
 *
 * Environment: LIGHT_SANDBOX_URL, LIGHT_SANDBOX_APP_TOKEN, LIGHT_SOAK_ACCOUNT
 * (uuid of an existing account), LIGHT_SOAK_REQUESTS, LIGHT_SOAK_VERIFIES,
 * LIGHT_SOAK_THREADS (default 8). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "light/light.h"
#include "poll_host.h"

#define MAX_THREADS 64
#define ASYNC_INFLIGHT 8
#define MISSING_UUID "a1b2c3d4-5678-90ab-cdef-1234567890ab"

static const char PAYLOAD[] =
    "{\"uuid\":\"0b7f0c56-3c1e-4b8e-9f5e-1f2d3c4b5a69\",\"created_at\":\"2026-01-01T00:00:00Z\","
    "\"api_version\":\"v1\",\"event\":\"enrollment.finalized\","
    "\"data\":{\"account\":{\"uuid\":\"a\",\"status\":\"reviewing\",\"status_reason\":\"verification_pending\"}}}";

typedef struct shared {
  light_client *app;
  light_client *acct;
  const char *uuid;
  const char *secret;
  char good_sig[LIGHT_SIGNATURE_MAX];
  char bad_sig[LIGHT_SIGNATURE_MAX];
  int64_t now;
} shared;

typedef struct worker {
  shared *s;
  int index, nthreads;
  long req_from, req_to; /* request indices [from, to) this phase; thread takes i % nthreads == index */
  long ver_from, ver_to;
  long ok, expected_errors, failed, verified, verify_rejected, verify_failed;
} worker;

static long env_long(const char *name, long dflt) {
  const char *v = getenv(name);
  return v && *v ? strtol(v, NULL, 10) : dflt;
}

static long rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long size = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
    fclose(f);
  }
  return resident * sysconf(_SC_PAGESIZE);
}

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int same_uuid(const light_response *r, const char *uuid) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(light_response_json(r), "uuid");
  return cJSON_IsString(v) && strcmp(v->valuestring, uuid) == 0;
}

/* Count request i's outcome against what its kind expects. */
static void classify(worker *w, long i, light_status st, const light_response *r, const light_error *err) {
  int kind = (int)(i % 10);
  if (kind < 9 && st == LIGHT_OK && same_uuid(r, w->s->uuid)) {
    w->ok++;
  } else if (kind == 9 && st != LIGHT_OK && err && err->kind == LIGHT_ERR_NOT_FOUND && err->http_status == 404) {
    w->expected_errors++;
  } else {
    if (w->failed < 5)
      fprintf(stderr, "request %ld (kind %d): status %d, %s\n", i, kind, (int)st,
              err && err->message ? err->message : "unexpected response");
    w->failed++;
  }
}

static void one_request(worker *w, long i) {
  shared *s = w->s;
  int kind = (int)(i % 10);
  const char *missing[] = {MISSING_UUID};
  const char *mine[] = {s->uuid};
  light_params p = LIGHT_PARAMS_INIT;
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st;
  if (kind < 6) {
    p.path_params = mine;
    p.n_path_params = 1;
    st = light_call(&r, s->app, "get_app_account", &p, &err);
  } else if (kind < 9) {
    st = light_call(&r, s->acct, "get_account", &p, &err);
  } else {
    p.path_params = missing;
    p.n_path_params = 1;
    st = light_call(&r, s->app, "get_app_account", &p, &err);
  }
  classify(w, i, st, r, &err);
  light_response_free(r);
  light_error_clear(&err);
}

static void one_verify(worker *w, long j) {
  shared *s = w->s;
  const char *secrets[] = {s->secret};
  int bad = j % 10 == 9;
  cJSON *ev = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_webhook_construct_event(&ev, PAYLOAD, sizeof PAYLOAD - 1, bad ? s->bad_sig : s->good_sig,
                                                  secrets, 1, 300, s->now, &err);
  const cJSON *name = ev ? cJSON_GetObjectItemCaseSensitive(ev, "event") : NULL;
  if (!bad && st == LIGHT_OK && cJSON_IsString(name) && strcmp(name->valuestring, "enrollment.finalized") == 0)
    w->verified++;
  else if (bad && st == LIGHT_E_SIGNATURE && err.signature_reason == LIGHT_SIG_MISMATCH)
    w->verify_rejected++;
  else
    w->verify_failed++;
  cJSON_Delete(ev);
  light_error_clear(&err);
}

/* ---- the async engine thread ------------------------------------------ */

typedef struct async_call {
  struct async_run *run;
  long i;
} async_call;

typedef struct async_run {
  worker *w;
  light_engine *e;
  long next, to, done, total;
  async_call calls[ASYNC_INFLIGHT];
} async_run;

static void submit_next(async_call *call);

static void async_done(void *ud, light_status st, light_response *resp, const light_error *err) {
  async_call *call = ud;
  async_run *a = call->run;
  classify(a->w, call->i, st, resp, err);
  light_response_free(resp);
  a->done++;
  submit_next(call); /* keep ASYNC_INFLIGHT in flight */
}

static void submit_next(async_call *call) {
  async_run *a = call->run;
  if (a->next >= a->to) return;
  shared *s = a->w->s;
  long i = call->i = a->next++;
  int kind = (int)(i % 10);
  const char *missing[] = {MISSING_UUID};
  const char *mine[] = {s->uuid};
  light_params p = LIGHT_PARAMS_INIT;
  light_error err = LIGHT_ERROR_INIT;
  light_status st;
  if (kind < 9 && kind >= 6) {
    st = light_engine_submit(NULL, a->e, s->acct, "get_account", &p, async_done, call, &err);
  } else {
    p.path_params = kind < 6 ? mine : missing;
    p.n_path_params = 1;
    st = light_engine_submit(NULL, a->e, s->app, "get_app_account", &p, async_done, call, &err);
  }
  if (st != LIGHT_OK) { /* no callback comes for a refused submit */
    classify(a->w, i, st, NULL, &err);
    a->done++;
  }
  light_error_clear(&err);
}

static void *run_async(void *ud) {
  worker *w = ud;
  host h;
  host_init(&h);
  light_engine_callbacks cb = {host_watch, host_timer, &h};
  async_run a = {0};
  light_error err = LIGHT_ERROR_INIT;
  if (light_engine_new(&a.e, &cb, &err) != LIGHT_OK) {
    fprintf(stderr, "light_engine_new: %s\n", err.message ? err.message : "?");
    w->failed += w->req_to - w->req_from;
    light_error_clear(&err);
    return NULL;
  }
  a.w = w;
  a.next = w->req_from;
  a.to = w->req_to;
  a.total = w->req_to - w->req_from;
  for (int k = 0; k < ASYNC_INFLIGHT; k++) {
    a.calls[k].run = &a;
    submit_next(&a.calls[k]);
  }
  while (a.done < a.total) loop_once(&h, a.e, 1000);
  if (h.bad_calls) {
    fprintf(stderr, "engine: %d host protocol violations\n", h.bad_calls);
    w->failed += h.bad_calls;
  }
  light_engine_free(a.e);
  return NULL;
}

static void *run(void *ud) {
  worker *w = ud;
  for (long i = w->req_from; i < w->req_to; i++)
    if (i % w->nthreads == w->index) one_request(w, i);
  for (long j = w->ver_from; j < w->ver_to; j++)
    if (j % w->nthreads == w->index) one_verify(w, j);
  return NULL;
}

/* One phase: the blocking threads take [rf, mid) and every verification of
 * [vf, vt); the engine thread (ws[n]) takes [mid, rt) at the same time. */
static int phase(shared *s, worker *ws, int n, long rf, long rt, long vf, long vt) {
  pthread_t t[MAX_THREADS + 1];
  long mid = rf + (rt - rf) / 2;
  for (int k = 0; k <= n; k++) {
    ws[k].s = s;
    ws[k].index = k;
    ws[k].nthreads = n;
    ws[k].req_from = k < n ? rf : mid;
    ws[k].req_to = k < n ? mid : rt;
    ws[k].ver_from = vf;
    ws[k].ver_to = vt;
    if (pthread_create(&t[k], NULL, k < n ? run : run_async, &ws[k]) != 0) return -1;
  }
  for (int k = 0; k <= n; k++) pthread_join(t[k], NULL);
  return 0;
}

int main(void) {
  const char *url = getenv("LIGHT_SANDBOX_URL"), *token = getenv("LIGHT_SANDBOX_APP_TOKEN");
  const char *uuid = getenv("LIGHT_SOAK_ACCOUNT");
  if (!url || !token || !uuid) {
    fprintf(stderr, "soak_c: LIGHT_SANDBOX_URL, LIGHT_SANDBOX_APP_TOKEN and LIGHT_SOAK_ACCOUNT are required\n");
    return 2;
  }
  long requests = env_long("LIGHT_SOAK_REQUESTS", 100000), verifies = env_long("LIGHT_SOAK_VERIFIES", 1000000);
  int nthreads = (int)env_long("LIGHT_SOAK_THREADS", 8);
  if (nthreads < 1 || nthreads > MAX_THREADS || requests < 10 || verifies < 10) {
    fprintf(stderr, "soak_c: bad LIGHT_SOAK_THREADS / REQUESTS / VERIFIES\n");
    return 2;
  }

  shared s = {0};
  s.uuid = uuid;
  s.secret = "whsec_soak_secret";
  s.now = (int64_t)time(NULL);
  light_error err = LIGHT_ERROR_INIT;
  if (light_webhook_sign(s.good_sig, sizeof s.good_sig, PAYLOAD, sizeof PAYLOAD - 1, s.secret, strlen(s.secret),
                         s.now) != LIGHT_OK ||
      light_webhook_sign(s.bad_sig, sizeof s.bad_sig, PAYLOAD, sizeof PAYLOAD - 1, "whsec_other", 11, s.now) !=
          LIGHT_OK) {
    fprintf(stderr, "soak_c: light_webhook_sign failed\n");
    return 2;
  }
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.base_url = url;
  o.app_token = token;
  o.timeout_ms = 30000;
  o.retry_base_s = 0.05;
  o.retry_max_s = 0.5;
  if (light_client_new(&s.app, &o, &err) != LIGHT_OK ||
      light_client_for_account(&s.acct, s.app, uuid, &err) != LIGHT_OK) {
    fprintf(stderr, "soak_c: client: %s\n", err.message ? err.message : "?");
    return 2;
  }

  worker ws[MAX_THREADS + 1];
  memset(ws, 0, sizeof ws);
  long warm_req = requests / 10, warm_ver = verifies / 10;
  double t0 = mono_s();
  if (phase(&s, ws, nthreads, 0, warm_req, 0, warm_ver) != 0) return 2;
  long rss_warm = rss_bytes();
  double t1 = mono_s();
  if (phase(&s, ws, nthreads, warm_req, requests, warm_ver, verifies) != 0) return 2;
  double t2 = mono_s();
  long rss_end = rss_bytes();

  long ok = 0, expected = 0, failed = 0, verified = 0, rejected = 0, vfailed = 0;
  for (int k = 0; k <= nthreads; k++) {
    ok += ws[k].ok;
    expected += ws[k].expected_errors;
    failed += ws[k].failed;
    verified += ws[k].verified;
    rejected += ws[k].verify_rejected;
    vfailed += ws[k].verify_failed;
  }
  light_client_free(s.acct);
  light_client_free(s.app);
  light_error_clear(&err);
  printf(
      "{\"language\": \"c\", \"threads\": %d, \"async_inflight\": %d, \"requests\": %ld, \"ok\": %ld, "
      "\"expected_errors\": %ld, "
      "\"failed\": %ld, \"verifies\": %ld, \"verified\": %ld, \"verify_rejected\": %ld, \"verify_failed\": %ld, "
      "\"rss_warm\": %ld, \"rss_end\": %ld, \"seconds_warm\": %.2f, \"seconds_main\": %.2f}\n",
      nthreads, ASYNC_INFLIGHT, requests, ok, expected, failed, verifies, verified, rejected, vfailed, rss_warm,
      rss_end, t1 - t0, t2 - t1);
  return failed || vfailed || ok + expected != requests || verified + rejected != verifies ? 1 : 0;
}
