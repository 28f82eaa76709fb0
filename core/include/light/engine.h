/**
 * @file light/engine.h
 * @brief Async engine on curl_multi_socket_action, driven by a host event loop.
 *
 * The host (libuv in Node, asyncio in Python, a poll() loop in C) implements
 * two callbacks: watch a socket / stop watching it, and arm a single timer.
 * It reports readiness with light_engine_socket_action() and timer expiry with
 * light_engine_timeout(). The engine runs the same light_call state machine
 * as the blocking transport: retry delays and rate-limiter waits become
 * timers, never sleeps. There are no hidden threads and no polling loop.
 *
 * Thread rule: one engine per event loop; every engine function, and every
 * callback it makes, runs on the loop's thread. Clients used with an engine
 * may be shared with other threads and engines.
 */
#ifndef LIGHT_ENGINE_H
#define LIGHT_ENGINE_H

#include "light/common.h"

#include "light/exchange.h"
#include "light/client.h"
#include "light/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct light_engine light_engine;
typedef struct light_async_request light_async_request;

/** Socket interest / readiness bits. */
#define LIGHT_POLL_IN 1
#define LIGHT_POLL_OUT 2
#define LIGHT_POLL_REMOVE 4 /**< watch_socket: stop watching this fd */
#define LIGHT_POLL_ERROR 8  /**< socket_action: the host saw an error on the fd */

/** Host callbacks. Both must be set. They are never called from another thread. */
typedef struct light_engine_callbacks {
  /** Watch @p fd for @p what (LIGHT_POLL_IN|OUT), or stop (LIGHT_POLL_REMOVE). Return 0, or -1 on failure. */
  int (*watch_socket)(void *host, int fd, int what);
  /** Arm the one timer for @p timeout_ms (0 = on the next loop turn), or disarm it (-1). Return 0 or -1. */
  int (*set_timer)(void *host, long timeout_ms);
  void *host;
} light_engine_callbacks;

/**
 * Completion. Called exactly once per submitted request, from within
 * light_engine_socket_action(), light_engine_timeout() or
 * light_engine_cancel() (never from submit). @p resp is owned by the callee
 * on LIGHT_OK (free it with light_response_free()); @p err is borrowed for the
 * duration of the callback. The request handle is invalid after it returns.
 */
typedef void (*light_done_cb)(void *ud, light_status status, light_response *resp, const light_error *err);

/**
 * @brief Create an engine. @param[out] out caller owns; free with light_engine_free().
 * @return LIGHT_OK; LIGHT_E_INVALID_ARGUMENT (out NULL, missing callback);
 *         LIGHT_E_NOMEM; LIGHT_E_INTERNAL (curl_global_init failed).
 */
LIGHT_EXTERN(light_status) light_engine_new(light_engine **out, const light_engine_callbacks *cb, light_error *err);

/**
 * @brief Free the engine: every pending request completes with
 * LIGHT_E_CANCELLED first, then sockets are unwatched and the timer disarmed.
 * NULL-safe. Must not be called from inside a completion callback.
 */
LIGHT_EXTERN(void) light_engine_free(light_engine *engine);

/**
 * @brief Start operation @p op_id on @p client. Validation errors are returned
 * here (no callback then). Params are copied. The client must outlive the request.
 * @param[out] handle optional; valid until the completion callback returns.
 * @return LIGHT_OK (the completion will run with one of light_call()'s
 *         codes, or LIGHT_E_CANCELLED after light_engine_cancel() or
 *         light_engine_free()); LIGHT_E_INVALID_ARGUMENT (engine, client or
 *         done NULL, or as light_exchange_new()); LIGHT_E_STATE (engine being
 *         freed, client used after fork()); LIGHT_E_NOMEM; LIGHT_E_INTERNAL
 *         (as light_exchange_new()).
 */
LIGHT_EXTERN(light_status)
light_engine_submit(light_async_request **handle, light_engine *engine, light_client *client, const char *op_id,
                    const light_params *params, light_done_cb done, void *ud, light_error *err);

/** @brief As light_engine_submit() for a raw method + path (see light_request()). */
LIGHT_EXTERN(light_status)
light_engine_submit_raw(light_async_request **handle, light_engine *engine, light_client *client, const char *method,
                        const char *path, const light_params *params, light_done_cb done, void *ud, light_error *err);

/** @brief Report readiness of @p fd (LIGHT_POLL_IN|OUT|ERROR bits). */
LIGHT_EXTERN(void) light_engine_socket_action(light_engine *engine, int fd, int events);

/** @brief Report that the timer armed through set_timer expired. */
LIGHT_EXTERN(void) light_engine_timeout(light_engine *engine);

/**
 * @brief Cancel a pending request: its completion runs now with
 * LIGHT_E_CANCELLED and all its resources are released.
 * @return LIGHT_OK (also when the completion is already running);
 *         LIGHT_E_INVALID_ARGUMENT (engine or handle NULL, or a handle of
 *         another engine).
 */
LIGHT_EXTERN(light_status) light_engine_cancel(light_engine *engine, light_async_request *handle);

/** @brief Number of requests submitted and not yet completed. */
LIGHT_EXTERN(size_t) light_engine_pending(const light_engine *engine);

#ifdef __cplusplus
}
#endif
#endif
