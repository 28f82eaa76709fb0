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
 * non-zero when a request fails. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

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
    if (light_request(client, "GET", path, NULL, &r, &err) != LIGHT_OK) {
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
  light_client_options_init(&o);
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
    if (light_call(client, "create_account", &p, &r, &err) != LIGHT_OK) {
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
  return failures ? 1 : 0;
}
