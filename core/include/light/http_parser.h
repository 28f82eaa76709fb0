/**
 * @file light/http_parser.h
 * @brief Sans-I/O HTTP/1.1 response parser, for hosts that move the bytes
 * themselves (the nginx cosocket transport of the Lua binding): bytes in,
 * events out, no allocation per byte and no I/O.
 *
 *     light_http_parser *p = light_http_parser_new(&limits);
 *     light_http_event ev = LIGHT_HTTP_NEED_MORE;
 *     while (ev != LIGHT_HTTP_DONE && ev != LIGHT_HTTP_ERROR) {
 *       ssize_t n = read(fd, buf, sizeof buf);
 *       if (n <= 0) { ev = light_http_parser_eof(p); break; }
 *       const char *in = buf; size_t left = (size_t)n;
 *       do {   // until NEED_MORE: HEADERS and BODY are followed by more events
 *         size_t used; const char *chunk; size_t chunk_len;
 *         ev = light_http_parser_feed(p, in, left, &used, &chunk, &chunk_len);
 *         in += used; left -= used;
 *         if (ev == LIGHT_HTTP_BODY) ...append chunk...
 *       } while (ev == LIGHT_HTTP_HEADERS || ev == LIGHT_HTTP_BODY);
 *     }
 *
 * What it understands: the status line (HTTP/1.0 and HTTP/1.1; interim 1xx
 * responses are skipped), header fields, bodies delimited by Content-Length,
 * by chunked transfer coding (extensions and trailers skipped) or by the
 * connection close; no body for HEAD, 204 and 304. Keep-alive rules: an
 * HTTP/1.1 response keeps the connection unless it says `Connection: close`;
 * an HTTP/1.0 one only with `Connection: keep-alive`; a close-delimited body
 * never does.
 *
 * Errors carry the transport failure class the exchange expects
 * (light/exchange.h): a malformed response, a header over the cap, a
 * truncated chunk or a close mid-response → LIGHT_FAIL_RECV; a body over the
 * cap → LIGHT_FAIL_TOO_LARGE (before its bytes are delivered when
 * Content-Length announces it). Once DONE or ERROR the parser stays there.
 *
 * Thread safety: a parser is used by one thread at a time; parsers are
 * independent of each other.
 */
#ifndef LIGHT_HTTP_PARSER_H
#define LIGHT_HTTP_PARSER_H

#include <stddef.h>

#include "light/exchange.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct light_http_parser light_http_parser;

/** Default cap on the status line plus all header (and trailer) lines, bytes. */
#define LIGHT_HTTP_DEFAULT_MAX_HEADER_BYTES (64 * 1024)

/** Limits of one parser. Zero fields take the defaults. */
typedef struct light_http_limits {
  int head_request;        /**< 1 when the request was HEAD: the response has no body */
  size_t max_header_bytes; /**< status line + header lines + trailers; 0 = LIGHT_HTTP_DEFAULT_MAX_HEADER_BYTES */
  size_t max_body_bytes;   /**< decoded body cap; 0 = no cap */
} light_http_limits;

/** What light_http_parser_feed() / light_http_parser_eof() stopped on. Fixed numbers. */
typedef enum light_http_event {
  LIGHT_HTTP_NEED_MORE = 0, /**< every input byte consumed: feed more, or call light_http_parser_eof() */
  LIGHT_HTTP_HEADERS = 1,   /**< status line and headers of the final response complete */
  LIGHT_HTTP_BODY = 2,      /**< body bytes in *chunk / *chunk_len (they point into the input) */
  LIGHT_HTTP_DONE = 3,      /**< response complete; bytes after it were not consumed */
  LIGHT_HTTP_ERROR = 4      /**< see light_http_parser_error() */
} light_http_event;

/**
 * @brief A parser for one response.
 * @param limits may be NULL (defaults, GET request, no body cap). Copied.
 * @return caller owns; free with light_http_parser_free(). NULL when out of memory.
 */
LIGHT_EXTERN(light_http_parser *) light_http_parser_new(const light_http_limits *limits);

/**
 * @brief Make @p p ready for the next response (same as a new parser with
 * @p limits, NULL = defaults), keeping its buffers. NULL-safe.
 */
LIGHT_EXTERN(void) light_http_parser_reset(light_http_parser *p, const light_http_limits *limits);

/** @brief Free a parser. NULL-safe. */
LIGHT_EXTERN(void) light_http_parser_free(light_http_parser *p);

/**
 * @brief Consume input up to the next event.
 * @param data, len   input bytes (borrowed; len may be 0).
 * @param[out] consumed   how many of them were used (always set).
 * @param[out] chunk, chunk_len   for LIGHT_HTTP_BODY: the body bytes, a slice of @p data
 *                                (either may be NULL when the caller does not need them).
 * @return the event. Call again with the remaining bytes until NEED_MORE,
 *         DONE or ERROR. After DONE or ERROR it returns the same event and
 *         consumes nothing.
 */
LIGHT_EXTERN(light_http_event)
light_http_parser_feed(light_http_parser *p, const char *data, size_t len, size_t *consumed, const char **chunk,
                       size_t *chunk_len);

/**
 * @brief The peer closed the connection (no more input will come).
 * @return LIGHT_HTTP_DONE when that ends a close-delimited body (or the
 *         response was already complete), LIGHT_HTTP_ERROR otherwise (empty
 *         reply, close inside the header, mid-body or mid-chunk: LIGHT_FAIL_RECV).
 */
LIGHT_EXTERN(light_http_event) light_http_parser_eof(light_http_parser *p);

/**
 * @brief HTTP status of the final response; 0 before LIGHT_HTTP_HEADERS. */
LIGHT_EXTERN(int) light_http_parser_status(const light_http_parser *p);

/**
 * @brief The header block of the final response, "Name: value\r\n" lines (no
 * status line; obs-text kept, surrounding whitespace trimmed). Borrowed: valid
 * until the parser is freed. Empty ("" and 0) before LIGHT_HTTP_HEADERS.
 */
LIGHT_EXTERN(const char *) light_http_parser_headers(const light_http_parser *p, size_t *len);

/**
 * @brief After LIGHT_HTTP_DONE: 1 when the connection may carry another
 * request (see the keep-alive rules above), 0 otherwise (always 0 before DONE).
 */
LIGHT_EXTERN(int) light_http_parser_keep_alive(const light_http_parser *p);

/** @brief Decoded body bytes delivered so far. */
LIGHT_EXTERN(size_t) light_http_parser_body_bytes(const light_http_parser *p);

/**
 * @brief After LIGHT_HTTP_ERROR: the failure class (LIGHT_FAIL_RECV,
 * LIGHT_FAIL_TOO_LARGE, or LIGHT_FAIL_OTHER when out of memory), and in @p message (borrowed, valid until the parser
 * is freed; may be NULL) what was wrong. Returns 0 when there is no error.
 */
LIGHT_EXTERN(int) light_http_parser_error(const light_http_parser *p, const char **message);

#ifdef __cplusplus
}
#endif
#endif
