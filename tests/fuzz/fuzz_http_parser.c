/* Fuzz target: the sans-I/O HTTP/1.1 response parser (core/src/http_parser.c).
 * Input: one flags byte, then the bytes the "server" sends. Flags: bit 0 =
 * HEAD request; bit 1 = peer closes after the input; bits 2-3 = body cap
 * (none, 0 bytes... 16, 4096); bits 4-7 = split step (0 = whole input).
 * Properties: never a crash, leak, hang or out-of-bounds read; consumed never
 * exceeds the input; body slices lie inside the input and add up to
 * body_bytes, which stays within the cap; DONE and ERROR are sticky; an
 * error has a class (RECV, TOO_LARGE) and a message; the header block is
 * "Name: value\r\n" lines; and the outcome (event, status, keep-alive,
 * failure, and the body when DONE) is the same whole and split — the split
 * run on a parser reused through light_http_parser_reset(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "light/http_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run {
  light_http_event ev;
  int status, keep_alive, failure;
  uint64_t body_hash;
  size_t body_len;
} run;

static run parse(const char *in, size_t len, size_t step, int eof, const light_http_limits *lim) {
  run r = {LIGHT_HTTP_NEED_MORE, 0, 0, 0, 1469598103934665603ull, 0};
  light_http_parser *p;
  if (step) {
    /* the split run reuses a parser that already parsed something: reset must equal new */
    p = light_http_parser_new(NULL);
    if (!p) abort();
    size_t used;
    const char *prev = "HTTP/1.1 200 OK\r\nX-Old: header\r\nContent-Length: 3\r\n\r\nab";
    light_http_parser_feed(p, prev, strlen(prev), &used, NULL, NULL);
    light_http_parser_reset(p, lim);
  } else {
    p = light_http_parser_new(lim);
    if (!p) abort();
  }
  size_t off = 0;
  int finished = 0;
  light_http_event ev = LIGHT_HTTP_NEED_MORE;
  while (off < len && !finished) {
    size_t n = step && step < len - off ? step : len - off;
    const char *q = in + off;
    size_t left = n;
    off += n;
    int guard = 0;
    do {
      size_t used = 0, clen = 0;
      const char *chunk = NULL;
      ev = light_http_parser_feed(p, q, left, &used, &chunk, &clen);
      if (used > left) abort();
      if (ev == LIGHT_HTTP_BODY) {
        if (!chunk || chunk < q || chunk + clen > q + used) abort();
        for (size_t i = 0; i < clen; i++) r.body_hash = (r.body_hash ^ (unsigned char)chunk[i]) * 1099511628211ull;
        r.body_len += clen;
      } else if (clen || chunk) {
        abort();
      }
      q += used;
      left -= used;
      /* progress: every non-terminal event consumes input or is followed by one that does */
      if (used == 0 && (ev == LIGHT_HTTP_BODY)) abort();
      if (++guard > 1000000) abort();
    } while (ev == LIGHT_HTTP_HEADERS || ev == LIGHT_HTTP_BODY);
    if (ev == LIGHT_HTTP_NEED_MORE && left != 0) abort();
    if (ev == LIGHT_HTTP_DONE || ev == LIGHT_HTTP_ERROR) finished = 1;
  }
  if (!finished && eof) ev = light_http_parser_eof(p);
  if (ev == LIGHT_HTTP_DONE || ev == LIGHT_HTTP_ERROR) {
    size_t used = 1;
    if (light_http_parser_feed(p, "x", 1, &used, NULL, NULL) != ev || used != 0) abort();
    if (light_http_parser_eof(p) != ev) abort();
  }
  r.ev = ev;
  r.status = light_http_parser_status(p);
  r.keep_alive = light_http_parser_keep_alive(p);
  const char *msg = NULL;
  r.failure = light_http_parser_error(p, &msg);
  if (ev == LIGHT_HTTP_ERROR) {
    if (r.failure != LIGHT_FAIL_RECV && r.failure != LIGHT_FAIL_TOO_LARGE) abort();
    if (!msg || !*msg || r.keep_alive) abort();
  } else if (r.failure || msg) {
    abort();
  }
  if (light_http_parser_body_bytes(p) != r.body_len) abort();
  if (lim->max_body_bytes && r.body_len > lim->max_body_bytes) abort();
  if (r.status && (r.status < 200 || r.status > 599)) abort();
  size_t hl = 0;
  const char *h = light_http_parser_headers(p, &hl);
  if (!h || (hl && (hl < 4 || h[hl - 1] != '\n' || h[hl - 2] != '\r'))) abort();
  for (size_t i = 0; i < hl; i++)
    if (h[i] == '\n' && (i == 0 || h[i - 1] != '\r')) abort();
  light_http_parser_free(p);
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const size_t caps[] = {0, 1, 16, 4096};
  light_http_limits lim = {data[0] & 1, 0, caps[(data[0] >> 2) & 3]};
  int eof = (data[0] >> 1) & 1;
  size_t step = (size_t)(data[0] >> 4);
  const char *in = (const char *)data + 1;
  size_t len = size - 1;
  /* exact-size copy: reads past the end are caught by ASan */
  char *buf = malloc(len ? len : 1);
  if (!buf) abort();
  memcpy(buf, in, len);
  run whole = parse(buf, len, 0, eof, &lim);
  if (step) {
    run split = parse(buf, len, step, eof, &lim);
    if (split.ev != whole.ev || split.status != whole.status || split.keep_alive != whole.keep_alive ||
        split.failure != whole.failure)
      abort();
    if (whole.ev == LIGHT_HTTP_DONE && (split.body_len != whole.body_len || split.body_hash != whole.body_hash))
      abort();
  }
  free(buf);
  return 0;
}
