/* The abort check of blocking calls (light_client_options.abort_check)
 * against the emulator: it is run while the call waits — during a transfer
 * the emulator holds (fault "delay"), during retry backoff (Retry-After),
 * in the rate limiter and while another thread mints the account token —
 * and when it fires the call ends with LIGHT_E_CANCELLED before the wait
 * would have ended, the interrupted request is not repeated (the journal
 * shows it once, or never when it was not sent yet), and the client makes
 * the next call normally. The check here fires once ABORT_AFTER_MS have
 * passed since the call started; the bound checked is the wait's own length
 * (a behaviour check, not a speed figure). */
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

#define DELAY_S 4
#define ABORT_AFTER_MS 300

typedef struct abort_state {
  _Atomic int64_t deadline; /* monotonic ms from which the check fires; 0 = never */
  atomic_int calls;
} abort_state;

/* Only the thread that armed fires (a client family shares its options, so
 * the holder thread of test_mint_wait runs the same check). */
static _Thread_local int this_thread_armed;

static int check_abort(void *ud) {
  abort_state *a = ud;
  if (!this_thread_armed) return 0;
  atomic_fetch_add(&a->calls, 1);
  int64_t d = atomic_load(&a->deadline);
  return d > 0 && th_mono_ms() >= d;
}

typedef struct setup {
  abort_state *abort;
  int rate_limit;
} setup;

static void tweak(light_client_options *o, void *ud) {
  setup *s = ud;
  o->abort_check = check_abort;
  o->abort_ud = s->abort;
  o->max_retries = 1;
  if (s->rate_limit) {
    o->rate_limit = 1;
    o->app_rate_per_s = 1;
    o->account_rate_per_s = 1;
  }
}

static void arm(abort_state *a) {
  this_thread_armed = 1;
  atomic_store(&a->calls, 0);
  atomic_store(&a->deadline, th_mono_ms() + ABORT_AFTER_MS);
}

static void disarm(abort_state *a) { atomic_store(&a->deadline, 0); }

static light_status call(light_client *c, const char *op, const char *body_json, light_error *err) {
  light_params p = LIGHT_PARAMS_INIT;
  cJSON *body = body_json ? cJSON_Parse(body_json) : NULL;
  p.body = body;
  light_response *r = NULL;
  light_status st = light_call(&r, c, op, &p, err);
  light_response_free(r);
  cJSON_Delete(body);
  return st;
}

static void nap_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int count(const char *method, const char *re) {
  cJSON *j = th_journal();
  int n = th_count(j, method, re);
  cJSON_Delete(j);
  return n;
}

/* The emulator answers the abandoned delayed request when its delay is
 * over: wait for that so it cannot land in what follows. */
static void wait_delayed_answered(void) {
  int64_t end = th_mono_ms() + (DELAY_S + 10) * 1000;
  while (th_mono_ms() < end) {
    cJSON *j = th_journal();
    int pending = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
      if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "status"))) pending++;
    }
    cJSON_Delete(j);
    if (!pending) return;
    nap_ms(50);
  }
}

static void test_transfer(light_client *c, abort_state *a) {
  light_error err = LIGHT_ERROR_INIT;
  th_clear_journal();
  char f[256];
  snprintf(f, sizeof f,
           "{\"kind\":\"delay\",\"delay\":%d,\"times\":1,\"method\":\"POST\",\"path\":\"/v1/app/accounts\"}", DELAY_S);
  th_fault(f);
  arm(a);
  int64_t t0 = th_mono_ms();
  light_status st = call(c, "create_account", "{\"email\":\"interrupt@example.com\"}", &err);
  int64_t took = th_mono_ms() - t0;
  disarm(a);
  CHECK_INT(st, LIGHT_E_CANCELLED);
  CHECK_INT(err.code, LIGHT_E_CANCELLED);
  CHECK_INT(err.kind, LIGHT_ERR_LIGHT);
  CHECK(took < DELAY_S * 1000);       /* it did not wait for the answer */
  CHECK(atomic_load(&a->calls) >= 3); /* checked repeatedly while the transfer waited */
  /* the interrupted POST went out once and was not retried */
  CHECK_INT(count("POST", "^/v1/app/accounts$"), 1);
  /* the client is usable afterwards */
  CHECK_INT(call(c, "list_accounts", NULL, &err), LIGHT_OK);
  wait_delayed_answered();
  CHECK_INT(count("POST", "^/v1/app/accounts$"), 1);
  light_error_clear(&err);
}

