/* The sans-I/O HTTP/1.1 response parser (core/src/http_parser.c): status
 * line, headers, Content-Length / chunked / close-delimited bodies,
 * keep-alive rules, the caps, and every way a response can be broken. Each
 * message is parsed whole and again split at every byte boundary: the
 * outcome must not depend on how the bytes arrive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "light/http_parser.h"

typedef struct outcome {
  light_http_event ev; /* DONE or ERROR (or NEED_MORE when neither happened) */
  int status;
  int keep_alive;
  int failure;
  char message[200];
  char headers[4096];
  char *body;
  size_t body_len;
  size_t leftover; /* input bytes not consumed after DONE */
  int headers_events;
} outcome;

static void outcome_free(outcome *o) { free(o->body); }

/* Feed msg in pieces of `step` bytes (0 = whole); `eof` = then the peer closes. */
static outcome parse(const char *msg, size_t len, size_t step, int eof, const light_http_limits *lim) {
  outcome o;
  memset(&o, 0, sizeof o);
  light_http_parser *p = light_http_parser_new(lim);
  if (!p) abort();
  light_http_event ev = LIGHT_HTTP_NEED_MORE;
  size_t off = 0;
  int finished = 0;
  while (off < len && !finished) {
    size_t n = step && step < len - off ? step : len - off;
    const char *in = msg + off;
    size_t left = n;
    off += n;
    do {
      size_t used = 0, clen = 0;
      const char *chunk = NULL;
      ev = light_http_parser_feed(p, in, left, &used, &chunk, &clen);
      in += used;
      left -= used;
      if (ev == LIGHT_HTTP_HEADERS) o.headers_events++;
      if (ev == LIGHT_HTTP_BODY) {
        o.body = realloc(o.body, o.body_len + clen + 1);
        memcpy(o.body + o.body_len, chunk, clen);
        o.body_len += clen;
        o.body[o.body_len] = '\0';
      }
    } while (ev == LIGHT_HTTP_HEADERS || ev == LIGHT_HTTP_BODY);
    if (ev == LIGHT_HTTP_DONE || ev == LIGHT_HTTP_ERROR) {
      finished = 1;
      o.leftover = left + (len - off);
    }
  }
  if (!finished && eof) ev = light_http_parser_eof(p);
  o.ev = ev;
  o.status = light_http_parser_status(p);
  o.keep_alive = light_http_parser_keep_alive(p);
  const char *m = NULL;
  o.failure = light_http_parser_error(p, &m);
  if (m) snprintf(o.message, sizeof o.message, "%s", m);
  size_t hl = 0;
  const char *h = light_http_parser_headers(p, &hl);
  if (hl < sizeof o.headers) memcpy(o.headers, h, hl);
  light_http_parser_free(p);
  return o;
}

/* Parsed whole and at every split size: all outcomes equal; returns the whole one. */
static outcome parse_all(const char *msg, int eof, const light_http_limits *lim) {
  size_t len = strlen(msg);
  outcome whole = parse(msg, len, 0, eof, lim);
  for (size_t step = 1; step < len; step++) {
    outcome o = parse(msg, len, step, eof, lim);
    CHECK_INT(o.ev, whole.ev);
    CHECK_INT(o.status, whole.status);
    CHECK_INT(o.keep_alive, whole.keep_alive);
    CHECK_INT(o.failure, whole.failure);
    if (whole.ev != LIGHT_HTTP_ERROR) { /* after an error, how much was read depends on the split */
      CHECK_INT(o.body_len, whole.body_len);
      CHECK_INT(o.leftover, whole.leftover);
      CHECK(o.body_len == 0 || memcmp(o.body, whole.body, o.body_len) == 0);
    }
    CHECK_STR(o.headers, whole.headers);
    outcome_free(&o);
  }
  return whole;
}

static void test_content_length(void) {
  outcome o = parse_all(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
      "X-Request-Id:   req_1  \r\n\r\n{\"ok\":true}",
      0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.status, 200);
  CHECK_INT(o.keep_alive, 1);
  CHECK_INT(o.headers_events, 1);
  CHECK_STR(o.body, "{\"ok\":true}");
  CHECK_STR(o.headers, "Content-Type: application/json\r\nContent-Length: 11\r\nX-Request-Id: req_1\r\n");
  CHECK_INT(o.leftover, 0);
  outcome_free(&o);
}

