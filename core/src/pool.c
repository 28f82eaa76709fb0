/* Pool of libcurl easy handles (contract in pool.h). */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

struct light__easy_pool {
  pthread_mutex_t mu; /* guards idle, n_idle */
  light__easy *idle;
  size_t n_idle;
  size_t max_idle;
  CURLSH *share; /* NULL when the pool shares nothing */
  pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
};

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud) {
  light__easy_pool *p = ud;
  (void)h;
  (void)access;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST) pthread_mutex_lock(&p->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud) {
  light__easy_pool *p = ud;
  (void)h;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST) pthread_mutex_unlock(&p->share_mu[data]);
}

light__easy_pool *light__easy_pool_new(size_t max_idle, int share) {
  light__easy_pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  pthread_mutex_init(&p->mu, NULL);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&p->share_mu[i], NULL);
  p->max_idle = max_idle;
  if (!share) return p;
  p->share = curl_share_init();
  if (!p->share || curl_share_setopt(p->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
      curl_share_setopt(p->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
      curl_share_setopt(p->share, CURLSHOPT_USERDATA, (void *)p) != CURLSHE_OK ||
      curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
      curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
    light__easy_pool_free(p, 0);
    return NULL;
  }
  /* Connection sharing needs libcurl >= 7.57; older ones just pool per handle. */
  curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  return p;
}

static void easy_destroy(light__easy *e, int foreign) {
  if (!foreign) {
    if (e->multi) curl_multi_cleanup(e->multi);
    curl_easy_cleanup(e->easy);
  }
  light__curl_io_free(&e->io);
  free(e);
}

void light__easy_pool_free(light__easy_pool *p, int foreign) {
  if (!p) return;
  /* After fork() the child must not run TLS shutdown on the parent's
   * connections: the handles are abandoned there (a small leak in a child
   * that misused the client, instead of a corrupted parent session). */
  while (p->idle) {
    light__easy *e = p->idle;
    p->idle = e->next;
    easy_destroy(e, foreign);
  }
  if (p->share && !foreign) curl_share_cleanup(p->share);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&p->share_mu[i]);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

light__easy *light__easy_pool_get(light__easy_pool *p) {
  pthread_mutex_lock(&p->mu);
  light__easy *e = p->idle;
  if (e) {
    p->idle = e->next;
    p->n_idle--;
  }
  pthread_mutex_unlock(&p->mu);
  if (e) {
    e->next = NULL;
    /* A previous transfer's options (method, body, headers) must not leak
     * into this one; reset keeps the share and the connection caches. */
    curl_easy_reset(e->easy);
    return e;
  }
  e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->easy = curl_easy_init();
  if (!e->easy) {
    free(e);
    return NULL;
  }
  /* curl_easy_reset() keeps the share, so this is set once per handle. */
  if (p->share) curl_easy_setopt(e->easy, CURLOPT_SHARE, p->share);
  return e;
}

void light__easy_pool_discard(light__easy_pool *p, light__easy *e) {
  (void)p;
  if (e) easy_destroy(e, 0);
}

void light__easy_pool_put(light__easy_pool *p, light__easy *e) {
  if (!e) return;
  /* Do not keep a large response body's buffer alive in the pool. */
  if (e->io.body.cap > (size_t)1 << 20) light__buf_free(&e->io.body);
  pthread_mutex_lock(&p->mu);
  if (p->n_idle < p->max_idle) {
    e->next = p->idle;
    p->idle = e;
    p->n_idle++;
    e = NULL;
  }
  pthread_mutex_unlock(&p->mu);
  if (e) easy_destroy(e, 0);
}
