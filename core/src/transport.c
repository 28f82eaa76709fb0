/* The blocking transport: light_call() and light_request() drive an
 * exchange on the calling thread with an easy handle borrowed from the
 * client family's pool (pool.h: every handle attached to one CURLSH sharing
 * the connection cache, DNS cache and TLS sessions, so all threads of a
 * client and its account clients reuse the same keep-alive connections).
 *
 * Waits: a transfer is driven with the handle's private multi
 * (curl_multi_perform / curl_multi_poll in slices of at most SLICE_MS),
 * backoff and limiter waits are sleeps of at most SLICE_MS, and a wait for
 * another thread's token mint sleeps on this transport's condition variable
 * (woken by the token cache's notify callback) for at most SLICE_MS at a
 * time. Between two slices the client's abort check (light_client_options)
 * runs; when it fires the call ends with LIGHT_E_CANCELLED: an interrupted
 * transfer's handle (and so its connection) is destroyed, not pooled, and
 * the interrupted request is not retried. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "curl_request.h"
#include "internal.h"
#include "light/args.h"
#include "pool.h"

#define POOL_MAX_IDLE 32
/* Longest single wait between two abort checks. */
#define SLICE_MS 50L
/* Longest wait on another thread's mint before re-stepping the exchange. */
#define TOKEN_WAIT_MAX_MS 1000L

struct light__blocking {
  light__easy_pool *pool;
  pthread_mutex_t mu;  /* guards generation */
  pthread_cond_t cv;   /* CLOCK_MONOTONIC; broadcast when a mint finishes */
  uint64_t generation; /* the token cache's generation last notified */
};

light__blocking *light__blocking_new(void) {
  light__blocking *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  if (!(b->pool = light__easy_pool_new(POOL_MAX_IDLE, 1))) {
    free(b);
    return NULL;
  }
  pthread_mutex_init(&b->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&b->cv, &ca);
  pthread_condattr_destroy(&ca);
  return b;
}

void light__blocking_free(light__blocking *b, int foreign) {
  if (!b) return;
  light__easy_pool_free(b->pool, foreign);
  pthread_mutex_destroy(&b->mu);
  pthread_cond_destroy(&b->cv);
  free(b);
}

void light__blocking_token_notify(void *ud, uint64_t generation) {
  light__blocking *b = ud;
  pthread_mutex_lock(&b->mu);
  if (generation > b->generation) b->generation = generation;
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
}

/* ---- waits -------------------------------------------------------------- */

/* 1 when the client's abort check asks to interrupt the call. */
static int aborted(const light_client *c) {
  const light__options *o = c->opt;
  return o->abort_check && o->abort_check(o->abort_ud) != 0;
}

static void sleep_ms(long ms) {
  if (ms <= 0) return;
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  /* A signal ends the sleep early: the caller's abort check then runs. */
  nanosleep(&ts, NULL);
}

/* Sleep ms in slices, checking the abort between them. Returns 1 when aborted. */
static int wait_sliced(const light_client *c, long ms) {
  int64_t end = light__mono_ms() + (ms > 0 ? ms : 0);
  for (;;) {
    if (aborted(c)) return 1;
    int64_t left = end - light__mono_ms();
    if (left <= 0) return 0;
    sleep_ms(left < SLICE_MS ? (long)left : SLICE_MS);
  }
}

/* Wait until the token cache's generation moves past `seen` (a mint
 * finished) or max_ms elapse, in slices. Returns 1 when aborted. */
static int wait_token(const light_client *c, uint64_t seen, long max_ms) {
  light__blocking *b = c->blocking;
  int64_t end = light__mono_ms() + max_ms;
  for (;;) {
    if (aborted(c)) return 1;
    int64_t left = end - light__mono_ms();
    if (left <= 0) return 0;
    long slice = left < SLICE_MS ? (long)left : SLICE_MS;
    pthread_mutex_lock(&b->mu);
    int moved = b->generation != seen;
    if (!moved) {
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      ts.tv_nsec += slice * 1000000L;
      if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&b->cv, &b->mu, &ts);
      moved = b->generation != seen;
    }
    pthread_mutex_unlock(&b->mu);
    if (moved) return 0;
  }
}

/* ---- one transfer ------------------------------------------------------- */

typedef struct progress_ctx {
  const light_client *client;
  int64_t last_check;
  int fired;
} progress_ctx;

/* libcurl's progress callback: runs the abort check (at most every 20 ms,
 * it is called far more often during a download). */
static int on_xferinfo(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  progress_ctx *p = ud;
  int64_t now = light__mono_ms();
  if (now - p->last_check < 20) return 0;
  p->last_check = now;
  if (aborted(p->client)) p->fired = 1;
  return p->fired;
}

/* Perform the configured transfer of `e` with its private multi. Returns the
 * transfer's result; *interrupted = 1 when the abort check stopped it. */
