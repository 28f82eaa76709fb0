/* Tiny test harness shared by the C tests (tests/core/test_*.c).
 *
 * CHECK* macros count failures instead of aborting so one run reports them
 * all; TEST_MAIN_END returns non-zero when any failed (ctest reads the code).
 * Tests that need the Light emulator read LIGHT_SANDBOX_URL and friends from
 * the environment (pytest's `sandbox` fixture sets them) and skip nothing:
 * without a sandbox they fail loudly. th_admin() talks to the emulator's
 * /_sandbox/ admin routes with plain libcurl.
 */
#ifndef LIGHT_TEST_HARNESS_H
#define LIGHT_TEST_HARNESS_H

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int th_failures = 0;
static int th_checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    th_checks++;                                                               \
    if (!(cond)) {                                                             \
      th_failures++;                                                           \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CHECK_INT(a, b)                                                                                            \
  do {                                                                                                             \
    long long th_a = (long long)(a), th_b = (long long)(b);                                                        \
    th_checks++;                                                                                                   \
    if (th_a != th_b) {                                                                                            \
      th_failures++;                                                                                               \
      fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, th_a, th_b); \
    }                                                                                                              \
  } while (0)

#define CHECK_STR(a, b)                                                                                   \
  do {                                                                                                    \
    const char *th_a = (a), *th_b = (b);                                                                  \
    th_checks++;                                                                                          \
    if (!th_a || !th_b || strcmp(th_a, th_b) != 0) {                                                      \
      th_failures++;                                                                                      \
      fprintf(stderr, "%s:%d: CHECK_STR failed: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
              th_a ? th_a : "(null)", th_b ? th_b : "(null)");                                            \
    }                                                                                                     \
  } while (0)

#define TEST_MAIN_END()                                                              \
  do {                                                                               \
    fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__, th_checks, th_failures); \
    return th_failures ? 1 : 0;                                                      \
  } while (0)

/* Environment of the emulator; NULL when absent. */
static inline const char *th_env(const char *name) {
  const char *v = getenv(name);
  return (v && *v) ? v : NULL;
}

/* Abort the test binary when the emulator is required but not configured. */
static inline void th_require_sandbox(void) {
  if (!th_env("LIGHT_SANDBOX_URL") || !th_env("LIGHT_SANDBOX_APP_TOKEN")) {
    fprintf(stderr, "LIGHT_SANDBOX_URL / LIGHT_SANDBOX_APP_TOKEN not set: run through pytest (tests/core)\n");
    exit(2);
  }
}

typedef struct th_buf {
  char *data;
  size_t len;
} th_buf;

static size_t th_write(char *p, size_t s, size_t n, void *ud) {
  th_buf *b = ud;
  char *d = realloc(b->data, b->len + s * n + 1);
  if (!d) return 0;
  memcpy(d + b->len, p, s * n);
  b->data = d;
  b->len += s * n;
  d[b->len] = 0;
  return s * n;
}

/* Call an admin route of the emulator: th_admin("POST", "/_sandbox/faults", "{...}").
 * Returns the HTTP status; *out (optional) receives a malloc'd body the caller frees. */
static inline long th_admin(const char *method, const char *path, const char *json, char **out) {
  char url[1024];
  snprintf(url, sizeof url, "%s%s", th_env("LIGHT_SANDBOX_URL"), path);
  CURL *c = curl_easy_init();
  th_buf b = {NULL, 0};
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  if (json) curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, th_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  if (th_env("LIGHT_SANDBOX_CA_FILE")) curl_easy_setopt(c, CURLOPT_CAINFO, th_env("LIGHT_SANDBOX_CA_FILE"));
  long code = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  if (out)
    *out = b.data;
  else
    free(b.data);
  return code;
}

#endif
