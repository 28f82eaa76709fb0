/* Throughput of the async engine against the blocking transport on the
 * same emulator: N GET requests (get_app_account) at concurrency C on one
 * engine driven by a poll() loop, then N sequential light_call()s.
 *
 *   bench_async [N=2000] [C=64] [latency_ms=0]
 *
 * latency_ms > 0 adds a server-side delay to every request (an emulator
 * "delay" fault on the route), which is where concurrency pays off; at 0 a
 * loopback run measures mostly the emulator's own per-request CPU cost.
 *
 * Needs LIGHT_SANDBOX_URL and LIGHT_SANDBOX_APP_TOKEN (and
 * LIGHT_SANDBOX_CA_FILE for https), e.g. from
 * `python -m tests.sandbox --port 0 --ready-json`. Prints one line per
 * transport and exits non-zero when a request fails. Not a test.
 *
 * The emulator's server-side rate limit (30 req/s per app) is switched off
 * for the run (POST /_sandbox/config) and restored afterwards. */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "light/light.h"

static size_t sink(char *p, size_t s, size_t n, void *ud) {
  char *out = ud;
  size_t have = strlen(out), len = s * n;
  if (have + len < 4096) {
    memcpy(out + have, p, len);
    out[have + len] = 0;
  }
  return len;
}

/* Emulator admin call; the response body goes to out (4 KiB). */
static void admin(const char *base, const char *method, const char *path, const char *json, char *out) {
  char url[1024];
  snprintf(url, sizeof url, "%s%s", base, path);
  out[0] = 0;
  CURL *c = curl_easy_init();
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  if (json) curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  if (getenv("LIGHT_SANDBOX_CA_FILE")) curl_easy_setopt(c, CURLOPT_CAINFO, getenv("LIGHT_SANDBOX_CA_FILE"));
  curl_easy_perform(c);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
}

#include "poll_host.h"

static int64_t now_us(void) { return now_ms() * 1000; }

typedef struct bench {
  light_engine *e;
  light_client *c;
  const char *uuid;
  int to_submit;
  int done;
  int failed;
} bench;

static void submit_one(bench *b);

static void on_done(void *ud, light_status st, light_response *resp, const light_error *err) {
  bench *b = ud;
  b->done++;
  if (st != LIGHT_OK) {
    if (!b->failed) fprintf(stderr, "request failed: %s\n", err && err->message ? err->message : light_strerror(st));
    b->failed++;
  }
  light_response_free(resp);
  if (b->to_submit > 0) submit_one(b); /* keep the concurrency constant */
}