static CURLcode perform(const light_client *c, light__easy *e, int *interrupted) {
  *interrupted = 0;
  progress_ctx pc = {c, light__mono_ms(), 0};
  if (c->opt->abort_check) {
    curl_easy_setopt(e->easy, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
    curl_easy_setopt(e->easy, CURLOPT_XFERINFODATA, (void *)&pc);
    curl_easy_setopt(e->easy, CURLOPT_NOPROGRESS, 0L);
  }
  if (!e->multi) {
    if (!(e->multi = curl_multi_init())) return CURLE_OUT_OF_MEMORY;
    /* The multi's cap applies to the shared connection cache (as
     * curl_easy_perform copies CURLOPT_MAXCONNECTS to its own multi): one
     * connection per busy thread, or handles close each other's idle ones. */
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)POOL_MAX_IDLE);
  }
  if (curl_multi_add_handle(e->multi, e->easy) != CURLM_OK) return CURLE_FAILED_INIT;
  CURLcode rc = CURLE_OK;
  for (;;) {
    int running = 0;
    CURLMcode mc = curl_multi_perform(e->multi, &running);
    if (mc != CURLM_OK) {
      rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
      break;
    }
    if (!running) {
      int left;
      CURLMsg *m = curl_multi_info_read(e->multi, &left);
      rc = (m && m->msg == CURLMSG_DONE) ? m->data.result : CURLE_FAILED_INIT;
      break;
    }
    if (pc.fired || aborted(c)) {
      *interrupted = 1;
      rc = CURLE_ABORTED_BY_CALLBACK;
      break;
    }
    /* A signal wakes the poll early (EINTR): the abort check runs at once. */
    if (curl_multi_poll(e->multi, NULL, 0, (int)SLICE_MS, NULL) != CURLM_OK) sleep_ms(1);
  }
  if (pc.fired) *interrupted = 1;
  curl_multi_remove_handle(e->multi, e->easy); /* premature when interrupted: the connection is closed */
  return rc;
}

/* ---- the loop ----------------------------------------------------------- */

static light_status drive(light_client *client, light_exchange *x, light_response **out, light_error *err) {
  light__easy_pool *pool = client->blocking->pool;
  light__easy *e = NULL;
  for (;;) {
    light_http_request req;
    long delay = 0;
    light_step s = light_exchange_next(&req, &delay, x);
    if (s == LIGHT_STEP_DONE) break;
    if (s == LIGHT_STEP_WAIT) {
      if (wait_sliced(client, delay)) light__exchange_abort(x);
      continue;
    }
    if (s == LIGHT_STEP_WAIT_TOKEN) {
      if (wait_token(client, light__exchange_token_generation(x), TOKEN_WAIT_MAX_MS)) light__exchange_abort(x);
      continue;
    }
    if (aborted(client)) {
      /* Nothing was sent yet: the SEND is abandoned unsent. */
      light_exchange_feed_failure(x, LIGHT_FAIL_CANCELLED, "interrupted by the abort check before sending");
      continue;
    }
    if (!e && !(e = light__easy_pool_get(pool))) {
      light_exchange_feed_failure(x, LIGHT_FAIL_OTHER, "out of memory creating a transfer");
      continue;
    }
    curl_easy_reset(e->easy);
    light_error setup_err = LIGHT_ERROR_INIT;
    if (light__curl_setup(e->easy, client, &req, &e->io, &setup_err) != LIGHT_OK) {
      light_exchange_feed_failure(x, LIGHT_FAIL_OTHER, setup_err.message ? setup_err.message : "transfer setup failed");
      light_error_clear(&setup_err);
      continue;
    }
    /* The shared connection cache must hold one connection per busy thread,
     * or handles would close each other's idle connections. */
    curl_easy_setopt(e->easy, CURLOPT_MAXCONNECTS, (long)POOL_MAX_IDLE);
    int interrupted = 0;
    CURLcode rc = perform(client, e, &interrupted);
    if (interrupted) {
      light_exchange_feed_failure(x, LIGHT_FAIL_CANCELLED, "interrupted by the abort check");
      /* Its connection may be mid-response: never reused. */
      if (e->io.body.wipe) light__buf_wipe(&e->io.body);
      light__easy_pool_discard(pool, e);
      e = NULL;
      continue;
    }
    light__curl_feed(x, e->easy, rc, &e->io);
  }
  if (e) light__easy_pool_put(pool, e);
  return light_exchange_finish(out, x, err);
}

light_status light_call(light_response **out, light_client *client, const char *op_id, const light_params *params,
                        light_error *err) {
  if (out) *out = NULL;
  if (!out) return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "out is NULL");
  light_exchange *x = NULL;
  light_status st = light_exchange_new(&x, client, op_id, params, err);
  if (st != LIGHT_OK) return st;
  st = drive(client, x, out, err);
  light_exchange_free(x);
  return st;
}

light_status light_request(light_response **out, light_client *client, const char *method, const char *path,
                           const light_params *params, light_error *err) {
  if (out) *out = NULL;
  if (!out) return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "out is NULL");
  light_exchange *x = NULL;
  light_status st = light_exchange_new_raw(&x, client, method, path, params, err);
  if (st != LIGHT_OK) return st;
  st = drive(client, x, out, err);
  light_exchange_free(x);
  return st;
}

light_status light_call_args(light_response **out, light_client *client, const light_args *args, light_error *err) {
  if (out) *out = NULL;
  if (!out) return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "out is NULL");
  light_exchange *x = NULL;
  light_status st = light_exchange_new_args(&x, client, args, err);
  if (st != LIGHT_OK) return st;
  st = drive(client, x, out, err);
  light_exchange_free(x);
  return st;
}