static void test_backoff(light_client *c, abort_state *a) {
  light_error err = LIGHT_ERROR_INIT;
  th_clear_journal();
  char f[256];
  snprintf(f, sizeof f,
           "{\"kind\":\"status\",\"status\":503,\"retry_after\":%d,\"times\":1,\"method\":\"GET\",\"path\":\"/v1/app/"
           "accounts\"}",
           DELAY_S);
  th_fault(f);
  arm(a);
  int64_t t0 = th_mono_ms();
  light_status st = call(c, "list_accounts", NULL, &err);
  int64_t took = th_mono_ms() - t0;
  disarm(a);
  CHECK_INT(st, LIGHT_E_CANCELLED);
  CHECK(took < DELAY_S * 1000);
  CHECK_INT(count("GET", "^/v1/app/accounts$"), 1); /* the retry never went out */
  CHECK_INT(call(c, "list_accounts", NULL, &err), LIGHT_OK);
  light_error_clear(&err);
}

static void test_rate_limiter(abort_state *a) {
  setup s = {a, 1};
  light_client *c = th_client(tweak, &s);
  light_error err = LIGHT_ERROR_INIT;
  th_clear_journal();
  CHECK_INT(call(c, "list_accounts", NULL, &err), LIGHT_OK); /* fills the 1/s window */
  /* the next call waits about a second in the limiter: abort 100 ms in */
  this_thread_armed = 1;
  atomic_store(&a->deadline, th_mono_ms() + 100);
  int64_t t0 = th_mono_ms();
  light_status st = call(c, "list_accounts", NULL, &err);
  int64_t took = th_mono_ms() - t0;
  disarm(a);
  CHECK_INT(st, LIGHT_E_CANCELLED);
  CHECK(took < 900);
  CHECK_INT(count("GET", "^/v1/app/accounts$"), 1); /* never sent */
  light_error_clear(&err);
  light_client_free(c);
}

typedef struct holder_arg {
  light_client *ac;
  light_status st;
} holder_arg;

static void *holder(void *ud) {
  holder_arg *h = ud;
  light_error err = LIGHT_ERROR_INIT;
  h->st = call(h->ac, "get_account", NULL, &err);
  light_error_clear(&err);
  return NULL;
}

static void test_mint_wait(light_client *app, abort_state *a) {
  light_error err = LIGHT_ERROR_INIT;
  char *uuid = th_create_account(app, "interrupt-mint@example.com");
  CHECK(uuid != NULL);
  if (!uuid) return;
  th_clear_journal();
  char f[512];
  snprintf(f, sizeof f,
           "{\"kind\":\"delay\",\"delay\":%d,\"times\":1,\"method\":\"POST\",\"path\":\"/v1/app/accounts/%s/token\"}",
           DELAY_S, uuid);
  th_fault(f);
  light_client *ac1 = NULL, *ac2 = NULL;
  CHECK_INT(light_client_for_account(&ac1, app, uuid, &err), LIGHT_OK);
  CHECK_INT(light_client_for_account(&ac2, app, uuid, &err), LIGHT_OK);
  /* the holder's abort check never fires: it runs on another thread */
  holder_arg h = {ac1, LIGHT_E_INTERNAL};
  pthread_t t;
  pthread_create(&t, NULL, holder, &h);
  while (count("POST", "/token$") < 1) nap_ms(10); /* its mint is on the wire */
  arm(a);
  int64_t t0 = th_mono_ms();
  light_status st = call(ac2, "get_account", NULL, &err);
  int64_t took = th_mono_ms() - t0;
  disarm(a);
  CHECK_INT(st, LIGHT_E_CANCELLED);
  CHECK(took < DELAY_S * 1000);
  pthread_join(t, NULL);
  /* the holder finished its mint and its call; only one mint went out */
  CHECK_INT(h.st, LIGHT_OK);
  CHECK_INT(count("POST", "/token$"), 1);
  /* the waiter sent nothing of its own: the one GET is the holder's */
  CHECK_INT(count("GET", "^/v1/account$"), 1);
  /* the family is usable afterwards */
  CHECK_INT(call(ac2, "get_account", NULL, &err), LIGHT_OK);
  wait_delayed_answered();
  light_error_clear(&err);
  light_client_free(ac1);
  light_client_free(ac2);
  free(uuid);
}

int main(void) {
  th_require_sandbox();
  abort_state a = {0};
  setup s = {&a, 0};
  light_client *c = th_client(tweak, &s);
  test_transfer(c, &a);
  test_backoff(c, &a);
  test_rate_limiter(&a);
  test_mint_wait(c, &a);
  th_clear_faults();
  light_client_free(c);
  TEST_MAIN_END();
}
