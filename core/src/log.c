/* The debug log (LIGHT_LOG=debug|info|error, or light_client_options.log_*):
 * one line per attempt with method, path, status, duration and retries.
 * Never prints a token, a body or query values: the Authorization header is
 * redacted, query strings are reduced to their keys, bodies are not logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "internal.h"

static void emit(const light_client *c, light_log_level level, const char *line) {
  const light__options *sh = c->opt;
  if (sh->log_cb)
    sh->log_cb(sh->log_ud, level, line);
  else
    fprintf(stderr, "%s\n", line);
}

/* Path of an absolute URL with query values dropped: "/v1/x?year=&month=". */
static void append_redacted_target(light__buf *b, const char *url) {
  const char *p = strstr(url, "://");
  p = p ? strchr(p + 3, '/') : url;
  if (!p) {
    light__buf_appends(b, "/");
    return;
  }
  const char *q = strchr(p, '?');
  if (!q) {
    light__buf_appends(b, p);
    return;
  }
  light__buf_append(b, p, (size_t)(q - p));
  light__buf_appends(b, "?");
  for (const char *k = q + 1; *k;) {
    const char *amp = strchr(k, '&');
    const char *end = amp ? amp : k + strlen(k);
    const char *eq = memchr(k, '=', (size_t)(end - k));
    light__buf_append(b, k, (size_t)((eq ? eq : end) - k));
    light__buf_appends(b, amp ? "=&" : "=");
    k = amp ? amp + 1 : end;
  }
}

static const char *failure_name(int f) {
  switch (f) {
  case LIGHT_FAIL_CONNECT: return "connect-failed";
  case LIGHT_FAIL_CONNECT_TIMEOUT: return "connect-timeout";
  case LIGHT_FAIL_TLS_VERIFY: return "tls-verify-failed";
  case LIGHT_FAIL_TIMEOUT: return "timeout";
  case LIGHT_FAIL_SEND: return "send-failed";
  case LIGHT_FAIL_RECV: return "recv-failed";
  case LIGHT_FAIL_TOO_LARGE: return "too-large";
  case LIGHT_FAIL_CANCELLED: return "cancelled";
  default: return "transport-failed";
  }
}

void light__log_attempt(const light_client *c, const char *method, const char *url, int status, int failure,
                        const char *detail, int64_t duration_ms, int retries, int is_token_mint) {
  if (!c) return;
  const light__options *sh = c->opt;
  int failed = status == 0 || status >= 400;
  light_log_level level = failed ? LIGHT_LOG_ERROR : LIGHT_LOG_INFO;
  if (sh->log_level < level) return;
  light__buf b = {0};
  light__buf_appendf(&b, "light: %s ", method ? method : "?");
  append_redacted_target(&b, url ? url : "");
  if (status)
    light__buf_appendf(&b, " -> %d", status);
  else
    light__buf_appendf(&b, " -> %s", failure_name(failure));
  light__buf_appendf(&b, " in %lld ms, retries %d%s", (long long)duration_ms, retries,
                     is_token_mint ? " (account token mint)" : "");
  /* curl's error text names host and port only; still, keep it short. */
  if (detail && *detail && sh->log_level >= LIGHT_LOG_DEBUG) light__buf_appendf(&b, " (%.200s)", detail);
  if (b.data) emit(c, level, b.data);
  light__buf_free(&b);
}

void light__log_headers(const light_client *c, const char *const *headers, size_t n) {
  if (!c || c->opt->log_level < LIGHT_LOG_DEBUG) return;
  for (size_t i = 0; i < n; i++) {
    light__buf b = {0};
    if (strncasecmp(headers[i], "Authorization:", 14) == 0)
      light__buf_appends(&b, "light: > Authorization: Bearer [redacted]");
    else
      light__buf_appendf(&b, "light: > %s", headers[i]);
    if (b.data) emit(c, LIGHT_LOG_DEBUG, b.data);
    light__buf_free(&b);
  }
}
