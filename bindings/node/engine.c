/* The core's async engine (light/engine.h) on Node's own libuv loop.
 *
 * watch_socket → one uv_poll_t per socket (uv_poll_start / stop, uv_close
 * on removal); set_timer → the environment's one uv_timer_t. Readiness and
 * expiry go back to light_engine_socket_action() / light_engine_timeout(),
 * whose completions resolve or reject the calls' Promises (client.c). There
 * are no threads: every byte moves on the JS thread's loop, between JS turns.
 *
 * Handles are ref'd only while requests are pending, so an idle client (even
 * with pooled keep-alive connections) never keeps the process alive. When a
 * uv callback delivers completions, the handle and callback scopes are opened
 * lazily (light_node__enter_js) and closed after the engine returns, which
 * is when Node runs the Promise reactions: never inside the engine.
 *
 * Time slice: socket work in one loop iteration stops after LN_SLICE_NS;
 * later readiness events of that iteration are left for the next one (the
 * poll handles are level-triggered, so they are reported again at once).
 * With 64 connections ready together the loop would otherwise run 64
 * responses back to back before timers and other I/O get a turn. A check
 * handle (unref'd) marks the end of each iteration's poll phase. */
#include <stdlib.h>
#include <string.h>

#include "light_node.h"

#define LN_SLICE_NS 1000000ULL /* 1 ms of socket work per loop iteration */

struct light_node_poll {
  uv_poll_t handle; /* first: the handle pointer is the struct pointer */
  light_node_env *e;
  int fd;
};

static void on_handle_closed(uv_handle_t *h) {
  light_node_env *e = h->data;
  free(h);
  if (e && e->open_handles > 0 && --e->open_handles == 0 && e->closing && e->cleanup) {
    napi_async_cleanup_hook_handle hh = e->cleanup;
    e->cleanup = NULL;
    napi_remove_async_cleanup_hook(hh);
  }
}

static void close_handle(light_node_env *e, uv_handle_t *h) {
  h->data = e;
  uv_close(h, on_handle_closed);
}

void light_node__enter_js(light_node_env *e) {
  if (!e->in_uv || e->scope_open || e->closing) return;
  napi_value resource;
  if (napi_open_handle_scope(e->env, &e->hscope) != napi_ok) return;
  if (napi_get_reference_value(e->env, e->async_resource, &resource) != napi_ok ||
      napi_open_callback_scope(e->env, resource, e->async_ctx, &e->cscope) != napi_ok) {
    napi_close_handle_scope(e->env, e->hscope);
    return;
  }
  e->scope_open = 1;
}

/* Around every engine entry from a uv callback. */
static void uv_enter(light_node_env *e) { e->in_uv = 1; }

static void uv_leave(light_node_env *e) {
  e->in_uv = 0;
  light_node__engine_update_ref(e);
  if (e->scope_open) {
    e->scope_open = 0;
    /* closing the outermost callback scope runs the Promise reactions */
    napi_close_callback_scope(e->env, e->cscope);
    napi_close_handle_scope(e->env, e->hscope);
  }
}

static void set_handle_ref(uv_handle_t *h, int on) {
  if (on)
    uv_ref(h);
  else
    uv_unref(h);
}

void light_node__engine_update_ref(light_node_env *e) {
  if (!e->engine || e->closing) return;
  int want = light_engine_pending(e->engine) > 0;
  if (want == e->refd) return;
  e->refd = want;
  if (e->timer) set_handle_ref((uv_handle_t *)e->timer, want);
  /* the check handle stays unref'd: it only marks iterations */
  for (size_t i = 0; i < e->n_polls; i++)
    if (e->polls[i]) set_handle_ref((uv_handle_t *)&e->polls[i]->handle, want);
}

static void on_check(uv_check_t *h) {
  light_node_env *e = h->data;
  e->slice_start = 0; /* the next iteration gets a fresh slice */
}

static void on_poll(uv_poll_t *h, int status, int events) {
  light_node_poll *p = (light_node_poll *)(void *)h;
  light_node_env *e = p->e;
  uint64_t now = uv_hrtime();
  if (!e->slice_start)
    e->slice_start = now;
  else if (now - e->slice_start > LN_SLICE_NS)
    return; /* level-triggered: reported again in the next iteration */
  int ev = 0;
  if (status < 0) ev = LIGHT_POLL_ERROR | LIGHT_POLL_IN | LIGHT_POLL_OUT;
  if (events & UV_READABLE) ev |= LIGHT_POLL_IN;
  if (events & UV_WRITABLE) ev |= LIGHT_POLL_OUT;
  uv_enter(e);
  light_engine_socket_action(e->engine, p->fd, ev);
  uv_leave(e);
}

