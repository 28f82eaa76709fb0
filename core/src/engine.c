/* Async engine: drives light_exchange state machines on
 * curl_multi_socket_action for a host event loop (light/engine.h).
 *
 * Every request is one light_exchange plus, while it is on the wire, one
 * easy handle in the engine's multi handle. The engine never sleeps and never
 * polls: SEND becomes an easy handle added to the multi, WAIT / WAIT_TOKEN
 * become deadlines in a min-heap, and the host's single timer is armed for
 * the earliest of curl's own timeout and the heap's top.
 *
 * Reentrancy: curl callbacks (socket, timer) only record or forward to the
 * host; finished transfers are collected with curl_multi_info_read after the
 * multi call returned, and completion callbacks run from engine_run(), never
 * inside a curl_multi_* call. A completion may therefore submit or cancel
 * requests: a nested engine_run() returns at once and the outer one picks
 * the new work up. */
#include "light/engine.h"
#include "light/args.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "codec.h"
#include "curl_request.h"
#include "pool.h"

/* Connections kept in the multi's cache, and the cap per host: requests
 * beyond it queue inside curl and reuse the pooled connections instead of
 * opening new ones. */
#define ENGINE_MAX_CONNECTS 64L
#define ENGINE_MAX_HOST_CONNECTIONS 64L
/* Idle easy handles kept for reuse. */
#define ENGINE_MAX_IDLE_EASY 64

typedef enum rq_state {
  RQ_READY = 1,      /* in engine->ready: light_exchange_next() is due */
  RQ_SENDING = 2,    /* easy handle in the multi */
  RQ_WAIT = 3,       /* in the deadline heap */
  RQ_WAIT_TOKEN = 4, /* in the deadline heap and in engine->parked */
  RQ_DONE = 5,       /* in engine->done: result stored, completion due */
  RQ_DELIVERING = 6  /* completion callback running */
} rq_state;

/* Intrusive circular doubly linked list; a head is a sentinel. */
typedef struct rq_link {
  struct rq_link *prev;
  struct rq_link *next;
} rq_link;

struct light_async_request {
  light_engine *engine;
  light_client *client; /* borrowed: must outlive the request */
  light_exchange *x;    /* owned; NULL once finished */
  light_done_cb done;
  void *ud;
  rq_state state;
  rq_link all;          /* engine->all: every undelivered request */
  rq_link q;            /* engine->ready, ->done or ->parked */
  size_t heap_idx;      /* index in engine->heap, SIZE_MAX when absent */
  int64_t deadline;     /* monotonic ms, for RQ_WAIT / RQ_WAIT_TOKEN */
  light__easy *slot;    /* owned while RQ_SENDING */
  light_status status;  /* result, once RQ_DONE */
  light_response *resp; /* owned until handed to the completion */
  light_error err;
};

struct light_engine {
  light_engine_callbacks cb;
  CURLM *multi;
  rq_link all;
  rq_link ready;
  rq_link done;
  rq_link parked;
  light_async_request **heap; /* min-heap on deadline */
  size_t heap_len;
  size_t heap_cap;
  light__easy_pool *pool; /* idle easy handles (the multi shares the connections) */
  int *fds;               /* sockets the host watches for us */
  size_t n_fds;
  size_t cap_fds;
  size_t pending;
  size_t in_flight;
  int64_t curl_deadline; /* monotonic ms curl wants a timeout action, -1 none */
  int64_t armed;         /* monotonic ms the host timer is armed for, -1 none */
  int running;           /* inside engine_run() */
  int closing;           /* inside light_engine_free() */
  int wake_parked;       /* a SEND finished: re-step WAIT_TOKEN requests */
};

#define RQ_OF(link, field) ((light_async_request *)(void *)((char *)(link)-offsetof(light_async_request, field)))

/* ---- small utilities ---------------------------------------------------- */

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void list_init(rq_link *h) { h->prev = h->next = h; }
static int list_empty(const rq_link *h) { return h->next == h; }

static void list_push(rq_link *h, rq_link *n) {
  n->prev = h->prev;
  n->next = h;
  h->prev->next = n;
  h->prev = n;
}

static void list_remove(rq_link *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->prev = n->next = n;
}

static rq_link *list_pop(rq_link *h) {
  rq_link *n = h->next;
  if (n == h) return NULL;
  list_remove(n);
  return n;
}

/* ---- deadline heap ------------------------------------------------------ */

static void heap_set(light_engine *e, size_t i, light_async_request *r) {
  e->heap[i] = r;
  r->heap_idx = i;
}

