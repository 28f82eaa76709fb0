/* Fuzz target: multipart/form-data building (light__codec_multipart).
 * Input: "<field>\n<filename>\n<content type>\n<boundary>\n<file bytes>"; an
 * empty field/filename/content type means "use the default" (NULL when the
 * first byte of the file is odd, "" otherwise), as the bindings pass them.
 *
 * Properties (beyond no crash/leak/UB):
 *  - acceptance matches an independent oracle: refused with
 *    LIGHT_E_INVALID_ARGUMENT exactly when the boundary is not 1..70 of
 *    [0-9A-Za-z'()+_,-./:=?], a name holds CR, LF or '"', or the file bytes
 *    hold "--<boundary>"; a refusal leaves the output buffer untouched;
 *  - an accepted body parses back (RFC 7578 / RFC 2046 framing) into exactly
 *    one part whose name, filename and content type are the given ones (or
 *    the defaults "file", "upload.pdf", "application/pdf") and whose content
 *    is the file bytes, byte for byte; the first delimiter after the part
 *    headers is the closing one; bytes already in the buffer are kept.
 * fuzz_codec also reaches this function (with a framing check only); this
 * target owns the round trip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char PREFIX[] = "prefix-bytes";

static int boundary_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c != '\0' && strchr("'()+_,-./:=?", c) != NULL);
}

static int boundary_valid(const char *b) {
  size_t n = strlen(b);
  if (n < 1 || n > 70) return 0;
  for (size_t i = 0; i < n; i++)
    if (!boundary_char((unsigned char)b[i])) return 0;
  return 1;
}

static int name_valid(const char *s) {
  for (; *s; s++)
    if (*s == '\r' || *s == '\n' || *s == '"') return 0;
  return 1;
}

/* Naive search, independent of the codec's find_bytes. */
static const uint8_t *find(const uint8_t *h, size_t hn, const uint8_t *n, size_t nn) {
  if (nn == 0 || hn < nn) return NULL;
  for (size_t i = 0; i + nn <= hn; i++)
    if (memcmp(h + i, n, nn) == 0) return h + i;
  return NULL;
}

/* Expect the literal s at *p (advancing), else abort. */
static void expect(const uint8_t **p, const uint8_t *end, const char *s, size_t n) {
  if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0) abort();
  *p += n;
}

static void expect_str(const uint8_t **p, const uint8_t *end, const char *s) { expect(p, end, s, strlen(s)); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in = {data, size};
  char *field = fuzz_field(&in);
  char *filename = fuzz_field(&in);
  char *ctype = fuzz_field(&in);
  char *boundary = fuzz_field(&in);
  const uint8_t *content = in.p;
  size_t content_len = in.n;
  int use_null = content_len > 0 && (content[0] & 1);

  light_file f = {use_null && !*field ? NULL : field, use_null && !*filename ? NULL : filename,
                  use_null && !*ctype ? NULL : ctype, content_len ? content : NULL, content_len};
  const char *want_field = *field ? field : "file";
  const char *want_filename = *filename ? filename : "upload.pdf";
  const char *want_ctype = *ctype ? ctype : "application/pdf";

  int ok_expected =
      boundary_valid(boundary) && name_valid(want_field) && name_valid(want_filename) && name_valid(want_ctype);
  if (ok_expected) {
    char needle[80];
    int nl = snprintf(needle, sizeof needle, "--%s", boundary);
    if (find(content, content_len, (const uint8_t *)needle, (size_t)nl)) ok_expected = 0;
  }

  light__buf out = {0};
  if (light__buf_append(&out, PREFIX, sizeof PREFIX - 1) != 0) abort();
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light__codec_multipart(&f, boundary, &out, &err);

  if (!ok_expected) {
    if (st != LIGHT_E_INVALID_ARGUMENT || err.code != LIGHT_E_INVALID_ARGUMENT || !err.param || !err.message) abort();
    if (out.len != sizeof PREFIX - 1 || memcmp(out.data, PREFIX, out.len) != 0) abort();
  } else {
    if (st != LIGHT_OK) abort();
    const uint8_t *p = (const uint8_t *)out.data, *end = p + out.len;
    expect_str(&p, end, PREFIX);
    /* dash-boundary CRLF, then the part's header lines, then CRLF. */
    expect_str(&p, end, "--");
    expect_str(&p, end, boundary);
    expect_str(&p, end, "\r\nContent-Disposition: form-data; name=\"");
    expect_str(&p, end, want_field);
    expect_str(&p, end, "\"; filename=\"");
    expect_str(&p, end, want_filename);
    expect_str(&p, end, "\"\r\nContent-Type: ");
    expect_str(&p, end, want_ctype);
    expect_str(&p, end, "\r\n\r\n");
    /* The part ends at the first "CRLF--boundary" after its headers; it must be
     * the closing delimiter and the bytes before it the file, exactly. */
    char delim[80];
    int dl = snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    const uint8_t *d = find(p, (size_t)(end - p), (const uint8_t *)delim, (size_t)dl);
    if (!d) abort();
    if ((size_t)(d - p) != content_len || (content_len && memcmp(p, content, content_len) != 0)) abort();
    p = d;
    expect(&p, end, delim, (size_t)dl);
    expect_str(&p, end, "--\r\n");
    if (p != end) abort();
    if (out.data[out.len] != '\0') abort(); /* light__buf keeps a NUL after the bytes */
  }
  light__buf_free(&out);
  light_error_clear(&err);
  free(field);
  free(filename);
  free(ctype);
  free(boundary);
  return 0;
}
