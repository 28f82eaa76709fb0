/* Sans-I/O HTTP/1.1 response parser (contract in light/http_parser.h).
 * Line-oriented parts (status line, headers, chunk-size lines, trailers) are
 * collected in a bounded line buffer; body bytes are handed out as slices of
 * the caller's input, never copied. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "light/http_parser.h"

#define CHUNK_LINE_MAX 4096 /* a chunk-size line with extensions */

enum state {
  S_STATUS,      /* status line */
  S_HEADER,      /* header lines until the empty one */
  S_BODY_LEN,    /* Content-Length body: remaining bytes */
  S_CHUNK_SIZE,  /* chunk-size line */
  S_CHUNK_DATA,  /* chunk data: remaining bytes */
  S_CHUNK_CRLF,  /* the CRLF after chunk data */
  S_TRAILER,     /* trailer lines after the last chunk */
  S_UNTIL_CLOSE, /* body delimited by the connection close */
  S_DONE,
  S_ERROR
};

struct light_http_parser {
  light_http_limits lim;
  enum state state;
  char *line; /* current line (owned) */
  size_t line_len, line_cap;
  size_t header_bytes; /* header-ish bytes consumed so far (all interim responses included) */
  char *hdrs;          /* normalised header block of the current response (owned) */
  size_t hdrs_len, hdrs_cap;
  int status;
  int have_headers; /* the final response's header block is complete */
  int minor;        /* HTTP/1.<minor> */
  int conn_close, conn_keep_alive;
  int te_seen, chunked;
  int cl_seen;
  unsigned long long cl;
  unsigned long long remaining;
  size_t body_bytes;
  int keep_alive;
  int fail; /* light_transport_failure, 0 = none */
  char msg[192];
};

static light_http_event fail(light_http_parser *p, int failure, const char *fmt, unsigned long long a,
                             unsigned long long b) {
  p->state = S_ERROR;
  p->fail = failure;
  p->keep_alive = 0;
  snprintf(p->msg, sizeof p->msg, fmt, a, b);
  return LIGHT_HTTP_ERROR;
}

static int grow(char **buf, size_t *cap, size_t need) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 256;
  while (n < need) n *= 2;
  char *q = realloc(*buf, n);
  if (!q) return -1;
  *buf = q;
  *cap = n;
  return 0;
}

light_http_parser *light_http_parser_new(const light_http_limits *limits) {
  light_http_parser *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  if (limits) p->lim = *limits;
  if (!p->lim.max_header_bytes) p->lim.max_header_bytes = LIGHT_HTTP_DEFAULT_MAX_HEADER_BYTES;
  p->state = S_STATUS;
  return p;
}

void light_http_parser_reset(light_http_parser *p, const light_http_limits *limits) {
  if (!p) return;
  char *line = p->line, *hdrs = p->hdrs;
  size_t line_cap = p->line_cap, hdrs_cap = p->hdrs_cap;
  memset(p, 0, sizeof *p);
  p->line = line;
  p->line_cap = line_cap;
  p->hdrs = hdrs;
  p->hdrs_cap = hdrs_cap;
  if (limits) p->lim = *limits;
  if (!p->lim.max_header_bytes) p->lim.max_header_bytes = LIGHT_HTTP_DEFAULT_MAX_HEADER_BYTES;
  p->state = S_STATUS;
}