static void heap_up(light_engine *e, size_t i) {
  light_async_request *r = e->heap[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (e->heap[p]->deadline <= r->deadline) break;
    heap_set(e, i, e->heap[p]);
    i = p;
  }
  heap_set(e, i, r);
}

static void heap_down(light_engine *e, size_t i) {
  light_async_request *r = e->heap[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= e->heap_len) break;
    if (c + 1 < e->heap_len && e->heap[c + 1]->deadline < e->heap[c]->deadline) c++;
    if (r->deadline <= e->heap[c]->deadline) break;
    heap_set(e, i, e->heap[c]);
    i = c;
  }
  heap_set(e, i, r);
}

static int heap_push(light_engine *e, light_async_request *r) {
  if (e->heap_len == e->heap_cap) {
    size_t cap = e->heap_cap ? e->heap_cap * 2 : 64;
    light_async_request **h = realloc(e->heap, cap * sizeof *h);
    if (!h) return -1;
    e->heap = h;
    e->heap_cap = cap;
  }
  e->heap[e->heap_len] = r;
  r->heap_idx = e->heap_len++;
  heap_up(e, r->heap_idx);
  return 0;
}

static void heap_remove(light_engine *e, light_async_request *r) {
  size_t i = r->heap_idx;
  if (i == SIZE_MAX) return;
  r->heap_idx = SIZE_MAX;
  e->heap_len--;
  if (i == e->heap_len) return;
  light_async_request *last = e->heap[e->heap_len];
  heap_set(e, i, last);
  if (i > 0 && e->heap[(i - 1) / 2]->deadline > last->deadline)
    heap_up(e, i);
  else
    heap_down(e, i);
}

/* ---- easy handles ------------------------------------------------------ */

static light__easy *slot_get(light_engine *e) { return light__easy_pool_get(e->pool); }

static void slot_put(light_engine *e, light__easy *s) {
  if (e->closing)
    light__easy_pool_discard(e->pool, s);
  else
    light__easy_pool_put(e->pool, s);
}

/* ---- watched sockets ---------------------------------------------------- */

static size_t fd_find(const light_engine *e, int fd) {
  for (size_t i = 0; i < e->n_fds; i++)
    if (e->fds[i] == fd) return i;
  return SIZE_MAX;
}

static int fd_remember(light_engine *e, int fd) {
  if (fd_find(e, fd) != SIZE_MAX) return 0;
  if (e->n_fds == e->cap_fds) {
    size_t cap = e->cap_fds ? e->cap_fds * 2 : 64;
    int *f = realloc(e->fds, cap * sizeof *f);
    if (!f) return -1;
    e->fds = f;
    e->cap_fds = cap;
  }
  e->fds[e->n_fds++] = fd;
  return 0;
}

static int fd_forget(light_engine *e, int fd) {
  size_t i = fd_find(e, fd);
  if (i == SIZE_MAX) return 0;
  e->fds[i] = e->fds[--e->n_fds];
  return 1;
}

/* ---- curl callbacks: record and forward only ---------------------------- */

static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *ud, void *socketp) {
  light_engine *e = ud;
  int w;
  (void)easy;
  (void)socketp;
  switch (what) {
  case CURL_POLL_IN: w = LIGHT_POLL_IN; break;
  case CURL_POLL_OUT: w = LIGHT_POLL_OUT; break;
  case CURL_POLL_INOUT: w = LIGHT_POLL_IN | LIGHT_POLL_OUT; break;
  case CURL_POLL_REMOVE:
    if (!fd_forget(e, (int)s)) return 0;
    return e->cb.watch_socket(e->cb.host, (int)s, LIGHT_POLL_REMOVE) == 0 ? 0 : -1;
  default: return 0;
  }
  if (fd_remember(e, (int)s) != 0) return -1;
  return e->cb.watch_socket(e->cb.host, (int)s, w) == 0 ? 0 : -1;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *ud) {
  light_engine *e = ud;
  (void)multi;
  e->curl_deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
  return 0;
}

/* ---- the host timer ----------------------------------------------------- */

/* Arm the host timer for the earliest thing the engine waits for. Only
 * called outside curl calls, at the end of every public entry point. */
static void engine_rearm(light_engine *e) {
  if (e->closing || e->running) return;
  int64_t now = mono_ms();
  int64_t next = -1;
  if (!list_empty(&e->ready) || !list_empty(&e->done)) next = now;
  if (e->curl_deadline >= 0 && (next < 0 || e->curl_deadline < next)) next = e->curl_deadline;
  if (e->heap_len && (next < 0 || e->heap[0]->deadline < next)) next = e->heap[0]->deadline;
  if (next == e->armed) return;
  if (next < 0) {
    e->armed = -1;
    e->cb.set_timer(e->cb.host, -1);
    return;
  }
  e->armed = e->cb.set_timer(e->cb.host, next > now ? (long)(next - now) : 0L) == 0 ? next : -1;
}