static void test_keep_alive_rules(void) {
  outcome o = parse_all("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.keep_alive, 0);
  outcome_free(&o);
  o = parse_all("HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\nContent-Length: 2\r\n\r\nok", 0, NULL);
  CHECK_INT(o.keep_alive, 0);
  outcome_free(&o);
  o = parse_all("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.keep_alive, 0);
  outcome_free(&o);
  o = parse_all("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", 0, NULL);
  CHECK_INT(o.keep_alive, 1);
  outcome_free(&o);
  /* close-delimited: done only at EOF, never reusable */
  o = parse_all("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", 1, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.keep_alive, 0);
  CHECK_STR(o.body, "until the end");
  outcome_free(&o);
  o = parse_all("HTTP/1.1 200 OK\r\n\r\nno eof yet", 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_NEED_MORE);
  outcome_free(&o);
  /* Transfer-Encoding and Content-Length together: TE wins, the connection is not reused */
  o = parse_all("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", 0,
                NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_STR(o.body, "ok");
  CHECK_INT(o.keep_alive, 0);
  outcome_free(&o);
}

static void test_chunked(void) {
  outcome o = parse_all(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n1A \r\n, chunked world of bytes!!\r\n0\r\nX-Trailer: t\r\n\r\n",
      0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.keep_alive, 1);
  CHECK_STR(o.body, "hello, chunked world of bytes!!");
  outcome_free(&o);
  /* bare LF line ends are accepted */
  o = parse_all("HTTP/1.1 201 Created\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.status, 201);
  CHECK_STR(o.body, "abc");
  outcome_free(&o);
  /* a non-final chunked coding: read until close */
  o = parse_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw", 1, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_STR(o.body, "raw");
  CHECK_INT(o.keep_alive, 0);
  outcome_free(&o);
}

static void test_no_body(void) {
  light_http_limits head = {1, 0, 0};
  outcome o = parse_all("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", 0, &head);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.body_len, 0);
  CHECK_INT(o.keep_alive, 1);
  outcome_free(&o);
  o = parse_all("HTTP/1.1 204 No Content\r\n\r\n", 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.status, 204);
  outcome_free(&o);
  o = parse_all("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  outcome_free(&o);
  o = parse_all("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.keep_alive, 1);
  outcome_free(&o);
}

static void test_interim_and_pipelined(void) {
  outcome o =
      parse_all("HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.status, 200);
  CHECK_INT(o.headers_events, 1);
  CHECK_STR(o.headers, "Content-Length: 1\r\n");
  outcome_free(&o);
  /* bytes after the response are left to the caller */
  const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1";
  o = parse(two, strlen(two), 0, 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.leftover, 8);
  outcome_free(&o);
  o = parse_all("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_ERROR);
  CHECK_INT(o.failure, LIGHT_FAIL_RECV);
  outcome_free(&o);
}

static void expect_error(const char *msg, int eof, int failure, const char *text) {
  outcome o = parse_all(msg, eof, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_ERROR);
  CHECK_INT(o.failure, failure);
  CHECK_INT(o.keep_alive, 0);
  if (!strstr(o.message, text)) {
    fprintf(stderr, "message \"%s\" lacks \"%s\" (input %.40s)\n", o.message, text, msg);
    CHECK(0);
  }
  outcome_free(&o);
}

static void test_broken_responses(void) {
  expect_error("garbage\r\n\r\n", 0, LIGHT_FAIL_RECV, "not an HTTP/1.x status line");
  expect_error("SSH-2.0-OpenSSH_9.2\r\n", 0, LIGHT_FAIL_RECV, "not an HTTP/1.x status line");
  expect_error("HTTP/2 200\r\n\r\n", 0, LIGHT_FAIL_RECV, "not an HTTP/1.x status line");
  expect_error("HTTP/1.1 2x0 OK\r\n\r\n", 0, LIGHT_FAIL_RECV, "bad status code");
  expect_error("HTTP/1.1 099 Low\r\n\r\n", 0, LIGHT_FAIL_RECV, "out of range");
  expect_error("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", 0, LIGHT_FAIL_RECV, "bad header line");
  expect_error("HTTP/1.1 200 OK\r\nName : v\r\n\r\n", 0, LIGHT_FAIL_RECV, "bad header line");
  expect_error("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", 0, LIGHT_FAIL_RECV, "folding");
  expect_error("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", 0, LIGHT_FAIL_RECV, "stray CR");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", 0, LIGHT_FAIL_RECV, "bad Content-Length");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0, LIGHT_FAIL_RECV,
               "bad Content-Length");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", 0, LIGHT_FAIL_RECV,
               "conflicting Content-Length");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, LIGHT_FAIL_RECV, "bad chunk size");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 0, LIGHT_FAIL_RECV,
               "longer than its size");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n", 0, LIGHT_FAIL_RECV,
               "chunk size too large");
  /* closes at every stage */
  expect_error("", 1, LIGHT_FAIL_RECV, "empty reply");
  expect_error("HTTP/1.1 200 OK\r\nContent-Le", 1, LIGHT_FAIL_RECV, "before the response header was complete");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1, LIGHT_FAIL_RECV, "mid-body (3 of 10 bytes)");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", 1, LIGHT_FAIL_RECV,
               "inside a chunked body");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", 1, LIGHT_FAIL_RECV,
               "inside a chunked body");
}

