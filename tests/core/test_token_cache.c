/* The account-token cache (core/src/token_cache.c) on its own: states of
 * acquire (fresh / mint / wait), single flight across threads, refresh ahead
 * of expiry (margin capped at half the lifetime), release and hand-over,
 * invalidation after a 401 only of the token that was used, the notify
 * callback and generation, and the parsing of mint answers. No network. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "codec.h"
#include "harness.h"
#include "token_cache.h"

#define T0 1700000000000LL /* 2023-11-14T22:13:20Z */

static int notified;
static uint64_t last_gen;
static void on_notify(void *ud, uint64_t g) {
  (*(int *)ud)++;
  last_gen = g;
}

static void test_states_and_refresh(void) {
  light__token_cache *tc = light__token_cache_new(600);
  CHECK(tc != NULL);
  light__token_cache_set_notify(tc, on_notify, &notified);
  char *tok = NULL;
  uint64_t g = 99;
  /* empty: the first caller mints, the next waits */
  CHECK_INT(light__token_cache_acquire(tc, "a", T0, &tok, &g), LIGHT__TOKEN_MINT);
  CHECK(tok == NULL);
  CHECK_INT(g, 0);
  CHECK_INT(light__token_cache_minting(tc, "a"), 1);
  CHECK_INT(light__token_cache_acquire(tc, "a", T0, &tok, &g), LIGHT__TOKEN_WAIT);
  /* another account is independent */
  CHECK_INT(light__token_cache_acquire(tc, "b", T0, &tok, NULL), LIGHT__TOKEN_MINT);
  /* stored: fresh for everyone, waiters told */
  CHECK_INT(light__token_cache_store(tc, "a", "tokA", T0 + 3600 * 1000LL, T0), 0);
  CHECK_INT(notified, 1);
  CHECK_INT(last_gen, 1);
  CHECK_INT(light__token_cache_generation(tc), 1);
  CHECK_INT(light__token_cache_minting(tc, "a"), 0);
  CHECK_INT(light__token_cache_acquire(tc, "a", T0 + 1000, &tok, &g), LIGHT__TOKEN_FRESH);
  CHECK_STR(tok, "tokA");
  CHECK_INT(g, 1);
  light__secret_free(tok);
  /* refresh 600 s ahead of expiry: at T0 + 3000 s a new mint is due */
  CHECK_INT(light__token_cache_acquire(tc, "a", T0 + 2999 * 1000LL, &tok, NULL), LIGHT__TOKEN_FRESH);
  light__secret_free(tok);
  CHECK_INT(light__token_cache_acquire(tc, "a", T0 + 3000 * 1000LL, &tok, NULL), LIGHT__TOKEN_MINT);
  CHECK(tok == NULL);
  /* a short-lived token: the margin is capped at half its life (60 s → 30 s) */
  CHECK_INT(light__token_cache_store(tc, "a", "short", T0 + 60 * 1000LL, T0), 0);
  CHECK_INT(light__token_cache_acquire(tc, "a", T0 + 29 * 1000LL, &tok, NULL), LIGHT__TOKEN_FRESH);
  CHECK_STR(tok, "short");
  light__secret_free(tok);
  CHECK_INT(light__token_cache_acquire(tc, "a", T0 + 30 * 1000LL, &tok, NULL), LIGHT__TOKEN_MINT);
  /* an expired token is never handed out, whatever the margin */
  light__token_cache_release(tc, "a");
  CHECK_INT(light__token_cache_minting(tc, "a"), 0);
  CHECK_INT(light__token_cache_acquire(tc, "a", T0 + 61 * 1000LL, &tok, NULL), LIGHT__TOKEN_MINT);
  /* release hands the mint over: the next caller mints */
  light__token_cache_release(tc, "a");
  CHECK_INT(light__token_cache_acquire(tc, "a", T0 + 61 * 1000LL, &tok, NULL), LIGHT__TOKEN_MINT);
  CHECK_INT(light__token_cache_store(tc, "a", "tokB", T0 + 7200 * 1000LL, T0), 0);
  /* 401: only the token that was used is forgotten */
  light__token_cache_invalidate(tc, "a", "some-older-token");
  CHECK_INT(light__token_cache_acquire(tc, "a", T0, &tok, NULL), LIGHT__TOKEN_FRESH);
  light__secret_free(tok);
  light__token_cache_invalidate(tc, "a", "tokB");
  CHECK_INT(light__token_cache_acquire(tc, "a", T0, &tok, NULL), LIGHT__TOKEN_MINT);
  char *peek = light__token_cache_peek(tc, "a");
  CHECK(peek == NULL);
  light__token_cache_store(tc, "a", "tokC", T0 + 7200 * 1000LL, T0);
  peek = light__token_cache_peek(tc, "a");
  CHECK_STR(peek, "tokC");
  light__secret_free(peek);
  light__token_cache_free(tc);
  light__token_cache_free(NULL);
}

/* ---- single flight across threads ---------------------------------------- */

enum { N = 16 };
static light__token_cache *shared_tc;
static pthread_barrier_t start;
static atomic_int mints, waits, fresh;