/* ---- stepping ----------------------------------------------------------- */

static void result_set(light_async_request *r, light_status st) {
  r->status = st;
  r->state = RQ_DONE;
  list_push(&r->engine->done, &r->q);
}

/* Start a SEND. Returns 0 when the transfer is in the multi, -1 when the
 * failure was fed to the exchange instead (the caller steps again). */
static int start_send(light_engine *e, light_async_request *r, const light_http_request *hr) {
  light__easy *s = slot_get(e);
  if (!s) {
    light_exchange_feed_failure(r->x, LIGHT_FAIL_OTHER, "out of memory creating a transfer");
    return -1;
  }
  light_error err = LIGHT_ERROR_INIT;
  if (light__curl_setup(s->easy, r->client, hr, &s->io, &err) != LIGHT_OK) {
    light_exchange_feed_failure(r->x, LIGHT_FAIL_OTHER, err.message ? err.message : "transfer setup failed");
    light_error_clear(&err);
    slot_put(e, s);
    return -1;
  }
  curl_easy_setopt(s->easy, CURLOPT_PRIVATE, (void *)r);
  if (curl_multi_add_handle(e->multi, s->easy) != CURLM_OK) {
    light_exchange_feed_failure(r->x, LIGHT_FAIL_OTHER, "curl_multi_add_handle failed");
    slot_put(e, s);
    return -1;
  }
  r->slot = s;
  r->state = RQ_SENDING;
  e->in_flight++;
  return 0;
}

/* Advance a request (not in any queue) until it sends, waits or is done. */
static void step_request(light_engine *e, light_async_request *r) {
  for (;;) {
    light_http_request hr;
    long delay = 0;
    memset(&hr, 0, sizeof hr);
    light_step s = light_exchange_next(&hr, &delay, r->x);
    switch (s) {
    case LIGHT_STEP_SEND:
      if (start_send(e, r, &hr) == 0) return;
      continue;
    case LIGHT_STEP_WAIT:
    case LIGHT_STEP_WAIT_TOKEN:
      r->deadline = mono_ms() + (delay > 0 ? delay : 0);
      if (heap_push(e, r) != 0) {
        light_exchange_free(r->x);
        r->x = NULL;
        result_set(r, light__error_set(&r->err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory"));
        return;
      }
      if (s == LIGHT_STEP_WAIT_TOKEN) {
        r->state = RQ_WAIT_TOKEN;
        list_push(&e->parked, &r->q);
      } else {
        r->state = RQ_WAIT;
      }
      return;
    case LIGHT_STEP_DONE: {
      light_status st = light_exchange_finish(&r->resp, r->x, &r->err);
      light_exchange_free(r->x);
      r->x = NULL;
      result_set(r, st);
      return;
    }
    default:
      light_exchange_free(r->x);
      r->x = NULL;
      result_set(r,
                 light__error_set(&r->err, LIGHT_E_INTERNAL, LIGHT_ERR_LIGHT, "unexpected exchange step %d", (int)s));
      return;
    }
  }
}

/* Collect finished transfers (after a multi call returned) and feed them. */
static void drain_info(light_engine *e) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
    if (m->msg != CURLMSG_DONE) continue;
    CURL *easy = m->easy_handle;
    CURLcode rc = m->data.result;
    char *priv = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    light_async_request *r = (light_async_request *)(void *)priv;
    curl_multi_remove_handle(e->multi, easy); /* invalidates m */
    if (!r || r->state != RQ_SENDING || !r->slot || r->slot->easy != easy) continue;
    light__easy *s = r->slot;
    r->slot = NULL;
    e->in_flight--;
    light__curl_feed(r->x, easy, rc, &s->io);
    slot_put(e, s);
    r->state = RQ_READY;
    list_push(&e->ready, &r->q);
    /* A finished SEND may have been the token mint others wait for. */
    if (!list_empty(&e->parked)) e->wake_parked = 1;
  }
}

static void request_free(light_async_request *r) {
  light_exchange_free(r->x);
  light_response_free(r->resp);
  light_error_clear(&r->err);
  free(r);
}

