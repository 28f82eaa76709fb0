/* The account-token cache (contract in token_cache.h): a mutex-protected
 * list of entries keyed by account uuid. */
#include "token_cache.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

#define DEFAULT_TOKEN_TTL_MS (60LL * 60 * 1000)

typedef struct entry {
  char *account_uuid; /* owned */
  char *token;        /* owned, NULL until minted; wiped on free; never logged */
  int64_t expires_ms; /* client wall clock ms */
  int64_t refresh_ms; /* re-mint from this time on */
  int minting;        /* 1 while one caller holds the mint */
  struct entry *next;
} entry;

struct light__token_cache {
  pthread_mutex_t mu; /* guards entries and generation */
  entry *entries;
  uint64_t generation;
  long margin_s;
  light__token_notify_cb notify;
  void *notify_ud;
};

light__token_cache *light__token_cache_new(long refresh_margin_s) {
  light__token_cache *tc = calloc(1, sizeof *tc);
  if (!tc) return NULL;
  pthread_mutex_init(&tc->mu, NULL);
  tc->margin_s = refresh_margin_s > 0 ? refresh_margin_s : 0;
  return tc;
}

void light__token_cache_free(light__token_cache *tc) {
  if (!tc) return;
  entry *e = tc->entries;
  while (e) {
    entry *n = e->next;
    free(e->account_uuid);
    light__secret_free(e->token);
    free(e);
    e = n;
  }
  pthread_mutex_destroy(&tc->mu);
  free(tc);
}

void light__token_cache_set_notify(light__token_cache *tc, light__token_notify_cb cb, void *ud) {
  if (!tc) return;
  tc->notify = cb;
  tc->notify_ud = ud;
}

/* Under mu. Creates the entry on first use; NULL on OOM. */
static entry *entry_get(light__token_cache *tc, const char *uuid) {
  for (entry *e = tc->entries; e; e = e->next)
    if (strcmp(e->account_uuid, uuid) == 0) return e;
  entry *e = calloc(1, sizeof *e);
  if (!e || !(e->account_uuid = light__strdup(uuid))) {
    free(e);
    return NULL;
  }
  e->next = tc->entries;
  tc->entries = e;
  return e;
}

light__token_state light__token_cache_acquire(light__token_cache *tc, const char *uuid, int64_t now_ms, char **token,
                                              uint64_t *generation) {
  if (token) *token = NULL;
  pthread_mutex_lock(&tc->mu);
  if (generation) *generation = tc->generation;
  entry *e = entry_get(tc, uuid);
  light__token_state st;
  if (!e) {
    st = LIGHT__TOKEN_NOMEM;
  } else if (e->token && now_ms < e->refresh_ms && now_ms < e->expires_ms) {
    char *copy = light__strdup(e->token);
    st = copy ? LIGHT__TOKEN_FRESH : LIGHT__TOKEN_NOMEM;
    if (token)
      *token = copy;
    else
      light__secret_free(copy);
  } else if (e->minting) {
    st = LIGHT__TOKEN_WAIT;
  } else {
    e->minting = 1;
    st = LIGHT__TOKEN_MINT;
  }
  pthread_mutex_unlock(&tc->mu);
  return st;
}

/* Called with mu held; unlocks, then tells the observer. */
static void finish_unlock(light__token_cache *tc) {
  uint64_t g = ++tc->generation;
  light__token_notify_cb cb = tc->notify;
  void *ud = tc->notify_ud;
  pthread_mutex_unlock(&tc->mu);
  if (cb) cb(ud, g);
}

int light__token_cache_store(light__token_cache *tc, const char *uuid, const char *token, int64_t expires_ms,
                             int64_t now_ms) {
  int rc = 0;
  char *copy = light__strdup(token);
  pthread_mutex_lock(&tc->mu);
  entry *e = entry_get(tc, uuid);
  if (e && copy) {
    light__secret_free(e->token);
    e->token = copy;
    e->expires_ms = expires_ms;
    /* Refresh margin before expiry, but never more than half the lifetime:
     * a short-lived token must not be re-minted every call. */
    int64_t margin = (int64_t)tc->margin_s * 1000;
    if (expires_ms - now_ms < 2 * margin) margin = (expires_ms - now_ms) / 2;
    e->refresh_ms = expires_ms - (margin > 0 ? margin : 0);
  } else {
    light__secret_free(copy);
    rc = -1;
  }
  if (e) e->minting = 0;
  finish_unlock(tc);
  return rc;
}

