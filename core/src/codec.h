/* Internal (light__) sans-I/O codec shared by the exchange state machine and
 * the transports. No I/O, no globals. Implemented in codec.c (buffers, path,
 * query, multipart, headers, classification) and retry.c (retry policy). */
#ifndef LIGHT_CODEC_H
#define LIGHT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "light/client.h"
#include "light/error.h"
#include "light/exchange.h"
#include "light/json.h"

/* Growable byte buffer; data is always NUL-terminated when non-NULL. Owner frees with light__buf_free.
 * wipe = 1 marks a buffer that may hold a secret (Authorization value, request
 * body, token mint response): growth copies and wipes instead of realloc, and
 * free/light__buf_wipe overwrite the whole allocation first (secret.c). */
typedef struct light__buf {
  char *data;
  size_t len;
  size_t cap;
  int wipe;
} light__buf;

int light__buf_append(light__buf *b, const void *p, size_t n); /* 0 ok, -1 nomem */
int light__buf_appends(light__buf *b, const char *s);
int light__buf_appendf(light__buf *b, const char *fmt, ...);
void light__buf_reset(light__buf *b); /* len = 0, keeps memory */
void light__buf_free(light__buf *b);  /* wipes first when b->wipe */
void light__buf_wipe(light__buf *b);  /* overwrite the whole allocation, len = 0, keeps memory */

/* ---- secrets (secret.c) ---------------------------------------------------
 * App and account tokens, Authorization header lines, request bodies (an SSN
 * travels in credit_check) and token mint responses are overwritten with
 * OPENSSL_cleanse before their memory is released. */

/* OPENSSL_cleanse n bytes at p (NULL or n == 0: no-op). */
void light__secret_wipe(void *p, size_t n);
/* Wipe a NUL-terminated secret (strlen bytes), then free it. NULL is a no-op. */
void light__secret_free(char *p);
/* Test seam: light__secret_wipe calls it with the buffer right before
 * (wiped = 0) and right after (wiped = 1) the cleanse. The library's
 * definition is an empty weak function; tests/core/test_secrets.c links a
 * strong one to prove every secret is seen and left all-zero. */
void light__secret_probe(const void *p, size_t n, int wiped);

/* Fill err (clearing it first). message is formatted; returns code. Safe with err == NULL. */
light_status light__error_set(light_error *err, light_status code, light_error_kind kind, const char *fmt, ...);
/* Duplicate a string (NULL-safe). */
char *light__strdup(const char *s);
/* A malloc'd copy of @p n bytes of @p p with a NUL after them (NUL inside kept); NULL when out of memory. */
char *light__memdup0(const void *p, size_t n);

/* Expand an operation path template, percent-encoding each parameter: only
 * RFC 3986 unreserved bytes (A-Z a-z 0-9 - . _ ~) pass through, everything
 * else (incl. '/', '%', '?', '#', space, bytes >= 0x80) becomes %XX. Empty
 * params and the dot segments "." and ".." are refused
 * (LIGHT_E_INVALID_ARGUMENT), as is a wrong parameter count. Appends to out. */
light_status light__codec_path(const char *tmpl, const char *const *params, size_t n_params, light__buf *out,
                               light_error *err);

/* Append "?k=v&k2=v2" for an object of scalars (string, number, bool; null
 * skipped), form-encoding keys and values (space as %20). Integral numbers
 * print without a decimal point. Nested objects/arrays are refused. Nothing
 * is appended for NULL or an empty object. */
light_status light__codec_query(const cJSON *query, light__buf *out, light_error *err);

/* Build a multipart/form-data body with one file part. boundary must be
 * 1..70 chars of [0-9A-Za-z'()+_,-./:=?]; filename/content_type with CR, LF
 * or '"' are refused. */
light_status light__codec_multipart(const light_file *file, const char *boundary, light__buf *out, light_error *err);

/* 1 when a header value is safe to send (no CR, LF or NUL in the first len bytes). */
int light__codec_header_safe(const char *value);