/* Run the completion of a request already out of every queue and list. */
static void deliver(light_engine *e, light_async_request *r) {
  light_response *resp = NULL;
  r->state = RQ_DELIVERING;
  e->pending--;
  if (r->status == LIGHT_OK) {
    resp = r->resp;
    r->resp = NULL;
  } else {
    light_response_free(r->resp);
    r->resp = NULL;
  }
  r->done(r->ud, r->status, resp, &r->err);
  request_free(r);
}

static void engine_run(light_engine *e) {
  if (e->running) return; /* a completion re-entered: the outer run continues */
  e->running = 1;
  for (;;) {
    rq_link *n;
    drain_info(e);
    if (e->wake_parked) {
      e->wake_parked = 0;
      while ((n = list_pop(&e->parked)) != NULL) {
        light_async_request *r = RQ_OF(n, q);
        heap_remove(e, r);
        r->state = RQ_READY;
        list_push(&e->ready, &r->q);
      }
    }
    if ((n = list_pop(&e->ready)) != NULL) {
      step_request(e, RQ_OF(n, q));
      continue;
    }
    if ((n = list_pop(&e->done)) != NULL) {
      light_async_request *r = RQ_OF(n, q);
      list_remove(&r->all);
      deliver(e, r);
      continue;
    }
    break;
  }
  e->running = 0;
  engine_rearm(e);
}

static void multi_action(light_engine *e, curl_socket_t fd, int ev_bitmask) {
  int running = 0;
  curl_multi_socket_action(e->multi, fd, ev_bitmask, &running);
}

/* ---- public API --------------------------------------------------------- */

light_status light_engine_new(light_engine **out, const light_engine_callbacks *cb, light_error *err) {
  if (!out) return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "out is NULL");
  *out = NULL;
  if (!cb || !cb->watch_socket || !cb->set_timer)
    return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT,
                            "engine callbacks watch_socket and set_timer are required");
  if (light__global_init() != 0)
    return light__error_set(err, LIGHT_E_INTERNAL, LIGHT_ERR_LIGHT, "curl_global_init failed");
  light_engine *e = calloc(1, sizeof *e);
  if (!e) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  e->multi = curl_multi_init();
  e->pool = light__easy_pool_new(ENGINE_MAX_IDLE_EASY, 0);
  if (!e->multi || !e->pool) {
    if (e->multi) curl_multi_cleanup(e->multi);
    light__easy_pool_free(e->pool, 0);
    free(e);
    return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "curl_multi_init failed");
  }
  e->cb = *cb;
  list_init(&e->all);
  list_init(&e->ready);
  list_init(&e->done);
  list_init(&e->parked);
  e->curl_deadline = -1;
  e->armed = -1;
  curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
  curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, (void *)e);
  curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
  curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, (void *)e);
  curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, ENGINE_MAX_CONNECTS);
  curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, ENGINE_MAX_HOST_CONNECTIONS);
  *out = e;
  return LIGHT_OK;
}

static light_status submit_common(light_engine *e, light_client *client, light_exchange *x, light_done_cb done,
                                  void *ud, light_async_request **handle, light_error *err) {
  light_async_request *r = calloc(1, sizeof *r);
  if (!r) {
    light_exchange_free(x);
    return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  }
  r->engine = e;
  r->client = client;
  r->x = x;
  r->done = done;
  r->ud = ud;
  r->heap_idx = SIZE_MAX;
  r->err = (light_error)LIGHT_ERROR_INIT;
  list_init(&r->q);
  list_push(&e->all, &r->all);
  e->pending++;
  if (handle) *handle = r;
  step_request(e, r); /* never delivers: a result waits in e->done */
  engine_rearm(e);
  return LIGHT_OK;
}

static light_status submit_check(light_engine *e, light_client *client, light_done_cb done, light_error *err) {
  if (!e || !client || !done)
    return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT,
                            "engine, client and completion callback are required");
  if (e->closing) return light__error_set(err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, "engine is being freed");
  return LIGHT_OK;
}

light_status light_engine_submit(light_async_request **handle, light_engine *engine, light_client *client,
                                 const char *op_id, const light_params *params, light_done_cb done, void *ud,
                                 light_error *err) {
  light_exchange *x = NULL;
  light_status st;
  if (handle) *handle = NULL;
  if ((st = submit_check(engine, client, done, err)) != LIGHT_OK) return st;
  if ((st = light_exchange_new(&x, client, op_id, params, err)) != LIGHT_OK) return st;
  return submit_common(engine, client, x, done, ud, handle, err);
}