static void *racer(void *ud) {
  (void)ud;
  char *tok = NULL;
  pthread_barrier_wait(&start);
  switch (light__token_cache_acquire(shared_tc, "acc", T0, &tok, NULL)) {
  case LIGHT__TOKEN_MINT: atomic_fetch_add(&mints, 1); break;
  case LIGHT__TOKEN_WAIT: atomic_fetch_add(&waits, 1); break;
  case LIGHT__TOKEN_FRESH: atomic_fetch_add(&fresh, 1); break;
  default: break;
  }
  light__secret_free(tok);
  return NULL;
}

static void test_single_flight(void) {
  shared_tc = light__token_cache_new(600);
  pthread_barrier_init(&start, NULL, N);
  pthread_t t[N];
  for (int i = 0; i < N; i++) pthread_create(&t[i], NULL, racer, NULL);
  for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
  CHECK_INT(atomic_load(&mints), 1);
  CHECK_INT(atomic_load(&waits), N - 1);
  CHECK_INT(atomic_load(&fresh), 0);
  pthread_barrier_destroy(&start);
  light__token_cache_free(shared_tc);
}

/* ---- mint answers ----------------------------------------------------------- */

static int parse(const char *json, char **tok, int64_t *exp) {
  cJSON *j = cJSON_Parse(json);
  *tok = NULL;
  int rc = light__token_parse_mint(j, T0, tok, exp);
  cJSON_Delete(j);
  return rc;
}

static void test_parse_mint(void) {
  char *tok;
  int64_t exp;
  CHECK_INT(parse("{\"token\":\"t1\",\"expires_at\":\"2023-11-14T23:13:20Z\"}", &tok, &exp), 0);
  CHECK_STR(tok, "t1");
  CHECK_INT(exp, T0 + 3600 * 1000LL);
  light__secret_free(tok);
  CHECK_INT(parse("{\"account_token\":\"t2\",\"expires_at\":\"2023-11-14T23:13:20.250+00:00\"}", &tok, &exp), 0);
  CHECK_STR(tok, "t2");
  CHECK_INT(exp, T0 + 3600 * 1000LL + 250);
  light__secret_free(tok);
  CHECK_INT(parse("{\"token\":\"t3\",\"expires_at\":1700003600}", &tok, &exp), 0); /* Unix seconds */
  CHECK_INT(exp, T0 + 3600 * 1000LL);
  light__secret_free(tok);
  CHECK_INT(parse("{\"token\":\"t4\",\"expires_at\":1700003600000}", &tok, &exp), 0); /* Unix ms */
  CHECK_INT(exp, T0 + 3600 * 1000LL);
  light__secret_free(tok);
  CHECK_INT(parse("{\"token\":\"t5\"}", &tok, &exp), 0); /* no expiry: one hour */
  CHECK_INT(exp, T0 + 3600 * 1000LL);
  light__secret_free(tok);
  CHECK_INT(parse("{\"token\":\"t6\",\"expires_at\":\"soon\"}", &tok, &exp), 0); /* unparseable: one hour */
  CHECK_INT(exp, T0 + 3600 * 1000LL);
  light__secret_free(tok);
  CHECK_INT(parse("{\"token\":\"\"}", &tok, &exp), -1);
  CHECK_INT(parse("{\"token\":\"has space\"}", &tok, &exp), -1); /* would not be a safe header value */
  CHECK_INT(parse("{\"token\":\"cr\\r\\nX: y\"}", &tok, &exp), -1);
  CHECK_INT(parse("{\"token\":7}", &tok, &exp), -1);
  CHECK_INT(parse("{}", &tok, &exp), -1);
  CHECK(tok == NULL);

  CHECK_INT(light__token_parse_iso8601_ms("2023-11-14T22:13:20Z"), T0);
  CHECK_INT(light__token_parse_iso8601_ms("2023-11-14 22:13:20"), T0);
  CHECK_INT(light__token_parse_iso8601_ms("2023-11-15T00:13:20+02:00"), T0);
  CHECK_INT(light__token_parse_iso8601_ms("2023-11-14T21:13:20-0100"), T0);
  CHECK_INT(light__token_parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  CHECK_INT(light__token_parse_iso8601_ms("2000-02-29T00:00:00Z"), 951782400000LL);
  CHECK_INT(light__token_parse_iso8601_ms("2023-13-01T00:00:00Z"), -1);
  CHECK_INT(light__token_parse_iso8601_ms("2023-11-14T22:13"), -1);
  CHECK_INT(light__token_parse_iso8601_ms("2023-11-14T22:13:20Zjunk"), -1);
  CHECK_INT(light__token_parse_iso8601_ms("2023-11-14T22:13:20."), -1);
  CHECK_INT(light__token_parse_iso8601_ms(NULL), -1);
  /* the one calendar routine */
  CHECK_INT(light__days_from_civil(1970, 1, 1), 0);
  CHECK_INT(light__days_from_civil(2023, 11, 14), 19675);
  CHECK_INT(light__days_from_civil(1969, 12, 31), -1);
}

int main(void) {
  test_states_and_refresh();
  test_single_flight();
  test_parse_mint();
  TEST_MAIN_END();
}