void light__token_cache_release(light__token_cache *tc, const char *uuid) {
  pthread_mutex_lock(&tc->mu);
  entry *e = entry_get(tc, uuid);
  if (e) e->minting = 0;
  finish_unlock(tc);
}

void light__token_cache_invalidate(light__token_cache *tc, const char *uuid, const char *used) {
  pthread_mutex_lock(&tc->mu);
  entry *e = entry_get(tc, uuid);
  if (e && e->token && used && strcmp(e->token, used) == 0) {
    light__secret_free(e->token);
    e->token = NULL;
  }
  pthread_mutex_unlock(&tc->mu);
}

uint64_t light__token_cache_generation(light__token_cache *tc) {
  pthread_mutex_lock(&tc->mu);
  uint64_t g = tc->generation;
  pthread_mutex_unlock(&tc->mu);
  return g;
}

int light__token_cache_minting(light__token_cache *tc, const char *uuid) {
  int m = 0;
  pthread_mutex_lock(&tc->mu);
  for (entry *e = tc->entries; e; e = e->next)
    if (strcmp(e->account_uuid, uuid) == 0) m = e->minting;
  pthread_mutex_unlock(&tc->mu);
  return m;
}

char *light__token_cache_peek(light__token_cache *tc, const char *uuid) {
  char *r = NULL;
  pthread_mutex_lock(&tc->mu);
  for (entry *e = tc->entries; e; e = e->next) {
    if (uuid && strcmp(e->account_uuid, uuid) != 0) continue;
    if (e->token) r = light__strdup(e->token);
    break;
  }
  pthread_mutex_unlock(&tc->mu);
  return r;
}

/* ---- mint answers ------------------------------------------------------ */

static int take_digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i])) return -1;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return 0;
}

int64_t light__token_parse_iso8601_ms(const char *s) {
  int Y, M, D, h, m, sec, oh = 0, om = 0;
  const char *p = s;
  if (!s) return -1;
  if (take_digits(&p, 4, &Y) || *p++ != '-' || take_digits(&p, 2, &M) || *p++ != '-' || take_digits(&p, 2, &D))
    return -1;
  if (*p != 'T' && *p != 't' && *p != ' ') return -1;
  p++;
  if (take_digits(&p, 2, &h) || *p++ != ':' || take_digits(&p, 2, &m) || *p++ != ':' || take_digits(&p, 2, &sec))
    return -1;
  int64_t ms = 0;
  if (*p == '.' || *p == ',') {
    p++;
    int scale = 100, any = 0;
    while (isdigit((unsigned char)*p)) {
      ms += (*p - '0') * scale;
      scale /= 10;
      p++;
      any = 1;
    }
    if (!any) return -1;
  }
  int sign = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    sign = *p == '+' ? 1 : -1;
    p++;
    if (take_digits(&p, 2, &oh)) return -1;
    if (*p == ':') p++;
    if (take_digits(&p, 2, &om)) return -1;
  }
  if (*p) return -1;
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return -1;
  int64_t t = light__days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sec;
  t -= sign * (oh * 3600 + om * 60);
  return t * 1000 + ms;
}

int light__token_parse_mint(const cJSON *j, int64_t now_ms, char **token, int64_t *expires_ms) {
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");
  if (!cJSON_IsString(t) || !t->valuestring || !t->valuestring[0])
    t = cJSON_GetObjectItemCaseSensitive(j, "account_token");
  if (!cJSON_IsString(t) || !t->valuestring || !t->valuestring[0]) return -1;
  for (const unsigned char *p = (const unsigned char *)t->valuestring; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f) return -1; /* would not be a safe header value */
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "expires_at");
  int64_t exp = -1;
  if (cJSON_IsString(e) && e->valuestring) {
    exp = light__token_parse_iso8601_ms(e->valuestring);
  } else if (cJSON_IsNumber(e) && e->valuedouble > 0) {
    exp = e->valuedouble > 1e12 ? (int64_t)e->valuedouble : (int64_t)(e->valuedouble * 1000.0);
  }
  if (exp < 0) exp = now_ms + DEFAULT_TOKEN_TTL_MS;
  *token = light__strdup(t->valuestring);
  if (!*token) return -2;
  *expires_ms = exp;
  return 0;
}