light_status light_engine_submit_raw(light_async_request **handle, light_engine *engine, light_client *client,
                                     const char *method, const char *path, const light_params *params,
                                     light_done_cb done, void *ud, light_error *err) {
  light_exchange *x = NULL;
  light_status st;
  if (handle) *handle = NULL;
  if ((st = submit_check(engine, client, done, err)) != LIGHT_OK) return st;
  if ((st = light_exchange_new_raw(&x, client, method, path, params, err)) != LIGHT_OK) return st;
  return submit_common(engine, client, x, done, ud, handle, err);
}

light_status light_engine_submit_args(light_async_request **handle, light_engine *engine, light_client *client,
                                      const light_args *args, light_done_cb done, void *ud, light_error *err) {
  light_exchange *x = NULL;
  light_status st;
  if (handle) *handle = NULL;
  if ((st = submit_check(engine, client, done, err)) != LIGHT_OK) return st;
  if ((st = light_exchange_new_args(&x, client, args, err)) != LIGHT_OK) return st;
  return submit_common(engine, client, x, done, ud, handle, err);
}

void light_engine_socket_action(light_engine *engine, int fd, int events) {
  if (!engine || engine->closing) return;
  int ev = 0;
  if (events & LIGHT_POLL_IN) ev |= CURL_CSELECT_IN;
  if (events & LIGHT_POLL_OUT) ev |= CURL_CSELECT_OUT;
  if (events & LIGHT_POLL_ERROR) ev |= CURL_CSELECT_ERR;
  multi_action(engine, (curl_socket_t)fd, ev);
  engine_run(engine);
}

void light_engine_timeout(light_engine *engine) {
  if (!engine || engine->closing) return;
  light_engine *e = engine;
  e->armed = -1; /* the host timer just fired */
  int64_t now = mono_ms();
  while (e->heap_len && e->heap[0]->deadline <= now) {
    light_async_request *r = e->heap[0];
    heap_remove(e, r);
    if (r->state == RQ_WAIT_TOKEN) list_remove(&r->q);
    r->state = RQ_READY;
    list_push(&e->ready, &r->q);
  }
  if (e->curl_deadline >= 0 && e->curl_deadline <= now) {
    long ms = -1;
    multi_action(e, CURL_SOCKET_TIMEOUT, 0);
    /* curl calls the timer callback only when its timeout changes; ask it
     * directly so a timeout fired a little early is not lost. */
    if (curl_multi_timeout(e->multi, &ms) == CURLM_OK) e->curl_deadline = ms < 0 ? -1 : mono_ms() + ms;
  }
  engine_run(e);
}

light_status light_engine_cancel(light_engine *engine, light_async_request *r) {
  if (!engine || !r || r->engine != engine) return LIGHT_E_INVALID_ARGUMENT;
  light_engine *e = engine;
  switch (r->state) {
  case RQ_DELIVERING: return LIGHT_OK; /* its completion is already running */
  case RQ_READY:
  case RQ_DONE: list_remove(&r->q); break;
  case RQ_WAIT_TOKEN:
    list_remove(&r->q);
    heap_remove(e, r);
    break;
  case RQ_WAIT: heap_remove(e, r); break;
  case RQ_SENDING:
    if (r->slot) {
      curl_multi_remove_handle(e->multi, r->slot->easy);
      slot_put(e, r->slot);
      r->slot = NULL;
      e->in_flight--;
    }
    break;
  }
  list_remove(&r->all);
  /* Freeing the exchange also releases a token mint it had in flight, so
   * requests waiting on that mint elect a new minter at their next step. */
  light_exchange_free(r->x);
  r->x = NULL;
  light_response_free(r->resp);
  r->resp = NULL;
  r->status = light__error_set(&r->err, LIGHT_E_CANCELLED, LIGHT_ERR_LIGHT, "request cancelled");
  deliver(e, r);
  engine_rearm(e);
  return LIGHT_OK;
}

size_t light_engine_pending(const light_engine *engine) { return engine ? engine->pending : 0; }

void light_engine_free(light_engine *engine) {
  if (!engine) return;
  light_engine *e = engine;
  e->closing = 1;
  /* Completions may cancel other requests (fine) but not submit new ones
   * (LIGHT_E_STATE), so this loop ends. */
  while (!list_empty(&e->all)) light_engine_cancel(e, RQ_OF(e->all.next, all));
  /* The multi may close pooled connections now and unwatch their sockets. */
  curl_multi_cleanup(e->multi);
  light__easy_pool_free(e->pool, 0);
  for (size_t i = 0; i < e->n_fds; i++) e->cb.watch_socket(e->cb.host, e->fds[i], LIGHT_POLL_REMOVE);
  if (e->armed >= 0) e->cb.set_timer(e->cb.host, -1);
  free(e->fds);
  free(e->heap);
  free(e);
}
