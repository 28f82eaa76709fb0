/* The blocking transport: light_call() and light_request() drive an
 * exchange on the calling thread with an easy handle borrowed from the
 * client's pool.
 *
 * Pool: a mutex-protected stack of easy handles, created on demand and kept
 * for reuse (at most POOL_MAX_IDLE idle). Every handle is attached to one
 * CURLSH sharing the connection cache, DNS cache and TLS sessions, so all
 * threads of a client (and its account clients) reuse the same keep-alive
 * connections. The share's lock callbacks use one mutex per data kind. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "curl_request.h"
#include "internal.h"
#include "light/args.h"

#define POOL_MAX_IDLE 32
/* Longest single wait on the token condition variable before re-stepping. */
#define TOKEN_WAIT_MAX_MS 1000L

/* ---- share locks ------------------------------------------------------- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud) {
  light__shared *sh = ud;
  (void)h;
  (void)access;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST) pthread_mutex_lock(&sh->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud) {
  light__shared *sh = ud;
  (void)h;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST) pthread_mutex_unlock(&sh->share_mu[data]);
}

int light__pool_init(light__shared *sh) {
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&sh->share_mu[i], NULL);
  sh->share = curl_share_init();
  if (!sh->share) return -1;
  if (curl_share_setopt(sh->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
      curl_share_setopt(sh->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
      curl_share_setopt(sh->share, CURLSHOPT_USERDATA, (void *)sh) != CURLSHE_OK ||
      curl_share_setopt(sh->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
      curl_share_setopt(sh->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
    return -1;
  /* Connection sharing needs libcurl >= 7.57; older ones just pool per handle. */
  curl_share_setopt(sh->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  return 0;
}

void light__pool_free(light__shared *sh) {
  /* After fork() the child must not run TLS shutdown on the parent's
   * connections: the handles are abandoned there (a small leak in a child
   * that misused the client, instead of a corrupted parent session). */
  int foreign = sh->pid != getpid();
  while (sh->idle) {
    light__pooled_easy *p = sh->idle;
    sh->idle = p->next;
    if (!foreign) curl_easy_cleanup(p->easy);
    light__curl_io_free(&p->io);
    free(p);
  }
  sh->n_idle = 0;
  if (sh->share && !foreign) curl_share_cleanup(sh->share);
  sh->share = NULL;
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&sh->share_mu[i]);
}

static light__pooled_easy *pool_get(light__shared *sh) {
  pthread_mutex_lock(&sh->pool_mu);
  light__pooled_easy *p = sh->idle;
  if (p) {
    sh->idle = p->next;
    sh->n_idle--;
  }
  pthread_mutex_unlock(&sh->pool_mu);
  if (p) {
    p->next = NULL;
    return p;
  }
  p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->easy = curl_easy_init();
  if (!p->easy) {
    free(p);
    return NULL;
  }
  /* curl_easy_reset() keeps the share, so this is set once per handle. */
  curl_easy_setopt(p->easy, CURLOPT_SHARE, sh->share);
  return p;
}

static void pool_put(light__shared *sh, light__pooled_easy *p) {
  /* Do not keep a large response body's buffer alive in the pool. */
  if (p->io.body.cap > (size_t)1 << 20) light__buf_free(&p->io.body);
  pthread_mutex_lock(&sh->pool_mu);
  if (sh->n_idle < POOL_MAX_IDLE) {
    p->next = sh->idle;
    sh->idle = p;
    sh->n_idle++;
    p = NULL;
  }
  pthread_mutex_unlock(&sh->pool_mu);
  if (p) {
    curl_easy_cleanup(p->easy);
    light__curl_io_free(&p->io);
    free(p);
  }
}

static void sleep_ms(long ms) {
  if (ms <= 0) return;
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

/* ---- the loop ---------------------------------------------------------- */

static light_status drive(light_client *client, light_exchange *x, light_response **out, light_error *err) {
  light__shared *sh = client->sh;
  light__pooled_easy *p = NULL;
  for (;;) {
    light_http_request req;
    long delay = 0;
    light_step s = light_exchange_next(x, &req, &delay);
    if (s == LIGHT_STEP_DONE) break;
    if (s == LIGHT_STEP_WAIT) {
      sleep_ms(delay);
      continue;
    }
    if (s == LIGHT_STEP_WAIT_TOKEN) {
      light__exchange_wait_token(x, TOKEN_WAIT_MAX_MS);
      continue;
    }
    if (!p && !(p = pool_get(sh))) {
      light_exchange_feed_failure(x, LIGHT_FAIL_OTHER, "out of memory creating a transfer");
      continue;
    }
    curl_easy_reset(p->easy);
    light_error setup_err = LIGHT_ERROR_INIT;
    if (light__curl_setup(p->easy, client, &req, &p->io, &setup_err) != LIGHT_OK) {
      light_exchange_feed_failure(x, LIGHT_FAIL_OTHER, setup_err.message ? setup_err.message : "transfer setup failed");
      light_error_clear(&setup_err);
      continue;
    }
    /* The shared connection cache must hold one connection per busy thread,
     * or handles would close each other's idle connections. */
    curl_easy_setopt(p->easy, CURLOPT_MAXCONNECTS, (long)POOL_MAX_IDLE);
    CURLcode rc = curl_easy_perform(p->easy);
    light__curl_feed(x, p->easy, rc, &p->io);
  }
  if (p) pool_put(sh, p);
  return light_exchange_finish(x, out, err);
}

light_status light_call(light_client *client, const char *op_id, const light_params *params, light_response **out,
                        light_error *err) {
  if (out) *out = NULL;
  if (!out)
    return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "out is NULL");
  light_exchange *x = NULL;
  light_status st = light_exchange_new(client, op_id, params, &x, err);
  if (st != LIGHT_OK) return st;
  st = drive(client, x, out, err);
  light_exchange_free(x);
  return st;
}

light_status light_request(light_client *client, const char *method, const char *path, const light_params *params,
                           light_response **out, light_error *err) {
  if (out) *out = NULL;
  if (!out)
    return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "out is NULL");
  light_exchange *x = NULL;
  light_status st = light_exchange_new_raw(client, method, path, params, &x, err);
  if (st != LIGHT_OK) return st;
  st = drive(client, x, out, err);
  light_exchange_free(x);
  return st;
}

light_status light_call_args(light_client *client, const light_args *args, light_response **out, light_error *err) {
  if (out) *out = NULL;
  if (!out)
    return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "out is NULL");
  light_exchange *x = NULL;
  light_status st = light_exchange_new_args(client, args, &x, err);
  if (st != LIGHT_OK) return st;
  st = drive(client, x, out, err);
  light_exchange_free(x);
  return st;
}