static void on_timer(uv_timer_t *t) {
  light_node_env *e = t->data;
  uv_enter(e);
  light_engine_timeout(e->engine);
  uv_leave(e);
}

static int watch_socket(void *host, int fd, int what) {
  light_node_env *e = host;
  if (fd < 0) return -1;
  light_node_poll *p = (size_t)fd < e->n_polls ? e->polls[fd] : NULL;
  if (what & LIGHT_POLL_REMOVE) {
    if (!p) return 0;
    e->polls[fd] = NULL;
    uv_poll_stop(&p->handle);
    close_handle(e, (uv_handle_t *)&p->handle);
    return 0;
  }
  if (e->closing) return -1;
  if (!p) {
    if ((size_t)fd >= e->n_polls) {
      size_t n = e->n_polls ? e->n_polls : 64;
      while (n <= (size_t)fd) n *= 2;
      light_node_poll **np = realloc(e->polls, n * sizeof *np);
      if (!np) return -1;
      memset(np + e->n_polls, 0, (n - e->n_polls) * sizeof *np);
      e->polls = np;
      e->n_polls = n;
    }
    p = calloc(1, sizeof *p);
    if (!p) return -1;
    if (uv_poll_init_socket(e->loop, &p->handle, fd) != 0) {
      free(p);
      return -1;
    }
    p->e = e;
    p->fd = fd;
    p->handle.data = e;
    e->open_handles++;
    e->polls[fd] = p;
    if (!e->refd) uv_unref((uv_handle_t *)&p->handle);
  }
  int events = 0;
  if (what & LIGHT_POLL_IN) events |= UV_READABLE;
  if (what & LIGHT_POLL_OUT) events |= UV_WRITABLE;
  return uv_poll_start(&p->handle, events, on_poll) == 0 ? 0 : -1;
}

static int set_timer(void *host, long timeout_ms) {
  light_node_env *e = host;
  if (!e->timer) return -1;
  if (timeout_ms < 0) return uv_timer_stop(e->timer) == 0 ? 0 : -1;
  if (e->closing) return -1;
  return uv_timer_start(e->timer, on_timer, (uint64_t)timeout_ms, 0) == 0 ? 0 : -1;
}

light_engine *light_node__engine(light_node_env *e) {
  if (e->engine) return e->engine;
  if (e->closing) {
    napi_throw_error(e->env, NULL, "light-sdk: the environment is shutting down");
    return NULL;
  }
  if (!e->timer) {
    e->timer = calloc(1, sizeof *e->timer);
    if (!e->timer || uv_timer_init(e->loop, e->timer) != 0) {
      free(e->timer);
      e->timer = NULL;
      napi_throw_error(e->env, NULL, "light-sdk: cannot create the loop timer");
      return NULL;
    }
    e->timer->data = e;
    e->open_handles++;
    uv_unref((uv_handle_t *)e->timer);
    e->refd = 0;
  }
  if (!e->check) {
    e->check = calloc(1, sizeof *e->check);
    if (!e->check || uv_check_init(e->loop, e->check) != 0) {
      free(e->check);
      e->check = NULL;
      napi_throw_error(e->env, NULL, "light-sdk: cannot create the loop check handle");
      return NULL;
    }
    e->check->data = e;
    e->open_handles++;
    uv_check_start(e->check, on_check);
    uv_unref((uv_handle_t *)e->check);
  }
  light_engine_callbacks cb = {watch_socket, set_timer, e};
  light_error err = LIGHT_ERROR_INIT;
  if (light_engine_new(&e->engine, &cb, &err) != LIGHT_OK) {
    light_node__throw_error(e->env, &err);
    return NULL;
  }
  return e->engine;
}

void light_node__engine_teardown(light_node_env *e) {
  e->closing = 1;
  /* Pending calls complete as cancelled; client.c sees e->closing and only
   * releases memory (no JS may run during teardown). */
  light_engine_free(e->engine);
  e->engine = NULL;
  for (size_t i = 0; i < e->n_polls; i++) {
    light_node_poll *p = e->polls[i];
    if (!p) continue;
    e->polls[i] = NULL;
    uv_poll_stop(&p->handle);
    close_handle(e, (uv_handle_t *)&p->handle);
  }
  free(e->polls);
  e->polls = NULL;
  e->n_polls = 0;
  if (e->timer) {
    uv_timer_stop(e->timer);
    close_handle(e, (uv_handle_t *)e->timer);
    e->timer = NULL;
  }
  if (e->check) {
    uv_check_stop(e->check);
    close_handle(e, (uv_handle_t *)e->check);
    e->check = NULL;
  }
  if (e->open_handles == 0 && e->cleanup) {
    napi_async_cleanup_hook_handle hh = e->cleanup;
    e->cleanup = NULL;
    napi_remove_async_cleanup_hook(hh);
  }
}
