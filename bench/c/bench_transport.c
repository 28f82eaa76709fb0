/* Requests per second of the blocking transport (light_request) for a simple
 * GET, with 1 thread and with 8 threads sharing one client (one pool, one
 * shared connection cache).
 *
 *   bench_transport [N=2000] [PATH]
 *
 * Server: LIGHT_SANDBOX_URL + LIGHT_SANDBOX_APP_TOKEN (the emulator, e.g. from
 * `python -m tests.sandbox --port 0 --ready-json`), or LIGHT_BASE_URL +
 * LIGHT_APP_TOKEN for any other loopback server (a static nginx, say). PATH
 * defaults to GET /v1/app/accounts/{uuid} of an account created first; give
 * e.g. /index.json for a static server. Not a test: prints figures, exits
 * non-zero when a request fails.
 *
 * The peer, measured last in the same run: a bare libcurl loop on one reused
 * easy handle (same URL, same Authorization header) that parses each body
 * with cJSON_Parse — the least any libcurl + cJSON client does per request.
 * bench/run.py parses the "blocking transport" and "bare libcurl" lines. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "light/light.h"

static light_client *client;
static char path[512];
static int per_thread;
static int failures;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *worker(void *ud) {
  (void)ud;
  int bad = 0;
  for (int i = 0; i < per_thread; i++) {
    light_response *r = NULL;
    light_error err = LIGHT_ERROR_INIT;
    if (light_request(&r, client, "GET", path, NULL, &err) != LIGHT_OK) {
      if (!bad) fprintf(stderr, "request failed: %s\n", err.message ? err.message : "?");
      bad++;
    }
    light_response_free(r);
    light_error_clear(&err);
  }
  pthread_mutex_lock(&mu);
  failures += bad;
  pthread_mutex_unlock(&mu);
  return NULL;
}

static void run(int threads, int n) {
  pthread_t t[64];
  per_thread = n / threads;
  int64_t t0 = now_us();
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, NULL);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  double s = (double)(now_us() - t0) / 1e6;
  int total = per_thread * threads;
  printf("blocking transport, %d thread%s: %d requests in %.3f s = %.0f req/s (%.1f us/req per thread)\n", threads,
         threads == 1 ? "" : "s", total, s, total / s, s * 1e6 / per_thread);
}

typedef struct {
  char *data;
  size_t len, cap;
} buffer;

static size_t collect(char *p, size_t s, size_t n, void *ud) {
  buffer *b = ud;
  size_t len = s * n;
  if (b->len + len + 1 > b->cap) {
    size_t cap = (b->len + len + 1) * 2;
    char *d = realloc(b->data, cap);
    if (!d) return 0;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, len);
  b->len += len;
  b->data[b->len] = 0;
  return len;
}

/* The peer: one easy handle, keep-alive, GET + cJSON_Parse per request. */
static int bare_curl(const char *base, const char *tok, int n, const char *ca_file) {
  char url[1024], auth[1024];
  snprintf(url, sizeof url, "%s%s", base, path);
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
  CURL *c = curl_easy_init();
  struct curl_slist *h = curl_slist_append(NULL, auth);
  h = curl_slist_append(h, "Accept: application/json");
  buffer b = {NULL, 0, 0};
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  if (ca_file && *ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
  int bad = 0;
  for (int round = 0; round < 2; round++) { /* round 0 warms up */
    int count = round ? n : (n / 10 > 50 ? n / 10 : 50);
    int64_t t0 = now_us();
    for (int i = 0; i < count; i++) {
      b.len = 0;
      long status = 0;
      cJSON *j = NULL;
      CURLcode rc = curl_easy_perform(c);
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
      if (rc == CURLE_OK && status == 200 && b.data) j = cJSON_Parse(b.data);
      if (!j) bad++;
      cJSON_Delete(j);
    }
    double s = (double)(now_us() - t0) / 1e6;
    if (round)
      printf("bare libcurl + cJSON_Parse, 1 thread: %d requests in %.3f s = %.0f req/s (%.1f us/req)\n", count, s,
             count / s, s * 1e6 / count);
  }
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  free(b.data);
  if (bad) fprintf(stderr, "bare libcurl: %d failed requests\n", bad);
  return bad;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  const char *url = getenv("LIGHT_SANDBOX_URL");
  const char *tok = getenv("LIGHT_SANDBOX_APP_TOKEN");
  if (!url) url = getenv("LIGHT_BASE_URL");
  if (!tok) tok = getenv("LIGHT_APP_TOKEN");
  if (!url || !tok || n <= 0) {
    fprintf(stderr, "usage: LIGHT_SANDBOX_URL=... LIGHT_SANDBOX_APP_TOKEN=... bench_transport [N] [PATH]\n");
    return 2;
  }
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.base_url = url;
  o.app_token = tok;
  o.ca_file = getenv("LIGHT_SANDBOX_CA_FILE");
  light_error err = LIGHT_ERROR_INIT;
  if (light_client_new(&client, &o, &err) != LIGHT_OK) {
    fprintf(stderr, "light_client_new: %s\n", err.message);
    return 2;
  }
  if (argc > 2) {
    snprintf(path, sizeof path, "%s", argv[2]);
  } else {
    cJSON *body = cJSON_Parse("{\"email\":\"bench@example.com\",\"first_name\":\"B\",\"last_name\":\"M\"}");
    light_params p = LIGHT_PARAMS_INIT;
    p.body = body;
    light_response *r = NULL;
    if (light_call(&r, client, "create_account", &p, &err) != LIGHT_OK) {
      fprintf(stderr, "create_account: %s\n", err.message);
      return 2;
    }
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(light_response_json(r), "uuid");
    snprintf(path, sizeof path, "/v1/app/accounts/%s", cJSON_IsString(u) ? u->valuestring : "x");
    light_response_free(r);
    cJSON_Delete(body);
  }
  run(1, n / 10 > 50 ? n / 10 : 50); /* warm-up: connections, DNS, TLS */
  run(1, n);
  run(8, n);
  light_client_free(client);
  failures += bare_curl(url, tok, n, o.ca_file);
  return failures ? 1 : 0;
}