static void submit_one(bench *b) {
  const char *pp[1] = {b->uuid};
  light_params p = LIGHT_PARAMS_INIT;
  p.path_params = pp;
  p.n_path_params = 1;
  light_error err = LIGHT_ERROR_INIT;
  b->to_submit--;
  if (light_engine_submit(NULL, b->e, b->c, "get_app_account", &p, on_done, b, &err) != LIGHT_OK) {
    fprintf(stderr, "submit: %s\n", err.message ? err.message : "?");
    b->failed++;
    b->done++;
  }
  light_error_clear(&err);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  int conc = argc > 2 ? atoi(argv[2]) : 64;
  int latency_ms = argc > 3 ? atoi(argv[3]) : 0;
  const char *url = getenv("LIGHT_SANDBOX_URL"), *tok = getenv("LIGHT_SANDBOX_APP_TOKEN");
  if (!url || !tok || n <= 0 || conc <= 0) {
    fprintf(stderr, "usage: LIGHT_SANDBOX_URL=... LIGHT_SANDBOX_APP_TOKEN=... bench_async [N] [concurrency]\n");
    return 2;
  }
  char buf[4096];
  curl_global_init(CURL_GLOBAL_DEFAULT);
  admin(url, "GET", "/_sandbox/config", NULL, buf);
  int limited = strstr(buf, "\"rate_limit\":true") || strstr(buf, "\"rate_limit\": true");
  admin(url, "POST", "/_sandbox/config", "{\"rate_limit\": false}", buf);
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.base_url = url;
  o.app_token = tok;
  o.ca_file = getenv("LIGHT_SANDBOX_CA_FILE");
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  if (light_client_new(&c, &o, &err) != LIGHT_OK) {
    fprintf(stderr, "client: %s\n", err.message ? err.message : "?");
    return 1;
  }

  /* an account to fetch */
  cJSON *body = cJSON_CreateObject();
  char email[64];
  snprintf(email, sizeof email, "bench-%lld@example.com", (long long)now_us());
  cJSON_AddStringToObject(body, "email", email);
  light_params cp = LIGHT_PARAMS_INIT;
  cp.body = body;
  light_response *resp = NULL;
  if (light_call(&resp, c, "create_account", &cp, &err) != LIGHT_OK) {
    fprintf(stderr, "create_account: %s\n", err.message ? err.message : "?");
    return 1;
  }
  cJSON_Delete(body);
  const cJSON *uuid = cJSON_GetObjectItemCaseSensitive(light_response_json(resp), "uuid");
  if (!cJSON_IsString(uuid)) {
    fprintf(stderr, "create_account: no uuid\n");
    return 1;
  }
  char *id = strdup(uuid->valuestring);
  light_response_free(resp);

  /* optional server latency (a "delay" fault on the route), as over a WAN */
  char fault_path[64] = "/_sandbox/faults";
  if (latency_ms > 0) {
    char spec[512];
    snprintf(spec, sizeof spec,
             "{\"method\": \"GET\", \"path\": \"/v1/app/accounts/%s\", \"kind\": \"delay\", \"delay\": %g}", id,
             latency_ms / 1000.0);
    admin(url, "POST", "/_sandbox/faults", spec, buf);
    const char *fid = strstr(buf, "\"id\":");
    if (fid) snprintf(fault_path, sizeof fault_path, "/_sandbox/faults/%d", atoi(fid + 5 + (fid[5] == ' ')));
  }

  /* async engine */
  host h;
  host_init(&h);
  light_engine_callbacks cb = {host_watch, host_timer, &h};
  light_engine *e = NULL;
  if (light_engine_new(&e, &cb, &err) != LIGHT_OK) return 1;
  bench b = {e, c, id, n, 0, 0};
  int64_t t0 = now_us();
  for (int i = 0; i < conc && b.to_submit > 0; i++) submit_one(&b);
  while (b.done < n) loop_once(&h, e, 1000);
  double async_s = (double)(now_us() - t0) / 1e6;
  int async_failed = b.failed;
  light_engine_free(e);

  /* blocking, sequential */
  int blocking_failed = 0;
  const char *pp[1] = {id};
  light_params p = LIGHT_PARAMS_INIT;
  p.path_params = pp;
  p.n_path_params = 1;
  t0 = now_us();
  for (int i = 0; i < n; i++) {
    resp = NULL;
    if (light_call(&resp, c, "get_app_account", &p, &err) != LIGHT_OK) blocking_failed++;
    light_response_free(resp);
  }
  double blocking_s = (double)(now_us() - t0) / 1e6;

  printf("latency  : %d ms added per request by the emulator\n", latency_ms);
  printf("engine   : %d GETs, concurrency %d: %.2f s, %.0f req/s, %d failed\n", n, conc, async_s, n / async_s,
         async_failed);
  printf("blocking : %d GETs, sequential light_call: %.2f s, %.0f req/s, %d failed\n", n, blocking_s, n / blocking_s,
         blocking_failed);
  printf("speed-up : %.2fx\n", blocking_s / async_s);
  free(id);
  light_error_clear(&err);
  light_client_free(c);
  if (latency_ms > 0) admin(url, "DELETE", fault_path, NULL, buf);
  if (limited) admin(url, "POST", "/_sandbox/config", "{\"rate_limit\": true}", buf);
  curl_global_cleanup();
  return async_failed || blocking_failed ? 1 : 0;
}