static void test_header_cap(void) {
  /* one 1 MB header line: refused once the cap is passed, without buffering it all */
  size_t big = 1024 * 1024;
  char *msg = malloc(big + 64);
  strcpy(msg, "HTTP/1.1 200 OK\r\nX-Big: ");
  size_t n = strlen(msg);
  memset(msg + n, 'a', big);
  strcpy(msg + n + big, "\r\n\r\n");
  size_t len = strlen(msg);
  outcome o = parse(msg, len, 0, 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_ERROR);
  CHECK_INT(o.failure, LIGHT_FAIL_RECV);
  CHECK(strstr(o.message, "response header over 65536 bytes") != NULL);
  outcome_free(&o);
  o = parse(msg, len, 4096, 0, NULL);
  CHECK_INT(o.ev, LIGHT_HTTP_ERROR);
  CHECK(o.leftover > big - 70000); /* stopped reading near the cap */
  outcome_free(&o);
  free(msg);
  /* many small lines add up to the same cap */
  light_http_limits lim = {0, 100, 0};
  outcome s = parse_all(
      "HTTP/1.1 200 OK\r\nA: 1234567890\r\nB: 1234567890\r\nC: 1234567890\r\nD: 1234567890\r\n"
      "E: 1234567890\r\nF: 1234567890\r\n\r\n",
      0, &lim);
  CHECK_INT(s.failure, LIGHT_FAIL_RECV);
  CHECK(strstr(s.message, "over 100 bytes") != NULL);
  outcome_free(&s);
  /* a chunk-size line is capped too */
  char *cl = malloc(10000);
  strcpy(cl, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
  size_t m = strlen(cl);
  memset(cl + m, 'e', 8000);
  cl[m + 8000] = '\0';
  o = parse(cl, strlen(cl), 0, 0, NULL);
  CHECK_INT(o.failure, LIGHT_FAIL_RECV);
  CHECK(strstr(o.message, "chunk size line over") != NULL);
  outcome_free(&o);
  free(cl);
}

static void test_body_cap(void) {
  light_http_limits lim = {0, 0, 10};
  outcome o = parse_all("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", 0, &lim);
  CHECK_INT(o.ev, LIGHT_HTTP_ERROR);
  CHECK_INT(o.failure, LIGHT_FAIL_TOO_LARGE);
  CHECK_INT(o.body_len, 0); /* refused before any body byte */
  CHECK(strstr(o.message, "11 bytes over the 10-byte cap") != NULL);
  outcome_free(&o);
  o = parse_all("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 0, &lim);
  CHECK_INT(o.ev, LIGHT_HTTP_DONE);
  CHECK_INT(o.body_len, 10);
  outcome_free(&o);
  o = parse_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n678901\r\n0\r\n\r\n", 0,
                &lim);
  CHECK_INT(o.failure, LIGHT_FAIL_TOO_LARGE);
  CHECK(o.body_len <= 10);
  outcome_free(&o);
  o = parse_all("HTTP/1.1 200 OK\r\n\r\n0123456789ABC", 1, &lim);
  CHECK_INT(o.failure, LIGHT_FAIL_TOO_LARGE);
  outcome_free(&o);
}

static void test_sticky_states_and_null(void) {
  light_http_parser *p = light_http_parser_new(NULL);
  size_t used = 99;
  const char *msg = "HTTP/1.1 204 No Content\r\n\r\n";
  CHECK_INT(light_http_parser_status(p), 0);
  size_t hl = 7;
  CHECK_STR(light_http_parser_headers(p, &hl), "");
  CHECK_INT(hl, 0);
  CHECK_INT(light_http_parser_feed(p, msg, strlen(msg), &used, NULL, NULL), LIGHT_HTTP_HEADERS);
  CHECK_INT(used, strlen(msg));
  CHECK_INT(light_http_parser_feed(p, NULL, 0, &used, NULL, NULL), LIGHT_HTTP_DONE);
  CHECK_INT(light_http_parser_feed(p, "more", 4, &used, NULL, NULL), LIGHT_HTTP_DONE);
  CHECK_INT(used, 0);
  CHECK_INT(light_http_parser_eof(p), LIGHT_HTTP_DONE);
  CHECK_INT(light_http_parser_error(p, NULL), 0);
  light_http_parser_free(p);

  p = light_http_parser_new(NULL);
  CHECK_INT(light_http_parser_feed(p, "nope\n", 5, &used, NULL, NULL), LIGHT_HTTP_ERROR);
  CHECK_INT(light_http_parser_feed(p, "HTTP/1.1 200 OK\r\n", 17, &used, NULL, NULL), LIGHT_HTTP_ERROR);
  CHECK_INT(used, 0);
  CHECK_INT(light_http_parser_eof(p), LIGHT_HTTP_ERROR);
  CHECK_INT(light_http_parser_keep_alive(p), 0);
  light_http_parser_free(p);

  /* reset: a parser reused for the next response starts over with the new limits */
  p = light_http_parser_new(NULL);
  const char *big = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello";
  do {
    light_http_event e = light_http_parser_feed(p, big, strlen(big), &used, NULL, NULL);
    big += used;
    if (e == LIGHT_HTTP_DONE) break;
  } while (1);
  light_http_limits cap = {0, 0, 2};
  light_http_parser_reset(p, &cap);
  CHECK_INT(light_http_parser_status(p), 0);
  CHECK_INT(light_http_parser_body_bytes(p), 0);
  CHECK_STR(light_http_parser_headers(p, NULL), "");
  const char *again = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  CHECK_INT(light_http_parser_feed(p, again, strlen(again), &used, NULL, NULL), LIGHT_HTTP_ERROR);
  CHECK_INT(light_http_parser_error(p, NULL), LIGHT_FAIL_TOO_LARGE);
  light_http_parser_reset(p, NULL);
  CHECK_INT(light_http_parser_feed(p, again, strlen(again), &used, NULL, NULL), LIGHT_HTTP_HEADERS);
  CHECK_INT(light_http_parser_status(p), 200);
  light_http_parser_free(p);
  light_http_parser_reset(NULL, NULL);

  light_http_parser_free(NULL);
  CHECK_INT(light_http_parser_feed(NULL, "x", 1, &used, NULL, NULL), LIGHT_HTTP_ERROR);
  CHECK_INT(used, 0);
  CHECK_INT(light_http_parser_eof(NULL), LIGHT_HTTP_ERROR);
  CHECK_INT(light_http_parser_status(NULL), 0);
  CHECK_INT(light_http_parser_keep_alive(NULL), 0);
  CHECK_INT(light_http_parser_body_bytes(NULL), 0);
  CHECK_INT(light_http_parser_error(NULL, NULL), 0);
}

int main(void) {
  test_content_length();
  test_keep_alive_rules();
  test_chunked();
  test_no_body();
  test_interim_and_pipelined();
  test_broken_responses();
  test_header_cap();
  test_body_cap();
  test_sticky_states_and_null();
  TEST_MAIN_END();
}
