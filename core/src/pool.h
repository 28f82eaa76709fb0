/* Internal: the pool of libcurl easy handles (pool.c), one opaque type used
 * by both transports — the blocking transport (one pool per client family,
 * shared by its threads, with a CURLSH sharing connections, DNS and TLS
 * sessions) and the async engine (one pool per engine; the multi handle
 * shares the connections).
 *
 * Ownership: the pool owns its idle handles; a handle taken with
 * light__easy_pool_get() belongs to the caller until it gives it back with
 * light__easy_pool_put() (kept for reuse) or light__easy_pool_discard()
 * (destroyed: an interrupted transfer's handle, whose connection must not be
 * reused). Thread-safe (one mutex). */
#ifndef LIGHT_POOL_H
#define LIGHT_POOL_H

#include <stddef.h>

#include <curl/curl.h>

#include "curl_request.h"

/* One pooled transfer: the easy handle, its buffers and, for the blocking
 * transport, the private multi handle it is driven with (NULL until that
 * transport first uses it; destroyed with the handle). */
typedef struct light__easy {
  CURL *easy;
  light__curl_io io;
  CURLM *multi;
  struct light__easy *next; /* idle list */
} light__easy;

typedef struct light__easy_pool light__easy_pool;

/* max_idle: handles kept for reuse. share: 1 = attach every handle to a
 * CURLSH (connections, DNS, TLS sessions) owned by the pool. NULL on failure. */
light__easy_pool *light__easy_pool_new(size_t max_idle, int share);
/* Destroy idle handles and the share. foreign = 1 after fork() in the child:
 * the parent's handles and connections are abandoned, not shut down. All
 * taken handles must have been given back. NULL-safe. */
void light__easy_pool_free(light__easy_pool *pool, int foreign);
/* An idle handle (options reset, caches kept) or a new one; NULL on OOM. */
light__easy *light__easy_pool_get(light__easy_pool *pool);
/* Give a handle back for reuse (destroyed when max_idle are idle already).
 * The handle must not be in any multi handle. */
void light__easy_pool_put(light__easy_pool *pool, light__easy *e);
/* Destroy a handle instead of keeping it (its connection is closed). */
void light__easy_pool_discard(light__easy_pool *pool, light__easy *e);

#endif