void light_http_parser_free(light_http_parser *p) {
  if (!p) return;
  free(p->line);
  free(p->hdrs);
  free(p);
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int ieq(const char *a, size_t an, const char *b) {
  size_t bn = strlen(b);
  if (an != bn) return 0;
  for (size_t i = 0; i < an; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

static int is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_ows(char c) { return c == ' ' || c == '\t'; }

/* Each comma-separated token of a header value, trimmed; calls fn(p, tok, n, last). */
static void each_token(light_http_parser *p, const char *v, size_t n,
                       void (*fn)(light_http_parser *, const char *, size_t, int)) {
  size_t i = 0;
  while (i <= n) {
    size_t s = i;
    while (i < n && v[i] != ',') i++;
    size_t e = i;
    while (s < e && is_ows(v[s])) s++;
    while (e > s && is_ows(v[e - 1])) e--;
    if (e > s) fn(p, v + s, e - s, i >= n);
    i++;
  }
}

static void connection_token(light_http_parser *p, const char *t, size_t n, int last) {
  (void)last;
  if (ieq(t, n, "close"))
    p->conn_close = 1;
  else if (ieq(t, n, "keep-alive"))
    p->conn_keep_alive = 1;
}

static void te_token(light_http_parser *p, const char *t, size_t n, int last) {
  /* Only a final "chunked" delimits the body; anything else reads until close. */
  p->chunked = last && ieq(t, n, "chunked");
}

static light_http_event status_line(light_http_parser *p, const char *l, size_t n) {
  /* HTTP/1.x SP 3DIGIT [SP reason] */
  if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
    return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: not an HTTP/1.x status line", 0, 0);
  for (int i = 9; i < 12; i++)
    if (l[i] < '0' || l[i] > '9') return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: bad status code", 0, 0);
  if (n > 12 && l[12] != ' ') return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: bad status code", 0, 0);
  for (size_t i = 12; i < n; i++) {
    unsigned char c = (unsigned char)l[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: control character in the status line", 0, 0);
  }
  int status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
  if (status < 100 || status > 599)
    return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: status %llu out of range", (unsigned long long)status, 0);
  p->status = status;
  p->minor = l[7] - '0';
  p->hdrs_len = 0;
  p->conn_close = p->conn_keep_alive = p->te_seen = p->chunked = p->cl_seen = 0;
  p->cl = 0;
  p->state = S_HEADER;
  return LIGHT_HTTP_NEED_MORE;
}

static light_http_event header_line(light_http_parser *p, const char *l, size_t n) {
  if (is_ows(l[0])) return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: obsolete header line folding", 0, 0);
  size_t c = 0;
  while (c < n && is_tchar((unsigned char)l[c])) c++;
  if (c == 0 || c >= n || l[c] != ':')
    return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: bad header line", 0, 0);
  size_t vs = c + 1, ve = n;
  while (vs < ve && is_ows(l[vs])) vs++;
  while (ve > vs && is_ows(l[ve - 1])) ve--;
  for (size_t i = vs; i < ve; i++) {
    unsigned char ch = (unsigned char)l[i];
    if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
      return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: control character in a header value", 0, 0);
  }
  const char *v = l + vs;
  size_t vn = ve - vs;
  if (ieq(l, c, "content-length")) {
    unsigned long long x = 0;
    if (vn == 0) return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: empty Content-Length", 0, 0);
    for (size_t i = 0; i < vn; i++) {
      if (v[i] < '0' || v[i] > '9' || x > (UINT64_MAX - 9) / 10)
        return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: bad Content-Length", 0, 0);
      x = x * 10 + (unsigned long long)(v[i] - '0');
    }
    if (p->cl_seen && p->cl != x)
      return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: conflicting Content-Length headers", 0, 0);
    p->cl_seen = 1;
    p->cl = x;
  } else if (ieq(l, c, "transfer-encoding")) {
    p->te_seen = 1;
    each_token(p, v, vn, te_token);
  } else if (ieq(l, c, "connection")) {
    each_token(p, v, vn, connection_token);
  }
  /* "Name: value\r\n" */
  if (grow(&p->hdrs, &p->hdrs_cap, p->hdrs_len + c + vn + 5) != 0)
    return fail(p, LIGHT_FAIL_OTHER, "out of memory", 0, 0);
  memcpy(p->hdrs + p->hdrs_len, l, c);
  p->hdrs_len += c;
  memcpy(p->hdrs + p->hdrs_len, ": ", 2);
  p->hdrs_len += 2;
  memcpy(p->hdrs + p->hdrs_len, v, vn);
  p->hdrs_len += vn;
  memcpy(p->hdrs + p->hdrs_len, "\r\n", 2);
  p->hdrs_len += 2;
  p->hdrs[p->hdrs_len] = '\0';
  return LIGHT_HTTP_NEED_MORE;
}

static void done(light_http_parser *p, int close_delimited) {
  p->state = S_DONE;
  if (close_delimited || (p->te_seen && p->cl_seen))
    p->keep_alive = 0;
  else if (p->minor >= 1)
    p->keep_alive = !p->conn_close;
  else
    p->keep_alive = p->conn_keep_alive && !p->conn_close;
}

/* The empty line after the headers. */
static light_http_event headers_end(light_http_parser *p) {
  if (p->status < 200) {
    if (p->status == 101) return fail(p, LIGHT_FAIL_RECV, "unexpected 101 Switching Protocols", 0, 0);
    p->state = S_STATUS; /* interim response: the final one follows */
    p->status = 0;
    p->hdrs_len = 0;
    return LIGHT_HTTP_NEED_MORE;
  }
  p->have_headers = 1;
  if (p->lim.head_request || p->status == 204 || p->status == 304) {
    done(p, 0);
  } else if (p->te_seen) {
    p->state = p->chunked ? S_CHUNK_SIZE : S_UNTIL_CLOSE;
  } else if (p->cl_seen) {
    if (p->lim.max_body_bytes && p->cl > p->lim.max_body_bytes)
      return fail(p, LIGHT_FAIL_TOO_LARGE, "response body of %llu bytes over the %llu-byte cap", p->cl,
                  (unsigned long long)p->lim.max_body_bytes);
    p->remaining = p->cl;
    if (p->cl == 0)
      done(p, 0);
    else
      p->state = S_BODY_LEN;
  } else {
    p->state = S_UNTIL_CLOSE;
  }
  return LIGHT_HTTP_HEADERS;
}

static light_http_event chunk_size_line(light_http_parser *p, const char *l, size_t n) {
  size_t i = 0;
  unsigned long long x = 0;
  while (i < n) {
    char ch = l[i];
    int d = ch >= '0' && ch <= '9'                                               ? ch - '0'
            : lower((unsigned char)ch) >= 'a' && lower((unsigned char)ch) <= 'f' ? lower((unsigned char)ch) - 'a' + 10
                                                                                 : -1;
    if (d < 0) break;
    if (x >> 56) return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: chunk size too large", 0, 0);
    x = x * 16 + (unsigned long long)d;
    i++;
  }
  if (i == 0) return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: bad chunk size line", 0, 0);
  while (i < n && is_ows(l[i])) i++;
  if (i < n && l[i] != ';') return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: bad chunk size line", 0, 0);
  if (x == 0) {
    p->state = S_TRAILER;
  } else {
    p->remaining = x;
    p->state = S_CHUNK_DATA;
  }
  return LIGHT_HTTP_NEED_MORE;
}

static light_http_event line_done(light_http_parser *p) {
  size_t n = p->line_len;
  char *l = p->line;
  /* strip LF and an optional CR before it */
  n--;
  if (n > 0 && l[n - 1] == '\r') n--;
  for (size_t i = 0; i < n; i++)
    if (l[i] == '\r' || l[i] == '\0')
      return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: stray CR or NUL in a line", 0, 0);
  p->line_len = 0;
  switch (p->state) {
  case S_STATUS:
    if (n == 0 && p->header_bytes <= 2) return LIGHT_HTTP_NEED_MORE; /* tolerated leading empty line */
    return status_line(p, l, n);
  case S_HEADER: return n == 0 ? headers_end(p) : header_line(p, l, n);
  case S_CHUNK_SIZE: return chunk_size_line(p, l, n);
  case S_CHUNK_CRLF:
    if (n != 0) return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: chunk data longer than its size", 0, 0);
    p->state = S_CHUNK_SIZE;
    return LIGHT_HTTP_NEED_MORE;
  case S_TRAILER:
    if (n == 0) {
      done(p, 0);
      return LIGHT_HTTP_DONE;
    }
    if (!memchr(l, ':', n)) return fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: bad trailer line", 0, 0);
    return LIGHT_HTTP_NEED_MORE;
  default: return LIGHT_HTTP_NEED_MORE;
  }
}

static int headerish(enum state s) { return s == S_STATUS || s == S_HEADER || s == S_TRAILER; }

light_http_event light_http_parser_feed(light_http_parser *p, const char *data, size_t len, size_t *consumed,
                                        const char **chunk, size_t *chunk_len) {
  size_t i = 0;
  light_http_event ev = LIGHT_HTTP_NEED_MORE;
  if (chunk) *chunk = NULL;
  if (chunk_len) *chunk_len = 0;
  if (!p) {
    if (consumed) *consumed = 0;
    return LIGHT_HTTP_ERROR;
  }
  if (!data) len = 0;
  for (;;) {
    if (p->state == S_DONE) {
      ev = LIGHT_HTTP_DONE;
      break;
    }
    if (p->state == S_ERROR) {
      ev = LIGHT_HTTP_ERROR;
      break;
    }
    if (i >= len) break;
    if (p->state == S_BODY_LEN || p->state == S_CHUNK_DATA || p->state == S_UNTIL_CLOSE) {
      size_t n = len - i;
      if (p->state != S_UNTIL_CLOSE && (unsigned long long)n > p->remaining) n = (size_t)p->remaining;
      if (p->lim.max_body_bytes && n > p->lim.max_body_bytes - p->body_bytes) {
        ev = fail(p, LIGHT_FAIL_TOO_LARGE, "response body over the %llu-byte cap",
                  (unsigned long long)p->lim.max_body_bytes, 0);
        break;
      }
      if (chunk) *chunk = data + i;
      if (chunk_len) *chunk_len = n;
      i += n;
      p->body_bytes += n;
      if (p->state != S_UNTIL_CLOSE) {
        p->remaining -= n;
        if (p->remaining == 0) {
          if (p->state == S_BODY_LEN)
            done(p, 0);
          else
            p->state = S_CHUNK_CRLF;
        }
      }
      ev = LIGHT_HTTP_BODY;
      break;
    }
    /* a line */
    const char *start = data + i;
    const char *nl = memchr(start, '\n', len - i);
    size_t take = nl ? (size_t)(nl - start) + 1 : len - i;
    if (headerish(p->state)) {
      if (take > p->lim.max_header_bytes - p->header_bytes) {
        ev =
            fail(p, LIGHT_FAIL_RECV, "response header over %llu bytes", (unsigned long long)p->lim.max_header_bytes, 0);
        break;
      }
      p->header_bytes += take;
    } else if (p->line_len + take > CHUNK_LINE_MAX) {
      ev = fail(p, LIGHT_FAIL_RECV, "malformed HTTP response: chunk size line over %llu bytes",
                (unsigned long long)CHUNK_LINE_MAX, 0);
      break;
    }
    if (grow(&p->line, &p->line_cap, p->line_len + take + 1) != 0) {
      ev = fail(p, LIGHT_FAIL_OTHER, "out of memory", 0, 0);
      break;
    }
    memcpy(p->line + p->line_len, start, take);
    p->line_len += take;
    i += take;
    if (!nl) break;
    ev = line_done(p);
    if (ev != LIGHT_HTTP_NEED_MORE) break;
  }
  if (consumed) *consumed = i;
  return ev;
}

light_http_event light_http_parser_eof(light_http_parser *p) {
  if (!p) return LIGHT_HTTP_ERROR;
  switch (p->state) {
  case S_DONE: return LIGHT_HTTP_DONE;
  case S_ERROR: return LIGHT_HTTP_ERROR;
  case S_UNTIL_CLOSE: done(p, 1); return LIGHT_HTTP_DONE;
  case S_STATUS:
    if (p->header_bytes == 0) return fail(p, LIGHT_FAIL_RECV, "empty reply from server", 0, 0);
    /* fall through */
  case S_HEADER: return fail(p, LIGHT_FAIL_RECV, "connection closed before the response header was complete", 0, 0);
  case S_BODY_LEN:
    return fail(p, LIGHT_FAIL_RECV, "connection closed mid-body (%llu of %llu bytes)",
                (unsigned long long)p->body_bytes, p->cl);
  default: return fail(p, LIGHT_FAIL_RECV, "connection closed inside a chunked body", 0, 0);
  }
}

int light_http_parser_status(const light_http_parser *p) { return p && p->have_headers ? p->status : 0; }

const char *light_http_parser_headers(const light_http_parser *p, size_t *len) {
  if (!p || !p->hdrs || !p->have_headers) {
    if (len) *len = 0;
    return "";
  }
  if (len) *len = p->hdrs_len;
  return p->hdrs;
}

int light_http_parser_keep_alive(const light_http_parser *p) { return p && p->state == S_DONE ? p->keep_alive : 0; }

size_t light_http_parser_body_bytes(const light_http_parser *p) { return p ? p->body_bytes : 0; }

int light_http_parser_error(const light_http_parser *p, const char **message) {
  if (!p || p->state != S_ERROR) {
    if (message) *message = NULL;
    return 0;
  }
  if (message) *message = p->msg;
  return p->fail;
}
