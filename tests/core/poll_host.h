/* A minimal event-loop host for the async engine: a poll() loop that
 * implements light_engine_callbacks (watch_socket, set_timer). Shared by
 * tests/core/test_engine.c and bench/c/bench_async.c. Header-only, static. */
#ifndef LIGHT_TEST_POLL_HOST_H
#define LIGHT_TEST_POLL_HOST_H

#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "light/engine.h"

#ifndef HOST_MAX_FDS
#define HOST_MAX_FDS 1024
#endif

typedef struct host {
  int fd[HOST_MAX_FDS];
  int what[HOST_MAX_FDS];
  size_t n;
  int64_t deadline; /* monotonic ms, -1 = disarmed */
  int bad_calls;    /* protocol violations seen by the callbacks */
} host;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int host_watch(void *ud, int fd, int what) {
  host *h = ud;
  size_t i;
  for (i = 0; i < h->n; i++)
    if (h->fd[i] == fd) break;
  if (what & LIGHT_POLL_REMOVE) {
    if (i == h->n) {
      h->bad_calls++; /* REMOVE for an fd never watched */
      return 0;
    }
    h->fd[i] = h->fd[h->n - 1];
    h->what[i] = h->what[h->n - 1];
    h->n--;
    return 0;
  }
  if ((what & (LIGHT_POLL_IN | LIGHT_POLL_OUT)) == 0) h->bad_calls++;
  if (i == h->n) {
    if (h->n == HOST_MAX_FDS) return -1;
    h->fd[h->n++] = fd;
  }
  h->what[i] = what;
  return 0;
}

static int host_timer(void *ud, long ms) {
  host *h = ud;
  h->deadline = ms < 0 ? -1 : now_ms() + ms;
  return 0;
}

static void host_init(host *h) {
  memset(h, 0, sizeof *h);
  h->deadline = -1;
}

/* One loop turn: poll the watched fds until the timer (at most max_wait_ms),
 * report readiness, fire the timer when due. */
static void loop_once(host *h, light_engine *e, int max_wait_ms) {
  struct pollfd p[HOST_MAX_FDS];
  size_t n = h->n;
  for (size_t i = 0; i < n; i++) {
    p[i].fd = h->fd[i];
    p[i].events = (short)(((h->what[i] & LIGHT_POLL_IN) ? POLLIN : 0) | ((h->what[i] & LIGHT_POLL_OUT) ? POLLOUT : 0));
    p[i].revents = 0;
  }
  int timeout = max_wait_ms;
  if (h->deadline >= 0) {
    int64_t left = h->deadline - now_ms();
    if (left < 0) left = 0;
    if (left < timeout) timeout = (int)left;
  }
  int rc = poll(p, (nfds_t)n, timeout);
  if (rc > 0) {
    for (size_t i = 0; i < n; i++) {
      if (!p[i].revents) continue;
      int ev = 0;
      if (p[i].revents & (POLLIN | POLLHUP)) ev |= LIGHT_POLL_IN;
      if (p[i].revents & POLLOUT) ev |= LIGHT_POLL_OUT;
      if (p[i].revents & (POLLERR | POLLNVAL)) ev |= LIGHT_POLL_ERROR;
      light_engine_socket_action(e, p[i].fd, ev);
    }
  }
  if (h->deadline >= 0 && now_ms() >= h->deadline) {
    h->deadline = -1;
    light_engine_timeout(e);
  }
}

#endif
