/* Internal (light__) view of a client, shared by client.c, exchange.c,
 * transport.c, curl_request.c, rate_limit.c, log.c and response.c.
 *
 * Ownership: a light_client is a thin handle (credentials of its scope) over
 * a refcounted light__shared that holds everything the app client and the
 * account clients derived from it have in common: copied options, the
 * account-token cache, the rate limiter, the blocking transport's pool of
 * easy handles and its CURLSH. The shared state is freed when the last
 * handle referring to it is freed. Options are immutable after creation, so
 * reading them needs no lock; the token cache, limiter and pool each have
 * their own mutex. */
#ifndef LIGHT_INTERNAL_H
#define LIGHT_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>

#include "codec.h"
#include "curl_request.h"
#include "light/client.h"
#include "light/exchange.h"

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

/* ---- token cache (exchange.c) -------------------------------------------- */

typedef struct light__token_entry {
  char *account_uuid;
  char *token;        /* NULL until minted; never logged */
  int64_t expires_ms; /* wall clock (client clock) ms */
  int64_t refresh_ms; /* re-mint from this time on: expires - min(margin, ttl / 2) */
  int minting;        /* 1 while one exchange has the mint in flight */
  struct light__token_entry *next;
} light__token_entry;

/* ---- pool of easy handles for the blocking transport (transport.c) ------- */

typedef struct light__pooled_easy {
  CURL *easy;
  light__curl_io io;
  struct light__pooled_easy *next;
} light__pooled_easy;

typedef struct light__shared {
  pthread_mutex_t ref_mu;
  int refs;
  pid_t pid; /* getpid() at creation: calls from another process are refused */

  /* immutable options (copies) */
  char *app_token; /* NULL when none */
  char *base_url;  /* no trailing slash */
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
  uint64_t prng; /* default jitter state (under token_mu) */

  /* account-token cache: token_mu guards entries and mint_generation;
   * token_cv is broadcast whenever a mint finishes (success, failure or
   * abandonment). */
  pthread_mutex_t token_mu;
  pthread_cond_t token_cv; /* CLOCK_MONOTONIC */
  light__token_entry *tokens;
  uint64_t mint_generation;

  light__rate_limit *rate_limit; /* NULL when off */

  /* blocking transport */
  pthread_mutex_t pool_mu;
  light__pooled_easy *idle;
  size_t n_idle;
  CURLSH *share;
  pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
} light__shared;

struct light_client {
  light__shared *sh;
  char *account_uuid;  /* set for clients derived with light_client_for_account */
  char *account_token; /* bare account token given to light_client_new, or NULL */
};

/* ---- client.c ------------------------------------------------------------ */

/* Wall clock of the client (the injected clock when given), ms since epoch. */
int64_t light__client_now_ms(const light_client *c);
/* Monotonic ms (not injectable): for durations, limiter windows and waits. */
int64_t light__mono_ms(void);
/* Jitter in [0, 1) from the injected source or the client's PRNG. Thread-safe. */
double light__client_jitter(light_client *c);
/* LIGHT_OK, or LIGHT_E_STATE (filled in err) when the client was created in
 * another process (used after fork()). */
light_status light__client_check_usable(const light_client *c, light_error *err);
/* Incremented (under token_mu) each time a mint finishes; lets an event loop
 * tell whether parked WAIT_TOKEN requests have something new to look at. */
uint64_t light__client_mint_generation(const light_client *c);

/* ---- exchange.c ---------------------------------------------------------- */

/* Block the calling thread until a token mint of the exchange's account
 * finishes or max_ms elapse (blocking transport, after LIGHT_STEP_WAIT_TOKEN). */
void light__exchange_wait_token(light_exchange *x, long max_ms);
/* Release cached tokens (client_free of the last handle). */
void light__token_cache_free(light__shared *sh);
/* 1 when the exchange's finished response carries a token (light__response_is_secret):
 * the transport then wipes its copy of the body. */
int light__exchange_response_is_secret(const light_exchange *x);

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

/* Create the pool's CURLSH (no I/O). 0 ok, -1 failure. */
int light__pool_init(light__shared *sh);
/* Free every pooled handle and the share. */
void light__pool_free(light__shared *sh);

/* ---- log.c --------------------------------------------------------------- */

/* One line per attempt. status 0 = transport failure (failure names it).
 * url is the full request URL: only its path and query *keys* are printed. */
void light__log_attempt(const light_client *c, const char *method, const char *url, int status, int failure,
                        const char *detail, int64_t duration_ms, int retries, int is_token_mint);
/* Debug level: the request's header lines with Authorization redacted. */
void light__log_headers(const light_client *c, const char *const *headers, size_t n);

#endif