/* "light-sdk/<ver> <runtime>" or "light-sdk/<ver> c/<curl version>" when runtime is NULL. */
light_status light__codec_user_agent(const char *runtime, light__buf *out);

/* Error kind for a non-2xx HTTP status (400→BAD_REQUEST ... >=500→INTERNAL_SERVER, other→API). */
light_error_kind light__codec_kind_for_status(int status);

/* Value of the first header named `name` (case-insensitive) in a raw block
 * ("Name: value\r\n" lines; status lines skipped), trimmed; malloc'd, or NULL. */
char *light__codec_header_get(const char *headers, size_t len, const char *name);

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm); the one calendar routine (HTTP dates here, ISO-8601 token
 * expiry in token_cache.c). */
int64_t light__days_from_civil(int64_t y, unsigned m, unsigned d);

/* Retry-After value (delta seconds, or an IMF-fixdate HTTP date relative to
 * now_ms) in seconds; -1 when absent or unparseable. */
double light__codec_retry_after(const char *value, int64_t now_ms);

/* Message of an error body: JSON "detail" (string; or a list of {msg} →
 * first msg; or an object with message), else "error" (string or object with
 * message), else "message"; NULL when none. malloc'd, capped at 1024 bytes. */
char *light__codec_error_message(const char *body, size_t len);

/* Fill err for a non-2xx response: kind from status, message from body (or
 * "HTTP <status>"), request id (X-Request-Id / Request-Id / X-Light-Request-Id),
 * raw body and headers copied, retry_after parsed. Returns LIGHT_E_API. */
light_status light__codec_api_error(light_error *err, int status, const char *headers, size_t headers_len,
                                    const char *body, size_t body_len, int retries, int64_t now_ms);

/* Parse a 2xx body into a cJSON tree (light_json_to_cjson): empty → *out =
 * NULL, LIGHT_OK; valid JSON → *out; otherwise LIGHT_E_DECODE, or
 * LIGHT_E_TOO_LARGE past LIGHT_JSON_MAX_VALUES (err says why, body kept). */
light_status light__codec_parse_json(const char *body, size_t len, cJSON **out, light_error *err);

/* light_json_to_cjson with a summary; NULL on failure (res says why). */
cJSON *light__json_to_cjson_ex(const char *text, size_t len, light_json_member *summary, size_t n_summary,
                               light_json_result *res);

/* Validate a 2xx body without building anything (same rules and errors as
 * light__codec_parse_json), summarising the top-level members named in
 * summary[] (light/json.h). An empty body is LIGHT_OK with every member absent. */
light_status light__codec_check_json(const char *body, size_t len, light_json_member *summary, size_t n_summary,
                                     light_error *err);

/* Retry policy — the only place that decides. */
typedef struct light__retry_policy {
  int max_retries;          /* retries after the first attempt */
  double base_s;            /* first backoff */
  double max_s;             /* backoff cap */
  double retry_after_cap_s; /* a longer Retry-After is not honoured (no retry) */
} light__retry_policy;

/* Decide whether attempt number `retries_done`+1 may follow.
 * - http_status: the response status, or 0 when the attempt failed in transport with `failure`.
 * - idempotent: the operation may be repeated after reaching the server (GET/PUT/PATCH/DELETE, or table flag).
 * Rules: never past max_retries; never on LIGHT_FAIL_TLS_VERIFY, TOO_LARGE, CANCELLED;
 * LIGHT_FAIL_CONNECT and 429 retry for every method (never reached / refused unprocessed);
 * timeouts, SEND/RECV failures, 408, 409, >= 500 retry only when idempotent; other statuses never.
 * Delay: Retry-After when given (>= 0 and <= cap; over the cap → no retry), else
 * min(max_s, base_s * 2^retries_done) * (0.5 + jitter01 / 2).
 * Returns the delay in ms (>= 0) or -1 for "do not retry". */
long light__retry_delay(const light__retry_policy *p, int retries_done, int idempotent, int http_status, int failure,
                        double retry_after_s, double jitter01);

#endif
