/* Internal: the account-token cache (token_cache.c). One per client family
 * (an app client and the account clients derived from it share it); owned
 * by the shared client state (client.c), which creates it with
 * light__token_cache_new() and frees it with light__token_cache_free().
 *
 * What it decides: whether a call may use a cached token (fresh: before
 * refresh_ms and expires_ms), must mint one (absent or stale; exactly one
 * caller per account at a time holds the mint — single flight), or must wait
 * for another caller's mint. A 401 invalidates the token that was used so
 * the next acquire re-mints. Tokens are wiped before they are freed.
 *
 * It never blocks beyond its own short mutex and never performs I/O: a
 * caller that must wait gets LIGHT__TOKEN_WAIT and the generation it saw; the
 * driver decides how to wait (the blocking transport sleeps on a condition
 * variable woken through the notify callback, the async engine parks the
 * request until a transfer finishes, nginx sleeps). Thread-safe. */
#ifndef LIGHT_TOKEN_CACHE_H
#define LIGHT_TOKEN_CACHE_H

#include <stdint.h>

#include <cjson/cJSON.h>

typedef struct light__token_cache light__token_cache;

/* Told after every mint finished (stored, failed or abandoned), outside the
 * cache's lock, with the new generation. */
typedef void (*light__token_notify_cb)(void *ud, uint64_t generation);

/* New empty cache; refresh_margin_s: re-mint this long before expiry (but
 * never more than half a token's lifetime). NULL on OOM. */
light__token_cache *light__token_cache_new(long refresh_margin_s);
/* Frees every entry (tokens wiped). NULL-safe. */
void light__token_cache_free(light__token_cache *tc);
/* Set the observer once, before the cache is shared between threads. */
void light__token_cache_set_notify(light__token_cache *tc, light__token_notify_cb cb, void *ud);

typedef enum light__token_state {
  LIGHT__TOKEN_NOMEM = -1,
  LIGHT__TOKEN_FRESH = 0, /* *token is the caller's copy (free with light__secret_free) */
  LIGHT__TOKEN_MINT = 1,  /* the caller now holds the mint: it must end with _store or _release */
  LIGHT__TOKEN_WAIT = 2   /* another caller holds the mint; *generation is what was seen */
} light__token_state;

/* Look up the token of account `uuid` at client wall-clock time now_ms.
 * *token is set only for FRESH; *generation (may be NULL) for every state. */
light__token_state light__token_cache_acquire(light__token_cache *tc, const char *uuid, int64_t now_ms, char **token,
                                              uint64_t *generation);
/* The minter stores a minted token (copied) and gives the mint up. Returns 0,
 * or -1 on OOM (the mint is given up all the same). */
int light__token_cache_store(light__token_cache *tc, const char *uuid, const char *token, int64_t expires_ms,
                             int64_t now_ms);
/* The minter gives the mint up without a token (failure, abandonment). */
void light__token_cache_release(light__token_cache *tc, const char *uuid);
/* After a 401: forget the cached token of `uuid` if it still is `used`
 * (another caller may already have replaced it). */
void light__token_cache_invalidate(light__token_cache *tc, const char *uuid, const char *used);
/* Incremented each time a mint finishes. */
uint64_t light__token_cache_generation(light__token_cache *tc);
/* 1 while some caller holds the mint of `uuid`. */
int light__token_cache_minting(light__token_cache *tc, const char *uuid);
/* Test seam: a malloc'd copy of the cached token of `uuid` (NULL: the most
 * recently created entry), or NULL when none. Caller frees (light__secret_free). */
char *light__token_cache_peek(light__token_cache *tc, const char *uuid);

/* Parse a mint answer {token | account_token, expires_at}: expires_at is
 * ISO-8601 or a Unix time (s, or ms when huge); absent → now + 60 min.
 * Returns 0 (*token malloc'd, caller frees with light__secret_free), -1 when
 * the answer has no usable token, -2 on OOM. */
int light__token_parse_mint(const cJSON *j, int64_t now_ms, char **token, int64_t *expires_ms);

/* ISO-8601 "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]" (no zone = UTC) → epoch ms; -1 when unparseable. */
int64_t light__token_parse_iso8601_ms(const char *s);

#endif
