/* Internal (light__) view of a client, shared by the core's files.
 *
 * The core is split along its concepts, each behind its own header:
 *   options      light__options below: immutable copies, made by client.c
 *   token cache  token_cache.h (mint, refresh, single flight, 401 re-mint)
 *   limiter      rate_limit.c, declared below
 *   exchange     light/exchange.h: the sans-I/O state machine (no curl, no pthread)
 *   pool         pool.h: libcurl easy handles, used by both transports
 *   transports   transport.c (blocking), engine.c (async), curl_request.h (both)
 *
 * Ownership: a light_client is a thin handle (credentials of its scope) over
 * a refcounted light__shared (client.c, opaque) that the app client and the
 * account clients derived from it have in common; it owns the options, the
 * token cache, the limiter and the blocking transport's state, and is freed
 * when the last handle referring to it is freed. The handle caches borrowed
 * pointers to those parts. This header includes neither curl nor pthread. */
#ifndef LIGHT_INTERNAL_H
#define LIGHT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "light/client.h"
#include "light/exchange.h"
#include "token_cache.h"

/* ---- options (client.c) ---------------------------------------------------
 * Copies of light_client_options with defaults applied; immutable after
 * light_client_new, so reading them needs no lock. Strings owned by the
 * shared state (app_token and proxy wiped on free). */
typedef struct light__options {
  char *app_token;      /* NULL when none */
  char *base_url;       /* no trailing slash */
  char *base_url_shown; /* base_url with any user:password@ replaced by "[redacted]@" (light_client_base_url) */
  char *ca_file;
  char *proxy;
  char *user_agent; /* full User-Agent value */
  long timeout_ms;
  long connect_timeout_ms;
  int max_retries;
  double retry_base_s;
  double retry_max_s;
  double retry_after_cap_s;
  int insecure_skip_verify;
  size_t max_response_bytes;
  long token_refresh_margin_s;
  light_log_level log_level;
  light_log_cb log_cb;
  void *log_ud;
  light_jitter_cb jitter;
  void *jitter_ud;
  light_clock_cb clock;
  void *clock_ud;
  light_abort_cb abort_check; /* NULL: blocking calls are not interruptible */
  void *abort_ud;
} light__options;

/* ---- rate limiter (rate_limit.c) ----------------------------------------- */

typedef struct light__rate_limit light__rate_limit;

/* New limiter: app_per_s for app-token requests, account_per_s per account
 * key. Returns NULL on allocation failure. */
light__rate_limit *light__rate_limit_new(int app_per_s, int account_per_s);
void light__rate_limit_free(light__rate_limit *rl);
/* Take a slot for a request at monotonic time now_ms: account_key NULL = the
 * app bucket, else the bucket of that account. Returns 0 when the slot was
 * taken (the request may go now), else the ms to wait before asking again. */
long light__rate_limit_acquire(light__rate_limit *rl, const char *account_key, int64_t now_ms);

/* ---- the client ---------------------------------------------------------- */

typedef struct light__shared light__shared;     /* client.c */
typedef struct light__blocking light__blocking; /* transport.c */

struct light_client {
  light__shared *sh;             /* refcounted, shared with derived clients */
  const light__options *opt;     /* borrowed from sh */
  light__token_cache *tokens;    /* borrowed from sh */
  light__rate_limit *rate_limit; /* borrowed from sh; NULL when off */
  light__blocking *blocking;     /* borrowed from sh: the blocking transport's state */
  char *account_uuid;            /* set for clients derived with light_client_for_account */
  char *account_token;           /* bare account token given to light_client_new, or NULL */
  int owner;                     /* 1 for the client light_client_new made: freeing it closes every derived client */
  /* light_client_with_options overrides of this handle (inherited by
   * for_account and with_options): 0 / -1 / NULL = the shared option. */
  long timeout_ms;
  long connect_timeout_ms;
  int max_retries;  /* -1 = shared */
  char *user_agent; /* owned; full value once app_info was added, else NULL */
};

/* ---- client.c ------------------------------------------------------------ */

/* Effective settings of a handle: its with_options override, else the shared option. */
long light__client_timeout_ms(const light_client *c);
long light__client_connect_timeout_ms(const light_client *c);
int light__client_max_retries(const light_client *c);
const char *light__client_user_agent(const light_client *c);

/* Wall clock of the client (the injected clock when given), ms since epoch. */
int64_t light__client_now_ms(const light_client *c);
/* Monotonic ms (not injectable): for durations, limiter windows and waits. */
int64_t light__mono_ms(void);
/* Jitter in [0, 1) from the injected source or the client's PRNG. Thread-safe. */
double light__client_jitter(light_client *c);
/* LIGHT_OK, or LIGHT_E_STATE (filled in err) when the client was created in
 * another process (used after fork()). */
light_status light__client_check_usable(const light_client *c, light_error *err);

/* ---- exchange.c ---------------------------------------------------------- */

/* Token-cache generation seen by the last LIGHT_STEP_WAIT_TOKEN: a driver
 * waits until the cache's generation differs from it. */
uint64_t light__exchange_token_generation(const light_exchange *x);
/* 1 when the exchange's finished response carries a token (light__response_is_secret):
 * the transport then wipes its copy of the body. */
int light__exchange_response_is_secret(const light_exchange *x);
/* The driver's abort check fired outside a transfer (a wait): finish the
 * exchange with LIGHT_E_CANCELLED now (a mint it holds is given up). */
void light__exchange_abort(light_exchange *x);

/* ---- response.c ---------------------------------------------------------- */

/* Build a response; copies headers and body, takes ownership of json. NULL on OOM (json freed). */
light_response *light__response_new(int status, const char *headers, size_t headers_len, const char *body,
                                    size_t body_len, cJSON *json, int retries);
/* Build a response from a body the exchange validated with
 * light__codec_check_json(body, len, sum, LIGHT__RESPONSE_SUMMARY_N, ...) after
 * light__response_summary_init(sum): the summary serves pagination and the
 * secret check, the cJSON tree is built on first light_response_json(). */
#define LIGHT__RESPONSE_SUMMARY_N 7
void light__response_summary_init(light_json_member *sum);
light_response *light__response_new_checked(int status, const char *headers, size_t headers_len, const char *body,
                                            size_t body_len, const light_json_member *sum, int retries);
/* 1 when the response carries a token ({token} / {account_token}): wiped on free. */
int light__response_is_secret(const light_response *resp);

/* ---- transport.c --------------------------------------------------------- */

/* The blocking transport's state of a client family: its easy-handle pool
 * (with the CURLSH) and the condition variable token waits sleep on. NULL
 * on failure. Owned by the shared state. */
light__blocking *light__blocking_new(void);
/* foreign = 1 in a child after fork(): connections abandoned, not shut down. */
void light__blocking_free(light__blocking *b, int foreign);
/* light__token_notify_cb of the cache: wakes the threads waiting on a mint. */
void light__blocking_token_notify(void *ud, uint64_t generation);

/* ---- log.c --------------------------------------------------------------- */

/* One line per attempt. status 0 = transport failure (failure names it).
 * url is the full request URL: only its path and query *keys* are printed. */
void light__log_attempt(const light_client *c, const char *method, const char *url, int status, int failure,
                        const char *detail, int64_t duration_ms, int retries, int is_token_mint);
/* Debug level: the request's header lines with Authorization redacted. */
void light__log_headers(const light_client *c, const char *const *headers, size_t n);

#endif
