/* Client-side rate limiter (off by default): a sliding one-second window per
 * bucket — one bucket for app-token requests, one per account — shared by
 * every thread of a client and its account clients (and every engine that
 * drives them). A request takes a slot just before it is sent; when the
 * window is full the exchange waits (LIGHT_STEP_WAIT) until the oldest slot
 * leaves it.
 *
 * The window is 1 s plus a small slack: the server counts arrival times,
 * which lag our send decisions by a varying amount, and a window that is
 * exactly 1 s on our side could hold limit+1 arrivals on the server's. */
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "codec.h"
#include "internal.h"

#define WINDOW_MS 1000
#define SLACK_MS 50

typedef struct bucket {
  char *key; /* NULL for the app bucket */
  int limit;
  int64_t *ring; /* send times (monotonic ms) of the last `limit` requests */
  int count;
  int head; /* index of the oldest entry */
  struct bucket *next;
} bucket;

struct light__rate_limit {
  pthread_mutex_t mu;
  bucket app;
  bucket *accounts;
  int account_limit;
};

static int bucket_init(bucket *b, const char *key, int limit) {
  memset(b, 0, sizeof *b);
  b->limit = limit > 0 ? limit : 1;
  b->ring = calloc((size_t)b->limit, sizeof *b->ring);
  if (!b->ring) return -1;
  if (key && !(b->key = light__strdup(key))) {
    free(b->ring);
    return -1;
  }
  return 0;
}

light__rate_limit *light__rate_limit_new(int app_per_s, int account_per_s) {
  light__rate_limit *rl = calloc(1, sizeof *rl);
  if (!rl) return NULL;
  if (bucket_init(&rl->app, NULL, app_per_s) != 0) {
    free(rl);
    return NULL;
  }
  rl->account_limit = account_per_s > 0 ? account_per_s : 1;
  pthread_mutex_init(&rl->mu, NULL);
  return rl;
}

void light__rate_limit_free(light__rate_limit *rl) {
  if (!rl) return;
  free(rl->app.ring);
  bucket *b = rl->accounts;
  while (b) {
    bucket *n = b->next;
    free(b->key);
    free(b->ring);
    free(b);
    b = n;
  }
  pthread_mutex_destroy(&rl->mu);
  free(rl);
}

/* Under mu. */
static bucket *find_bucket(light__rate_limit *rl, const char *key) {
  if (!key) return &rl->app;
  for (bucket *b = rl->accounts; b; b = b->next)
    if (strcmp(b->key, key) == 0) return b;
  bucket *b = malloc(sizeof *b);
  if (!b || bucket_init(b, key, rl->account_limit) != 0) {
    free(b);
    return NULL;
  }
  b->next = rl->accounts;
  rl->accounts = b;
  return b;
}

long light__rate_limit_acquire(light__rate_limit *rl, const char *account_key, int64_t now_ms) {
  if (!rl) return 0;
  long wait = 0;
  pthread_mutex_lock(&rl->mu);
  bucket *b = find_bucket(rl, account_key);
  if (b) {
    if (b->count < b->limit) {
      b->ring[(b->head + b->count) % b->limit] = now_ms;
      b->count++;
    } else {
      int64_t oldest = b->ring[b->head];
      int64_t free_at = oldest + WINDOW_MS + SLACK_MS;
      if (now_ms >= free_at) {
        b->ring[b->head] = now_ms; /* the oldest leaves, the newest takes its slot */
        b->head = (b->head + 1) % b->limit;
      } else {
        wait = (long)(free_at - now_ms);
      }
    }
  }
  /* On OOM the request is let through: the limiter is a courtesy, not a guard. */
  pthread_mutex_unlock(&rl->mu);
  return wait;
}
